// RowBlocks::parallel's loop, alone in a translation unit that is compiled with OpenMP (see
// the top-level CMakeLists.txt).
//
// Why a file of its own: with libtorch's OpenMP backend, at::parallel_for is an inline template
// whose `#pragma omp parallel` (ATen/ParallelOpenMP.h) takes effect only where the caller is
// compiled with -fopenmp. Without it every call runs all blocks on the calling thread, which is
// what the fused losses did until this file existed (measured: the GHM-C kernels ran on one
// thread whatever torch::set_num_threads said; docs/performance/losses.md). Compiling this one
// small file with OpenMP, and without the shared precompiled header (built without it), runs
// the blocks on torch's intra-op threads; the callers need no OpenMP flag.
#include "ghmdet/losses/kernels/row_blocks.h"

#include <ATen/Parallel.h>

namespace ghmdet::loss_kernels {

void RowBlocks::run(Call call, void* fn) const {
  at::parallel_for(0, count, 1, [&](int64_t b0, int64_t b1) {
    for (int64_t b = b0; b < b1; ++b) {
      call(fn, b, b * rows_per_block, std::min(rows, (b + 1) * rows_per_block));
    }
  });
}

}  // namespace ghmdet::loss_kernels
