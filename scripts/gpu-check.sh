#!/usr/bin/env bash
# The GPU check: GHMDet's CUDA path built and measured on a machine with a GPU, in two steps.
#
#   scripts/gpu-check.sh bundle
#       Here, on Debian: copies into .gpu-deps/ (git-ignored) the Debian libraries that the
#       core-only build needs and a GPU machine lacks — yaml-cpp, fmt, spdlog, nlohmann-json,
#       GoogleTest: headers, libraries, CMake package files (about 6 MiB). The GPU machine has
#       libtorch (python3's torch), nvcc, cmake, ninja and a C++ compiler, no network, and none of
#       Debian's libraries; OpenCV and the data layers are not built there (GHMDET_CORE_ONLY).
#
#   scripts/gpu-check.sh run OUT
#       On the GPU machine, from the repository root, within about 8 minutes: builds the core
#       against python3's torch and .gpu-deps/ (build-gpu/), then runs
#         1. every CUDA test (tests/cuda)                       -> test_cuda_*.xml in OUT/logs.tar.gz
#         2. ghmdet_gpu_check: CPU-vs-CUDA tables (losses, RetinaNet), short trainings of the demo
#            model on generated batches (float32, fp16), GHM-C / focal / GHM-R at COCO scale,
#            R50-FPN training steps at 800x1333 batch 2 (FL + SL1, GHM-C + GHM-R; float32 and
#            fp16), R50-FPN inference                                      -> OUT/gpu_check.json
#         3. scripts/bench/gpu_peers.py: the reference's per-bin GHM-C loop and torchvision's
#            RetinaNet (training step, inference) on the same GPU         -> OUT/peers.json
#       and writes the tables of all three as OUT/gpu_check.md (scripts/bench/gpu_report.py),
#       every log and test report in OUT/logs.tar.gz. The whole run has a budget of 560 s
#       ($GHMDET_GPU_CHECK_BUDGET); a stage that fails or runs out of time is reported, and the
#       others still run.
#
#   scripts/gpu-check.sh rehearse OUT
#       Here, without a GPU: `run` at toy sizes on the CPU, in a mount namespace where Debian's
#       copies of the bundled libraries, OpenCV, simdjson, pugixml and Debian's libtorch are
#       hidden, with the torch of $GHMDET_GPU_PYTHON (default: the PyPI venv of
#       scripts/install-deps.sh --libtorch pypi). It shows that the GPU machine's build needs nothing
#       but .gpu-deps/ and torch, and that every stage runs and reports.
#
# On a remote GPU machine: copy the checkout with .gpu-deps/, run `bash scripts/gpu-check.sh run
# OUT`, fetch OUT's 4 files. docs/PERFORMANCE.md ("GPU check") holds the figures of the last run.
set -uo pipefail
cd "$(dirname "$0")/.."
DEPS=.gpu-deps
ARCH_DIR=lib/x86_64-linux-gnu
PACKAGES=(libyaml-cpp-dev libyaml-cpp0.7 libfmt-dev libfmt9 libspdlog-dev libspdlog1.10
          nlohmann-json3-dev libgtest-dev libgmock-dev)

bundle() {
  rm -rf "$DEPS" && mkdir -p "$DEPS"
  local pkg missing=()
  for pkg in "${PACKAGES[@]}"; do dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg"); done
  if ((${#missing[@]})); then
    echo "gpu-check bundle: not installed: ${missing[*]} (scripts/install-deps.sh installs them)" >&2
    return 1
  fi
  # Headers, libraries and CMake package files; documentation and pkg-config files stay behind.
  for pkg in "${PACKAGES[@]}"; do
    dpkg -L "$pkg" | grep -E '^/usr/(include|lib|share/cmake)/' | while read -r f; do
      if [[ -f "$f" || -L "$f" ]]; then
        mkdir -p "$DEPS$(dirname "$f")"
        cp -P "$f" "$DEPS$f"
      fi
    done
  done
  rm -rf "$DEPS/usr/$ARCH_DIR/pkgconfig"
  echo "gpu-check bundle: $DEPS/ holds $(du -sh "$DEPS" | cut -f1) ($(find "$DEPS" -type f | wc -l) files)"
}

# run_stage NAME SECONDS COMMAND...: runs COMMAND with a time limit (SECONDS, cut to what is left
# of the whole run's budget), its output in $WORK/NAME.log; then publishes what there is so far.
run_stage() {
  local name=$1 limit=$2 start rc left
  shift 2
  start=$(date +%s)
  left=$((DEADLINE - start))
  ((limit < left)) || limit=$left
  if ((limit < 5)); then
    echo "$name: not run, the run's time budget is spent" | tee -a "$WORK/stages.txt"
    return 124
  fi
  timeout --kill-after=10 "$limit" "$@" >"$WORK/$name.log" 2>&1
  rc=$?
  echo "$name: exit $rc after $(($(date +%s) - start)) s (limit $limit s)" | tee -a "$WORK/stages.txt"
  tail -n 5 "$WORK/$name.log"
  publish
  return $rc
}

# OUT gets few files (a GPU machine's tool returns at most 8): the two JSON files, the tables, and
# every log and test report in one archive — refreshed after each stage, so a run cut short
# still returns what it finished.
publish() {
  local f
  for f in gpu_check.json peers.json gpu_check.md; do
    [[ -f "$WORK/$f" ]] && cp "$WORK/$f" "$OUT/$f"
  done
  tar -czf "$OUT/logs.tar.gz" -C "$WORK" --exclude=runs . 2>/dev/null
}

run() {
  OUT=${1:?usage: scripts/gpu-check.sh run OUT}
  mkdir -p "$OUT"
  OUT=$(cd "$OUT" && pwd)
  WORK=${GHMDET_GPU_CHECK_WORK:-/tmp/ghmdet-gpu-check}
  rm -rf "$WORK" && mkdir -p "$WORK"
  DEADLINE=$(($(date +%s) + ${GHMDET_GPU_CHECK_BUDGET:-560}))
  # As bin/ghmdet does: libgomp's default spin-wait turns any CPU contention into a cliff.
  export GOMP_SPINCOUNT=${GOMP_SPINCOUNT:-1000}
  : >"$WORK/stages.txt"
  local python=${GHMDET_GPU_PYTHON:-python3} torch_prefix nvcc arch
  torch_prefix=$("$python" -c 'import torch.utils; print(torch.utils.cmake_prefix_path)') || {
    echo "gpu-check: $python has no torch" >&2; return 1; }
  nvcc=$(command -v nvcc || echo /usr/local/cuda/bin/nvcc)
  # The GPU's own architecture only: a build for one target is the quickest.
  arch=$(nvidia-smi --query-gpu=compute_cap --format=csv,noheader 2>/dev/null | head -1 | tr -d '. ')
  [[ -n "$arch" ]] || arch=90  # no GPU visible (a rehearsal): compile for Hopper
  {
    echo "machine: $(nproc) CPUs; $(nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>/dev/null || echo 'no nvidia-smi')"
    echo "torch: $("$python" -c 'import torch; print(torch.__version__, "CUDA", torch.version.cuda)')"
    echo "nvcc: $("$nvcc" --version | tail -1); c++: $(c++ --version | head -1); cmake: $(cmake --version | head -1)"
  } | tee "$WORK/machine.txt"

  run_stage configure 120 cmake -S . -B build-gpu -G Ninja -DCMAKE_BUILD_TYPE=Release \
      -DGHMDET_CORE_ONLY=ON -DGHMDET_USE_CCACHE=OFF \
      "-DCMAKE_PREFIX_PATH=$torch_prefix;$PWD/$DEPS/usr" \
      "-DCMAKE_CUDA_COMPILER=$nvcc" "-DGHMDET_CUDA_ARCHITECTURES=$arch"
  run_stage build "${GHMDET_GPU_CHECK_BUILD_LIMIT:-330}" cmake --build build-gpu -j "$(nproc)" --target \
      test_cuda_paths test_cuda_fp16 test_cuda_loss_kernels ghmdet_gpu_check
  local test_rc=0 bin
  for bin in test_cuda_loss_kernels test_cuda_paths test_cuda_fp16; do
    run_stage "$bin" 120 "build-gpu/tests/cuda/$bin" "--gtest_output=xml:$WORK/$bin.xml" || test_rc=1
  done
  local device=${GHMDET_GPU_CHECK_DEVICE:-cuda} scale=${GHMDET_GPU_CHECK_SCALE:-full}
  run_stage gpu_check 240 build-gpu/bin/ghmdet_gpu_check --out "$WORK/gpu_check.json" --device "$device" \
      --scale "$scale" --source-dir "$PWD" --work "$WORK/runs"
  run_stage gpu_peers 150 env PYTHONUNBUFFERED=1 "$python" scripts/bench/gpu_peers.py --out "$WORK/peers.json" \
      --device "$device" --scale "$scale"
  "$python" scripts/bench/gpu_report.py --dir "$WORK" >"$WORK/gpu_check.md" 2>"$WORK/gpu_report.log"
  publish
  cat "$WORK/gpu_check.md"
  return $test_rc
}

# What a GPU machine lacks, hidden: bind an empty folder (or /dev/null) over each.
rehearse() {
  local out=${1:?usage: scripts/gpu-check.sh rehearse OUT}
  [[ -d "$DEPS" ]] || { echo "gpu-check rehearse: run 'scripts/gpu-check.sh bundle' first" >&2; return 1; }
  local venv=${GHMDET_TORCH_VENV:-$HOME/.cache/ghmdet/torch-2.15.0}
  mkdir -p "$out"
  GHMDET_GPU_PYTHON=${GHMDET_GPU_PYTHON:-$venv/bin/python} GHMDET_GPU_CHECK_DEVICE=cpu \
  GHMDET_GPU_CHECK_SCALE=smoke GHMDET_GPU_CHECK_BUDGET=3600 GHMDET_GPU_CHECK_BUILD_LIMIT=3000 unshare --map-root-user --mount bash -c '
    set -e
    empty=$(mktemp -d)
    for d in /usr/include/{opencv4,yaml-cpp,spdlog,fmt,nlohmann,gtest,gmock,torch,ATen,c10,caffe2} \
             /usr/lib/x86_64-linux-gnu/cmake/{yaml-cpp,fmt,spdlog,GTest,simdjson,pugixml,Torch,ATen,Caffe2} \
             /usr/share/cmake/nlohmann_json; do
      if [[ -d $d ]]; then mount --bind "$empty" "$d"; elif [[ -e $d ]]; then mount --bind /dev/null "$d"; fi
    done
    for f in /usr/include/simdjson.h /usr/include/pugixml.hpp /usr/include/pugiconfig.hpp \
             /usr/lib/x86_64-linux-gnu/lib{yaml-cpp,fmt,spdlog,gtest,gmock,opencv_core,opencv_imgproc,opencv_imgcodecs,simdjson,pugixml,torch,torch_cpu,c10}.*; do
      [[ -e $f ]] && mount --bind /dev/null "$f"
    done
    exec bash scripts/gpu-check.sh run "$0"' "$out"
}

case "${1:-}" in
  bundle) bundle ;;
  run) shift; run "$@" ;;
  rehearse) shift; rehearse "$@" ;;
  *) sed -n '2,38p' "$0" >&2; exit 2 ;;
esac
