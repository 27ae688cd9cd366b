#!/usr/bin/env bash
# Prints the CMAKE_PREFIX_PATH of the PyPI libtorch that `scripts/install-deps.sh --libtorch pypi`
# installed (torch.utils.cmake_prefix_path of its virtual environment); exits 1 when it is not
# installed. Usage: cmake -S . -B build-pypi -DCMAKE_PREFIX_PATH="$(scripts/libtorch-prefix.sh)"
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
version=$(sed -n 's/^torch==//p' "$here/requirements/libtorch-pypi.txt")
venv="${GHMDET_TORCH_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/ghmdet/torch-$version}"
if [[ ! -x "$venv/bin/python" ]]; then
  echo "libtorch-prefix: no torch $version in $venv; run scripts/install-deps.sh --libtorch pypi" >&2
  exit 1
fi
"$venv/bin/python" -W ignore -c 'import torch.utils; print(torch.utils.cmake_prefix_path)'
