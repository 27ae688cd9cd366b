#!/usr/bin/env bash
# Installs every Debian package that GHMDet's build, tests, benchmarks and demo need.
# Usage: scripts/install-deps.sh [--fixtures] [--fuzz] [--libtorch debian|pypi] [--peers]
#   --fixtures        also installs python3-torch/python3-torchvision, used only by the scripts
#                     that regenerate committed test fixtures and by the side-by-side benchmarks.
#   --fuzz            also installs clang-14 and its sanitizer/libFuzzer runtimes, for
#                     scripts/fuzz.sh (docs/FUZZING.md).
#   --libtorch pypi   also installs the libtorch inside PyPI's torch wheel (the version pinned in
#                     scripts/requirements/libtorch-pypi.txt, built with CUDA) into a virtual
#                     environment, $GHMDET_TORCH_VENV or ~/.cache/ghmdet/torch-<version> (about
#                     5 GB); the system's Python is not touched. Build against it with
#                     -DCMAKE_PREFIX_PATH="$(scripts/libtorch-prefix.sh)".
#   --libtorch debian Debian's libtorch-dev 1.13 (CPU), always installed: the default.
#   --peers           implies --libtorch pypi, and adds to its virtual environment the peers of
#                     the side-by-side benchmark (scripts/bench/peers_side_by_side.py): torchvision,
#                     ONNX Runtime, OpenVINO, pycocotools, faster-coco-eval, pinned in
#                     scripts/requirements/bench-peers.txt.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"

fixtures=0
fuzz=0
peers=0
libtorch=debian
while (($#)); do
  case "$1" in
    --fixtures) fixtures=1 ;;
    --fuzz) fuzz=1 ;;
    --peers) peers=1 ;;
    --libtorch)
      libtorch="${2:-}"
      shift
      [[ "$libtorch" == debian || "$libtorch" == pypi ]] ||
        { echo "install-deps: --libtorch takes debian or pypi, got '$libtorch'" >&2; exit 2; }
      ;;
    *) echo "install-deps: unknown option '$1' (known: --fixtures, --fuzz, --libtorch debian|pypi, --peers)" >&2; exit 2 ;;
  esac
  shift
done
if ((peers)); then libtorch=pypi; fi

packages=(
  build-essential cmake ninja-build ccache pkg-config
  libtorch-dev libgloo-dev
  libopencv-core-dev libopencv-imgproc-dev libopencv-imgcodecs-dev
  libyaml-cpp-dev libsimdjson-dev nlohmann-json3-dev libpugixml-dev
  libcli11-dev libspdlog-dev libfmt-dev libjemalloc-dev zlib1g-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  dataset-fashion-mnist
)
if ((fixtures)); then
  packages+=(python3-torch python3-torchvision python3-numpy)
fi
if [[ "$libtorch" == pypi ]]; then
  packages+=(python3 python3-venv)
fi
if ((fuzz)); then
  packages+=(clang-14 libclang-rt-14-dev)
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]} == 0)); then
  echo "install-deps: all ${#packages[@]} packages already installed"
else
  SUDO=""
  if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

if [[ "$libtorch" == pypi ]]; then
  requirements="$here/requirements/libtorch-pypi.txt"
  version=$(sed -n 's/^torch==//p' "$requirements")
  venv="${GHMDET_TORCH_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/ghmdet/torch-$version}"
  if [[ -x "$venv/bin/python" ]] && "$venv/bin/python" -W ignore -c "import torch, sys; sys.exit(torch.__version__.split('+')[0] != '$version')" 2>/dev/null; then
    echo "install-deps: torch $version already in $venv"
  else
    echo "install-deps: installing torch $version into $venv (about 5 GB)"
    mkdir -p "$(dirname "$venv")"
    python3 -m venv "$venv"
    "$venv/bin/python" -m pip install -q --disable-pip-version-check -r "$requirements"
  fi
  echo "install-deps: libtorch prefix: $("$here/libtorch-prefix.sh")"
  if ((peers)); then
    echo "install-deps: installing the benchmark peers into $venv"
    "$venv/bin/python" -m pip install -q --disable-pip-version-check -r "$here/requirements/bench-peers.txt"
  fi
fi
