#!/usr/bin/env bash
# Builds the libFuzzer harnesses (fuzz/, ASan + UBSan, clang) in build-fuzz/ when needed and runs one.
# Usage:
#   scripts/fuzz.sh TARGET SECONDS [libFuzzer options...]   fuzz TARGET for SECONDS
#   scripts/fuzz.sh all SECONDS                             each target in turn, SECONDS each
#   scripts/fuzz.sh replay [TARGET]                         run the committed corpora once
#   scripts/fuzz.sh list                                    the targets
# TARGET is pth, coco_json, coco_results, voc_xml, config, idx or image (fuzz_<TARGET> also works).
# The committed seeds are fuzz/corpus/<target>/ (read only here); inputs found while fuzzing go
# to build-fuzz/corpus/<target>/, crashes and the like to build-fuzz/artifacts/<target>/.
# Exit code: 0 when nothing was found, libFuzzer's (non-zero) otherwise.
# Environment: CXX (default clang++-14, else clang++), JOBS (build jobs, default 2), NICE (10).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
build=${GHMDET_FUZZ_BUILD:-$root/build-fuzz}
targets=(pth coco_json coco_results voc_xml config idx image)

usage() { sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }
[[ $# -ge 1 ]] || usage

build_fuzzers() {
  local cxx=${CXX:-}
  if [[ -z "$cxx" ]]; then
    if command -v clang++-14 >/dev/null; then cxx=clang++-14; else cxx=clang++; fi
  fi
  if [[ ! -f "$build/build.ninja" ]]; then
    cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
      -DCMAKE_CXX_COMPILER="$cxx" -DGHMDET_BUILD_FUZZERS=ON -DGHMDET_BUILD_TESTS=OFF \
      -DGHMDET_BUILD_BENCHMARKS=OFF >/dev/null
  fi
  nice -n "${NICE:-10}" cmake --build "$build" -j "${JOBS:-2}" --target "$@"
}

normalise() { local t=${1#fuzz_}; printf '%s' "$t"; }

# libFuzzer options every run uses: 10 s per input is a hang; 2 GiB of memory in all and 1 GiB
# in one allocation are findings (no valid input of these sizes needs that much).
common=(-timeout=10 -rss_limit_mb=2048 -malloc_limit_mb=1024 -print_final_stats=1)
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

run_one() {  # target seconds [options]
  local t=$1 seconds=$2
  shift 2
  mkdir -p "$build/corpus/$t" "$build/artifacts/$t"
  nice -n "${NICE:-10}" "$build/fuzz/fuzz_$t" "${common[@]}" -max_total_time="$seconds" \
    -artifact_prefix="$build/artifacts/$t/" "$@" "$build/corpus/$t" "$root/fuzz/corpus/$t"
}

case "$1" in
  list) printf '%s\n' "${targets[@]}" ;;
  replay)
    sel=("${targets[@]}")
    [[ $# -ge 2 ]] && sel=("$(normalise "$2")")
    build_fuzzers "${sel[@]/#/fuzz_}"
    for t in "${sel[@]}"; do
      echo "== replay $t"
      "$build/fuzz/fuzz_$t" "${common[@]}" -runs=0 "$root/fuzz/corpus/$t"
    done ;;
  all)
    [[ $# -ge 2 ]] || usage
    build_fuzzers ghmdet_fuzzers
    for t in "${targets[@]}"; do
      echo "== fuzz $t for $2 s"
      run_one "$t" "$2"
    done ;;
  *)
    [[ $# -ge 2 ]] || usage
    t=$(normalise "$1")
    [[ " ${targets[*]} " == *" $t "* ]] || { echo "fuzz.sh: unknown target '$1'" >&2; usage; }
    seconds=$2
    shift 2
    build_fuzzers "fuzz_$t"
    run_one "$t" "$seconds" "$@" ;;
esac
