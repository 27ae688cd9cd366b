// The body of a benchmark program's main(): libtorch's runtime set up the project's way, then
// every registered Google Benchmark run with the command line's filters and reporters.
#pragma once

#include <benchmark/benchmark.h>

#include "ghmdet/core/runtime.h"

namespace ghmdet::bench {

// Returns main()'s exit code: 1 for an argument Google Benchmark does not know (so a mistyped
// --benchmark_filter is not silently a run of everything).
inline int run_benchmarks(int argc, char** argv) {
  ghmdet::init_runtime();
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}

}  // namespace ghmdet::bench
