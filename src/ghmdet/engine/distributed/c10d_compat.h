#pragma once
// c10d across libtorch versions: the one type GHMDet's collectives run on.
//
// In libtorch 1.13 ProcessGroupGloo and ProcessGroupNCCL are c10d::ProcessGroups. libtorch 2.0
// split the two: a ProcessGroup now dispatches to one c10d::Backend per device type, and Gloo and
// NCCL became Backends (same collective methods: allreduce, broadcast, allgather, barrier, each
// returning a c10d::Work). GHMDet drives one backend directly, so it holds whichever base class
// the backends derive from. Only process_group.cpp includes this (it needs USE_C10D_GLOO, which
// cmake/GhmdetDependencies.cmake defines for src/ghmdet/engine/distributed/ alone).

#include <torch/version.h>

#if TORCH_VERSION_MAJOR >= 2
#include <torch/csrc/distributed/c10d/Backend.hpp>
#else
#include <torch/csrc/distributed/c10d/ProcessGroup.hpp>
#endif

namespace ghmdet::c10d_compat {

#if TORCH_VERSION_MAJOR >= 2
using CollectiveBackend = ::c10d::Backend;
#else
using CollectiveBackend = ::c10d::ProcessGroup;
#endif

}  // namespace ghmdet::c10d_compat
