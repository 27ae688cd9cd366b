#!/usr/bin/env bash
# GHMDet built on two libtorch, side by side in one run: RetinaNet R50-FPN inference (batch 1,
# 800x1216 and 512x512), a training step (512x512, batch 2, GHM-C + GHM-R) and the loss
# benchmarks (one COCO-scale step of GHM-C, focal loss, GHM-R). The two builds' programs run
# alternately, ROUNDS times; the table gives each one's median and B's time over A's.
#
#   scripts/bench/libtorch_versions.sh build build-pypi [ROUNDS]
#
# Both build folders need bench_retinanet and bench_losses (-DGHMDET_BUILD_BENCHMARKS=ON, then
# cmake --build B --target bench_retinanet bench_losses ghmdet_cli).
set -euo pipefail
a=${1:?build folder A}; b=${2:?build folder B}; rounds=${3:-3}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
echo "CPU: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) threads used;" \
     "ISA: $(grep -o -w -E 'avx512f|avx512_bf16|amx_tile' /proc/cpuinfo | sort -u | tr '\n' ' ')"
for build in "$a" "$b"; do echo "$build: $("$build/bin/ghmdet" version | head -1)"; done
for ((r = 1; r <= rounds; ++r)); do
  for build in "$a" "$b"; do
    tag=$(basename "$build")
    "$build/bench/modeling/bench_retinanet" --benchmark_filter='BM_Predict|BM_TrainStep' \
      --benchmark_out="$out/$tag.retinanet.$r.json" --benchmark_out_format=json > /dev/null 2>&1
    "$build/bench/losses/bench_losses" --benchmark_filter='BM_GHMC_Fused|BM_Focal_Fused|BM_GHMR_Fused' \
      --benchmark_out="$out/$tag.losses.$r.json" --benchmark_out_format=json > /dev/null 2>&1
  done
done
python3 - "$out" "$(basename "$a")" "$(basename "$b")" <<'PY'
import glob, json, statistics, sys
out, a, b = sys.argv[1:]
def medians(tag):
    times = {}
    for path in sorted(glob.glob(f"{out}/{tag}.*.json")):
        for bm in json.load(open(path))["benchmarks"]:
            times.setdefault(bm["name"], []).append(bm["real_time"])
    return {k: statistics.median(v) for k, v in times.items()}
ma, mb = medians(a), medians(b)
print(f"| benchmark (ms, median) | {a} | {b} | {b} / {a} |")
print("|---|---|---|---|")
for name in ma:
    if name in mb:
        print(f"| {name} | {ma[name]:.1f} | {mb[name]:.1f} | {mb[name] / ma[name]:.2f}x |")
PY
