#!/usr/bin/env bash
# Installs every Debian package that GHMDet's build, tests, benchmarks and demo need.
# Usage: scripts/install-deps.sh [--fixtures] [--fuzz]
#   --fixtures  also installs python3-torch/python3-torchvision, used only by the scripts
#               that regenerate committed test fixtures and by the side-by-side benchmarks.
#   --fuzz      also installs clang-14 and its sanitizer/libFuzzer runtimes, for scripts/fuzz.sh
#               (docs/FUZZING.md).
set -euo pipefail

packages=(
  build-essential cmake ninja-build ccache pkg-config
  libtorch-dev libgloo-dev
  libopencv-core-dev libopencv-imgproc-dev libopencv-imgcodecs-dev
  libyaml-cpp-dev libsimdjson-dev nlohmann-json3-dev libpugixml-dev
  libcli11-dev libspdlog-dev libfmt-dev libjemalloc-dev zlib1g-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  dataset-fashion-mnist
)
for arg in "$@"; do
  case "$arg" in
    --fixtures) packages+=(python3-torch python3-torchvision python3-numpy) ;;
    --fuzz) packages+=(clang-14 libclang-rt-14-dev) ;;
    *) echo "install-deps: unknown option '$arg' (use --fixtures, --fuzz)" >&2; exit 2 ;;
  esac
done

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]} == 0)); then
  echo "install-deps: all ${#packages[@]} packages already installed"
  exit 0
fi

SUDO=""
if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
