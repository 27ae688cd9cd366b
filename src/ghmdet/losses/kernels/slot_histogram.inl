// A histogram over at most 32 slots fed one vector of slot indices at a time, without a
// per-lane scalar scatter. Included by cls_kernels.inl inside its per-ISA namespace (it uses
// that file's 16-lane vector types and GHMDET_INLINE).
//
// Why: the GHM-C histogram pass spent more time storing the slot vector and doing 16 scalar
// `counts[slot[l]] += 1` per vector than computing the bins (docs/performance/losses.md). Here
// each lane's slot becomes a one-hot 32-bit word (1 << slot), and the words are summed per bit
// position, which is the histogram. The running sum is kept bit-sliced, in levels of weight
// 1, 2, 4, ... (a set bit k in lane l of level i counts 2^i elements of slot k in lane l), and
// grown with carry-save adders (Harley-Seal): adding two one-hot vectors costs one CSA (a few
// logic instructions, vpternlogd on AVX-512), so about one CSA per input vector, and nothing
// is stored per element. Every 2^(kLevels+1) inputs the carry out of the top level is expanded
// into per-lane, per-slot int32 counters (a shift, an and and an add per slot), and at the end
// everything left in the levels is expanded the same way. Counts are exact integers, so the
// result is identical to any other way of counting.
//
// The data do not matter: the cost per vector is the same whether all lanes share a bin or
// not (no fast path tuned to a distribution).

class SlotHistogram {
 public:
  static constexpr int kSlots = 32;

  // slots: the number of slots that will be read back (<= kSlots); the others are not expanded.
  explicit SlotHistogram(int slots) : slots_(slots) {
    for (auto& c : lane_counts_) c = vi{};
  }

  // Counts slot[l] (in [0, slots)) for the lanes where `take` is set.
  GHMDET_INLINE void add(vi slot, vi take) {
    static_assert(kSlots == 32, "one_hot32");
    const vu bit = one_hot32(slot);
    vu x = (vu)(take & (vi)bit);
    const uint32_t m = inputs_++;
    if (!(m & 1u)) {  // the first of a pair waits for the second
      pending0_ = x;
      return;
    }
    vu carry;
    csa(ones_, pending0_, x, carry);
    uint32_t up = m >> 1;  // the same binary counter, one level up
    for (int i = 0;; ++i) {
      if (i == kLevels) {
        expand(carry, kLevels + 1);
        inputs_ = 0;
        return;
      }
      if (!(up & 1u)) {
        pending_[i] = carry;
        return;
      }
      vu next;
      csa(level_[i], pending_[i], carry, next);
      carry = next;
      up >>= 1;
    }
  }

  // counts[k] = number of counted lanes in slot k, for k < slots. Call once, at the end.
  void read(int64_t* counts) {
    expand(ones_, 0);
    if (inputs_ & 1u) expand(pending0_, 0);
    for (int i = 0; i < kLevels; ++i) {
      expand(level_[i], i + 1);
      if ((inputs_ >> (i + 1)) & 1u) expand(pending_[i], i + 1);
    }
    for (int k = 0; k < slots_; ++k) {
      int64_t c = 0;
      for (int l = 0; l < kLanes; ++l) c += lane_counts_[k][l];
      counts[k] = c;
    }
  }

 private:
  // Levels above the ones (weights 2, 4, ..., 2^kLevels); the carry out of the top one
  // (weight 2^(kLevels+1)) is expanded at once, every 2^(kLevels+1) inputs.
  static constexpr int kLevels = 7;

  // a + b + c = 2 * high + low, per bit.
  static GHMDET_INLINE void csa(vu& low, vu a, vu b, vu& high) {
    const vu u = low ^ a;
    high = (low & a) | (u & b);
    low = u ^ b;
  }

  // Adds 2^shift to lane_counts_[k] of every lane whose bit k is set in v. int32 per lane is
  // enough: a kernel block holds far fewer than 2^31 elements per lane.
  void expand(vu v, int shift) {
    for (int k = 0; k < slots_; ++k) lane_counts_[k] += (vi)(((v >> k) & 1u) << shift);
  }

  int slots_;
  uint32_t inputs_ = 0;  // inputs added since the top level was last emptied, mod 2^(kLevels+1)
  vu ones_{}, pending0_{};
  vu level_[kLevels] = {};
  vu pending_[kLevels] = {};
  vi lane_counts_[kSlots];
};
