// The one translation unit compiled with OpenMP (and without the shared precompiled header,
// which is built without it): see parallel_for.h for why. Measured before it existed: the fused
// GHM-C kernels ran on one thread whatever torch::set_num_threads said
// (docs/performance/losses.md).
#include "ghmdet/core/parallel_for.h"

#include <ATen/Parallel.h>

namespace ghmdet::detail {

void parallel_for_erased(int64_t begin, int64_t end, int64_t grain, ChunkCall call, void* fn) {
  at::parallel_for(begin, end, grain, [&](int64_t b, int64_t e) { call(fn, b, e); });
}

}  // namespace ghmdet::detail
