// Fixed-size row blocks for the fused CPU kernels.
//
// Blocks hold about kBlockElements elements whatever the thread count, and per-block partial
// results are reduced in block order, so the fused losses are bit-identical for any number of
// threads. Blocks run on torch's intra-op pool (ghmdet::parallel_for, core/parallel_for.h).
#pragma once

#include <algorithm>
#include <cstdint>
#include <memory>
#include <type_traits>

namespace ghmdet::loss_kernels {

struct RowBlocks {
  static constexpr int64_t kBlockElements = 32768;
  int64_t rows = 0, rows_per_block = 1, count = 0;

  RowBlocks(int64_t rows_, int64_t cols)
      : rows(rows_), rows_per_block(std::max<int64_t>(1, kBlockElements / std::max<int64_t>(1, cols))),
        count((rows_ + rows_per_block - 1) / rows_per_block) {}

  // fn(block, row_begin, row_end) for every block, in parallel. fn is called through its own
  // pointer from row_blocks.cpp rather than from a ghmdet::parallel_for lambda here: inlined
  // into that lambda, the GHM-R block loops compiled about 15 % slower (bench_losses,
  // BM_GHMR_Fused 1.89 vs 1.65 ms, side by side).
  template <class Fn>
  void parallel(Fn&& fn) const {
    using F = std::remove_reference_t<Fn>;
    run(+[](void* f, int64_t b, int64_t r0, int64_t r1) { (*static_cast<F*>(f))(b, r0, r1); },
        const_cast<void*>(static_cast<const void*>(std::addressof(fn))));
  }

 private:
  // Calls call(fn, block, row_begin, row_end) for every block on torch's intra-op threads.
  using Call = void (*)(void* fn, int64_t block, int64_t row_begin, int64_t row_end);
  void run(Call call, void* fn) const;
};

}  // namespace ghmdet::loss_kernels
