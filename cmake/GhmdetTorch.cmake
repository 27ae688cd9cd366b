# Finds libtorch: Debian's (the default), the one inside a PyPI `torch` wheel
# (-DCMAKE_PREFIX_PATH=$(python -c 'import torch.utils; print(torch.utils.cmake_prefix_path)'),
# or pytorch.org's zip (-DTorch_DIR=<libtorch>/share/cmake/Torch).
#
# Two things make a non-system libtorch unsafe to find naively:
# - TorchConfig's find_library(... PATHS <its prefix>/lib) searches the system's folders before
#   that hint, so with Debian's libtorch-dev installed it would link /usr/lib's libtorch.so with
#   the wheel's headers. The chosen libtorch's prefix goes first on CMAKE_PREFIX_PATH while
#   TorchConfig runs.
# - libtorch 2.x ships fmt's headers (fmt 12) in its include folder, which the compiler searches
#   before /usr/include: GHMDet would compile against fmt 12 and link Debian's libfmt 9 (and
#   spdlog built on it). Debian's fmt headers are put first through a folder of our own.

function(ghmdet_torch_prefix out)
  set(candidates)
  foreach(dir IN ITEMS "${Torch_DIR}" "$ENV{Torch_DIR}")
    if(dir)
      list(APPEND candidates "${dir}")
    endif()
  endforeach()
  foreach(p IN LISTS CMAKE_PREFIX_PATH)
    list(APPEND candidates "${p}/Torch" "${p}/share/cmake/Torch")
  endforeach()
  foreach(dir IN LISTS candidates)
    if(EXISTS "${dir}/TorchConfig.cmake")
      get_filename_component(prefix "${dir}/../../.." ABSOLUTE)
      set(${out} "${prefix}" PARENT_SCOPE)
      return()
    endif()
  endforeach()
  set(${out} "" PARENT_SCOPE)
endfunction()

ghmdet_torch_prefix(GHMDET_TORCH_PREFIX)
set(ghmdet_saved_prefix_path "${CMAKE_PREFIX_PATH}")
if(GHMDET_TORCH_PREFIX)
  list(PREPEND CMAKE_PREFIX_PATH "${GHMDET_TORCH_PREFIX}")
endif()
find_package(Torch REQUIRED)
set(CMAKE_PREFIX_PATH "${ghmdet_saved_prefix_path}")
get_filename_component(GHMDET_TORCH_LIBRARY_DIR "${TORCH_LIBRARY}" DIRECTORY)
if(GHMDET_TORCH_PREFIX AND NOT GHMDET_TORCH_LIBRARY_DIR MATCHES "^${GHMDET_TORCH_PREFIX}")
  message(FATAL_ERROR "libtorch: TorchConfig in ${GHMDET_TORCH_PREFIX} found the library "
                      "${TORCH_LIBRARY}, outside that prefix")
endif()

set(GHMDET_TORCH_HAS_CUDA OFF)
if(TORCH_CUDA_LIBRARIES)
  set(GHMDET_TORCH_HAS_CUDA ON)
endif()
message(STATUS "GHMDet libtorch ${Torch_VERSION} (CUDA ${GHMDET_TORCH_HAS_CUDA}): ${TORCH_LIBRARY}")

# GHMDet's own CUDA kernels (src/ghmdet/**/cuda/: the losses) need a CUDA libtorch and nvcc.
# Without them CUDA tensors take the tensor-op paths, which compute the same.
option(GHMDET_CUDA_KERNELS "Build GHMDet's CUDA kernels when libtorch has CUDA" ON)
set(GHMDET_CUDA_ARCHITECTURES "75-real;80-real;86-real;89-real;90" CACHE STRING
    "CUDA architectures of GHMDet's kernels (90: also PTX, for newer GPUs)")
set(GHMDET_WITH_CUDA_KERNELS OFF)
if(GHMDET_TORCH_HAS_CUDA AND GHMDET_CUDA_KERNELS)
  include(CheckLanguage)
  check_language(CUDA)
  if(CMAKE_CUDA_COMPILER)
    enable_language(CUDA)
    set(GHMDET_WITH_CUDA_KERNELS ON)
    # TorchConfig appends -gencode flags for the architectures it guesses from nvcc (5.0 among
    # them, which CUDA 13's nvcc refuses); GHMDet's kernels use GHMDET_CUDA_ARCHITECTURES instead.
    string(REGEX REPLACE "-gencode[ =;]+arch=[^ ;]+" "" CMAKE_CUDA_FLAGS "${CMAKE_CUDA_FLAGS}")
  else()
    message(WARNING "libtorch has CUDA but no CUDA compiler was found: GHMDet's CUDA kernels are "
                    "off (CUDA tensors use the tensor-op paths); set CMAKE_CUDA_COMPILER to nvcc")
  endif()
endif()
message(STATUS "GHMDet CUDA kernels: ${GHMDET_WITH_CUDA_KERNELS}")

# fmt: see above. Only a libtorch that ships fmt's headers needs this; GhmdetDependencies.cmake
# makes the folder once Debian's fmt is found.
set(GHMDET_TORCH_SHIPS_FMT OFF)
foreach(dir IN LISTS TORCH_INCLUDE_DIRS)
  # Debian's libtorch lives in /usr/include beside Debian's fmt: nothing to do there.
  if(EXISTS "${dir}/fmt/format.h" AND NOT dir IN_LIST CMAKE_CXX_IMPLICIT_INCLUDE_DIRECTORIES)
    set(GHMDET_TORCH_SHIPS_FMT ON)
  endif()
endforeach()

# A wheel's libtorch_cuda needs the libraries of the nvidia-* wheels beside torch/ (NCCL, cuDNN,
# cuBLAS, the CUDA runtime), which it finds at run time through its own RPATH
# ($ORIGIN/../../nvidia/*/lib). The linker and GHMDet's binaries must take the same ones, not the
# CUDA toolkit's: the toolkit's NCCL is older and lacks symbols libtorch_cuda uses.
set(GHMDET_TORCH_LINK_OPTIONS "")
set(GHMDET_TORCH_RUNTIME_DIRS "")
if(GHMDET_TORCH_PREFIX)
  file(GLOB GHMDET_TORCH_RUNTIME_DIRS LIST_DIRECTORIES true "${GHMDET_TORCH_PREFIX}/../nvidia/*/lib")
  if(GHMDET_TORCH_RUNTIME_DIRS)
    list(TRANSFORM GHMDET_TORCH_RUNTIME_DIRS REPLACE "/[^/]+/\\.\\./nvidia/" "/nvidia/")
    list(JOIN GHMDET_TORCH_RUNTIME_DIRS ":" joined)
    set(GHMDET_TORCH_LINK_OPTIONS "LINKER:-rpath-link,${joined}")
  endif()
endif()
