// RowBlocks::parallel's loop: one block per index of ghmdet::parallel_for (which really runs on
// torch's intra-op threads; a plain at::parallel_for here would not, see core/parallel_for.h).
#include "ghmdet/losses/kernels/row_blocks.h"

#include "ghmdet/core/parallel_for.h"

namespace ghmdet::loss_kernels {

void RowBlocks::run(Call call, void* fn) const {
  parallel_for(0, count, 1, [&](int64_t b0, int64_t b1) {
    for (int64_t b = b0; b < b1; ++b) {
      call(fn, b, b * rows_per_block, std::min(rows, (b + 1) * rows_per_block));
    }
  });
}

}  // namespace ghmdet::loss_kernels
