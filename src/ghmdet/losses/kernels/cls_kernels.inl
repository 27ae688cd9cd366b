// Body of the fused classification-loss kernels (see cls_kernels.h), written once with GCC
// vector extensions and compiled once per instruction set: each cls_kernels_<isa>.cpp defines
// GHMDET_KERNEL_ISA, sets `#pragma GCC target` and includes this file. 16 float lanes per
// vector (one AVX-512 register, two AVX2 registers, four SSE registers).
//
// Math (float32, all lanes): exp on (-inf, 0] by Cody-Waite reduction and a degree-6
// polynomial (<= 2 ulp, exp(0) == 1 exactly), log1p on [0, 1] by the atanh series
// 2s(1 + s^2/3 + ...), s = e/(2+e), and log on (0, 1] (focal's non-integer gamma) by the same
// series around the mantissa.
#ifndef GHMDET_KERNEL_ISA
#error "define GHMDET_KERNEL_ISA before including cls_kernels.inl"
#endif

#if GHMDET_KERNEL_REGISTER_BYTES == 32
#include <immintrin.h>  // lanewise.inl's AVX2 permute; inside the file's target region
#elif GHMDET_KERNEL_REGISTER_BYTES == 16 && defined(__SSE2__)
#include <emmintrin.h>  // lanewise.inl's SSE2 shift
#endif

// 64-byte vectors passed between always-inlined helpers never cross an ABI boundary.
#pragma GCC diagnostic ignored "-Wpsabi"

namespace ghmdet::loss_kernels::GHMDET_KERNEL_ISA {
namespace {

constexpr int kLanes = 16;
constexpr float kFltMin = 1.17549435e-38f;  // smallest normal float
typedef float vf __attribute__((vector_size(64)));
typedef int32_t vi __attribute__((vector_size(64)));
typedef uint32_t vu __attribute__((vector_size(64)));

#define GHMDET_INLINE inline __attribute__((always_inline))
// The per-vector body lambdas too: without AVX-512 a 16-lane vector does not fit a register,
// GCC may leave the body out of line and pass every vector through the stack.
#define GHMDET_LAMBDA_INLINE __attribute__((always_inline))

#include "ghmdet/losses/kernels/lanewise.inl"

GHMDET_INLINE vf splat(float v) { return broadcast<vf>(v); }
GHMDET_INLINE vi splati(int32_t v) { return broadcast<vi>(v); }
GHMDET_INLINE vi iota() { return vi{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15}; }
GHMDET_INLINE vf select(vi m, vf a, vf b) { return select_lanes(m, a, b); }
GHMDET_INLINE vi selecti(vi m, vi a, vi b) { return select_lanes(m, a, b); }
GHMDET_INLINE vf vabs(vf v) { return (vf)((vi)v & 0x7fffffff); }
GHMDET_INLINE vf vmax0(vf v) { return select(gt(v, splat(0.0f)), v, splat(0.0f)); }

GHMDET_INLINE vf load(const float* p, int n) {
  if constexpr (kPieces == 1) {
    vf v = splat(0.0f);
    if (n == kLanes) {
      std::memcpy(&v, p, sizeof v);
    } else {
      for (int l = 0; l < n; ++l) v[l] = p[l];
    }
    return v;
  } else {
    // One load from either place: two branches that each produce the vector would merge it
    // through the stack below AVX-512 (lanewise.inl).
    float part[kLanes];
    const float* src = p;
    if (n < kLanes) {
      for (int l = 0; l < kLanes; ++l) part[l] = l < n ? p[l] : 0.0f;
      src = part;
    }
    return load_pieces<vf>(src);
  }
}

GHMDET_INLINE void store(float* p, int n, vf v) {
  if constexpr (kPieces == 1) {
    if (n == kLanes) {
      std::memcpy(p, &v, sizeof v);
    } else {
      for (int l = 0; l < n; ++l) p[l] = v[l];
    }
  } else if (n == kLanes) {
    store_pieces(p, v);
  } else {
    float part[kLanes];
    store_pieces(part, v);
    for (int l = 0; l < n; ++l) p[l] = part[l];
  }
}

// exp(a) for a <= 0 (NaN propagates; below -87 flushes to 0, where exp is < 2^-125).
GHMDET_INLINE vf exp_nonpos(vf a) {
  const vi under = lt(a, splat(-87.0f));
  const vf ac = select(under, splat(-87.0f), a);
  const vi n = __builtin_convertvector(ac * 1.44269504088896341f - 0.5f, vi);  // round(), a <= 0
  const vf nf = __builtin_convertvector(n, vf);
  vf r = ac - nf * 0.693359375f;
  r = r - nf * -2.12194440e-4f;
  const vf z = r * r;
  vf p = splat(1.9875691500e-4f);
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * z + r + 1.0f;
  const vf scale = (vf)((n + 127) << 23);
  return select(under, splat(0.0f), p * scale);
}

// log1p(e) for e in [0, 1].
GHMDET_INLINE vf log1p_unit(vf e) {
  const vf s = e / (e + 2.0f);
  const vf z = s * s;
  vf q = splat(1.0f / 13.0f);
  q = q * z + 1.0f / 11.0f;
  q = q * z + 1.0f / 9.0f;
  q = q * z + 1.0f / 7.0f;
  q = q * z + 1.0f / 5.0f;
  q = q * z + 1.0f / 3.0f;
  q = q * z + 1.0f;
  return 2.0f * s * q;
}

// log(q) for normal q > 0.
GHMDET_INLINE vf log_pos(vf q) {
  const vi bits = (vi)q;
  vi ex = ((bits >> 23) & 0xff) - 127;
  vf m = (vf)((bits & 0x7fffff) | 0x3f800000);  // [1, 2)
  const vi big = gt(m, splat(1.41421356f));
  m = select(big, m * 0.5f, m);
  ex = selecti(big, ex + 1, ex);
  const vf f = m - 1.0f;
  const vf s = f / (f + 2.0f);
  const vf z = s * s;
  vf poly = splat(1.0f / 9.0f);
  poly = poly * z + 1.0f / 7.0f;
  poly = poly * z + 1.0f / 5.0f;
  poly = poly * z + 1.0f / 3.0f;
  poly = poly * z + 1.0f;
  return __builtin_convertvector(ex, vf) * 0.693147180559945309f + 2.0f * s * poly;
}

// Everything the losses need from one vector of logits.
struct Logit {
  vf e;    // exp(-|x|)
  vf p;    // sigmoid(x)
  vf omp;  // 1 - sigmoid(x), computed without cancellation
  vf softplus_neg;  // log1p(e) = BCE(|x|, 1)
};

GHMDET_INLINE Logit logit_terms(vf x, bool want_log, bool want_omp) {
  Logit t;
  t.e = exp_nonpos(-vabs(x));
  const vf den = 1.0f + t.e;
  const vi pos = ge(x, splat(0.0f));
  t.p = select(pos, splat(1.0f), t.e) / den;
  t.omp = want_omp ? select(pos, t.e, splat(1.0f)) / den : splat(0.0f);
  t.softplus_neg = want_log ? log1p_unit(t.e) : splat(0.0f);
  return t;
}

// Lookup of table[idx] for idx in [0, size): one two-register permute when size <= kSmallSize,
// a scalar gather otherwise.
struct Table {
  static constexpr int kSmallSize = 2 * kLanes;
  vf lo, hi;
  float flat[kSmallSize];  // lo and hi as an array (the lookup below AVX2 reads it)
  const float* data;
  int size;
  explicit Table(const float* d, int n)
      : lo(splat(0.0f)), hi(splat(0.0f)), flat(), data(d), size(n) {
    for (int i = 0; i < n && i < kSmallSize; ++i) {
      (i < kLanes ? lo[i] : hi[i - kLanes]) = d[i];
      flat[i] = d[i];
    }
  }
  GHMDET_INLINE vf operator()(vi idx) const {
    if (size <= kSmallSize) return small(idx);
    vf r;
    for (int l = 0; l < kLanes; ++l) r[l] = data[idx[l]];
    return r;
  }
  // For callers that know size <= kSmallSize: no branch in their loop.
  GHMDET_INLINE vf small(vi idx) const { return lookup32(lo, hi, flat, idx); }
};

// GHM bin of each lane (see cls_kernels.h); `bins` for NaN / beyond the last edge. kSmallEdges:
// the caller knows that the edges fit Table::small.
template <bool kSmallEdges = false>
GHMDET_INLINE vi ghm_bin(vf g, const Table& edges, int bins) {
  // trunc(g * bins) clamped to [0, bins - 1] by one unsigned min: g >= 0, and NaN or a product
  // beyond INT_MAX converts to INT_MIN (2^31 unsigned) -> bins - 1; the step below then moves
  // g beyond the last edge to `bins`, and the last line sends NaN there.
  vu u = (vu)__builtin_convertvector(times(static_cast<float>(bins), g), vi);
  const vu top = broadcast<vu>(static_cast<uint32_t>(bins - 1));
  vi b = selecti(lt(u, top), (vi)u, (vi)top);
  const vf lo = kSmallEdges ? edges.small(b) : edges(b);
  const vf hi = kSmallEdges ? edges.small(b + 1) : edges(b + 1);
  b = selecti(lt(g, lo), b - 1, selecti(ge(g, hi), b + 1, b));
  return selecti(eq(g, g), b, splati(bins));
}

// Calls body(offset, lanes, x, y, w, valid) for every vector of the rows [r0, r1), and
// skip(row) for rows whose (row) weight is not > 0; those rows are not read.
template <bool kLabels, bool kElemWeight, class Body, class Skip>
GHMDET_INLINE void for_rows(const ClsView& v, int64_t r0, int64_t r1, Body&& body, Skip&& skip) {
  const int64_t cols = v.cols;
  const vi lane = iota();
  for (int64_t r = r0; r < r1; ++r) {
    float wr = 1.0f;
    if (!kElemWeight) {
      wr = v.weight[r];
      if (!(wr > 0.0f)) {
        skip(r);
        continue;
      }
    }
    int32_t label = -1;
    if (kLabels) {
      const int64_t l = v.labels[r];
      label = (l >= 0 && l < cols) ? static_cast<int32_t>(l) : -1;
    }
    const int64_t row = r * cols;
    for (int64_t c0 = 0; c0 < cols; c0 += kLanes) {
      const int n = static_cast<int>(std::min<int64_t>(kLanes, cols - c0));
      const vf x = load(v.x + row + c0, n);
      vf y;
      if (kLabels) {
        const vi col = lane + splati(static_cast<int32_t>(c0));
        y = select(eq(col, splati(label)), splat(1.0f), splat(0.0f));
      } else {
        y = load(v.target + row + c0, n);
      }
      vf w;
      vi valid;
      if (kElemWeight) {
        w = load(v.weight + row + c0, n);
        valid = gt(w, splat(0.0f));
      } else {
        w = splat(wr);
        valid = splati(-1);
      }
      if (n < kLanes) valid &= lt(lane, splati(n));
      body(row + c0, n, x, y, w, valid);
    }
  }
}

template <class Fn>
GHMDET_INLINE void with_layout(const ClsView& v, Fn&& fn) {
  using T = std::true_type;
  using F = std::false_type;
  if (v.labels) {
    if (v.weight_per_element) fn(T{}, T{}); else fn(T{}, F{});
  } else {
    if (v.weight_per_element) fn(F{}, T{}); else fn(F{}, F{});
  }
}

#include "ghmdet/losses/kernels/slot_histogram.inl"

// Slot of every lane for the histogram: the GHM bin, `bins` for valid lanes in no bin.
template <bool kSmallEdges>
GHMDET_INLINE vi ghmc_slot(vf x, vf y, const Table& edges, int bins) {
  const Logit t = logit_terms(x, false, false);
  return ghm_bin<kSmallEdges>(vabs(t.p - y), edges, bins);
}

void ghmc_histogram(const ClsView& v, int64_t r0, int64_t r1, const float* edge_data, int bins,
                    int64_t* counts) {
  const Table edges(edge_data, bins + 1);
  static_assert(SlotHistogram::kSlots <= Table::kSmallSize, "the edges fit one permute");
  if (bins + 1 <= SlotHistogram::kSlots) {  // every GHM-C config seen so far (bins = 30)
    SlotHistogram hist(bins + 1);
    auto body = [&](int64_t, int, vf x, vf y, vf, vi valid) GHMDET_LAMBDA_INLINE {
      hist.add(ghmc_slot<true>(x, y, edges, bins), valid);
    };
    with_layout(v, [&](auto lab, auto ew) {
      for_rows<decltype(lab)::value, decltype(ew)::value>(v, r0, r1, body, [](int64_t) {});
    });
    hist.read(counts);
    return;
  }
  // More than 32 slots: per-lane counters in memory. Lane l of every vector increments its own
  // slot, so consecutive updates of a popular bin do not wait on each other. Slot bins+1
  // collects invalid lanes. int32 is enough: a block holds far fewer than 2^31 elements per lane.
  const int slots = bins + 2;
  std::vector<int32_t> lane_counts(static_cast<size_t>(slots) * kLanes, 0);
  const vi lane = iota();
  auto body = [&](int64_t, int, vf x, vf y, vf, vi valid) GHMDET_LAMBDA_INLINE {
    const vi slot =
        selecti(valid, ghmc_slot<false>(x, y, edges, bins), splati(bins + 1)) * kLanes + lane;
    alignas(64) int32_t s[kLanes];
    std::memcpy(s, &slot, sizeof s);
    for (int l = 0; l < kLanes; ++l) lane_counts[s[l]] += 1;
  };
  with_layout(v, [&](auto lab, auto ew) {
    for_rows<decltype(lab)::value, decltype(ew)::value>(v, r0, r1, body, [](int64_t) {});
  });
  for (int k = 0; k <= bins; ++k) {
    int64_t c = 0;
    for (int l = 0; l < kLanes; ++l) c += lane_counts[k * kLanes + l];
    counts[k] = c;
  }
}

double ghmc_loss_grad(const ClsView& v, int64_t r0, int64_t r1, const float* edge_data, int bins,
                      const float* coef_data, float* grad) {
  const Table edges(edge_data, bins + 1);
  const Table coef(coef_data, bins + 1);
  double total = 0.0;
  vf acc = splat(0.0f);
  int pending = 0;
  auto flush = [&]() {
    for (int l = 0; l < kLanes; ++l) total += acc[l];
    acc = splat(0.0f);
    pending = 0;
  };
  auto skip = [&](int64_t r) {
    if (grad) std::memset(grad + r * v.cols, 0, sizeof(float) * v.cols);
  };
  auto run = [&](auto small_tables) {
    constexpr bool kSmall = decltype(small_tables)::value;
    auto body = [&](int64_t off, int n, vf x, vf y, vf, vi valid) GHMDET_LAMBDA_INLINE {
      const Logit t = logit_terms(x, true, false);
      const vf d = t.p - y;
      const vf c = kSmall ? coef.small(ghm_bin<true>(vabs(d), edges, bins))
                          : coef(ghm_bin<false>(vabs(d), edges, bins));
      // unfused: the sum is rounded after log1p_unit's last product, as it always was (GCC
      // fuses the two, or not, depending on the shape of the loop).
      const vf bce = vmax0(x) - x * y + unfused(t.softplus_neg);
      // c * bce, not a select: an unbinned NaN lane (c = 0) must still make the sum NaN.
      acc += select(valid, c * bce, splat(0.0f));
      if (grad) store(grad + off, n, select(valid, c * d, splat(0.0f)));
      if (++pending == 64) flush();  // float partial sums of at most 64 terms per lane
    };
    with_layout(v, [&](auto lab, auto ew) {
      for_rows<decltype(lab)::value, decltype(ew)::value>(v, r0, r1, body, skip);
    });
  };
  // The table size is known per call: no branch on it in the loop.
  if (bins + 1 <= Table::kSmallSize) run(std::true_type{}); else run(std::false_type{});
  flush();
  return total;
}

// q^gamma for q in [0, 1]; integer gammas up to 4 by multiplication (0^0 = 1, as torch.pow).
GHMDET_INLINE vf pow_gamma(vf q, float gamma, int int_gamma) {
  if (int_gamma >= 0) {
    vf r = splat(1.0f);
    for (int i = 0; i < int_gamma; ++i) r *= q;
    return r;
  }
  return select(gt(q, splat(0.0f)), exp_nonpos(gamma * log_pos(q)), splat(0.0f));
}

GHMDET_INLINE int integer_gamma(float gamma) {
  for (int i = 0; i <= 4; ++i)
    if (gamma == static_cast<float>(i)) return i;
  return -1;
}

// How the focal kernels get q^gamma and alpha_t. On AVX-512 by run-time branches per vector
// (kBranch), as always. Below AVX-512 GCC 12 merges a 64-byte vector computed in two branches
// (or carried by a loop of run-time length) through the stack, and spills the loop's other
// vectors with it; there the integer / non-integer choice is made once per call (kIntegerPower
// or kGeneralPower, a template argument), and the rest are selects with the per-call masks of
// FocalSetup. The same products in the same order as the branches (1 * q is q), so the
// results are unchanged.
enum FocalPath { kBranch, kIntegerPower, kGeneralPower };

struct FocalSetup {
  float gamma, alpha;
  int int_gamma;
  vi power_step[4];  // all lanes -1 where int_gamma > k (the k-th factor of q^int_gamma), else 0
  vi with_alpha;     // all lanes -1 where alpha >= 0, else 0
  explicit FocalSetup(const FocalParams& fp)
      : gamma(fp.gamma), alpha(fp.alpha), int_gamma(integer_gamma(fp.gamma)) {
    for (int k = 0; k < 4; ++k) power_step[k] = splati(int_gamma > k ? -1 : 0);
    with_alpha = splati(alpha >= 0.0f ? -1 : 0);
  }
};

template <class Fn>
GHMDET_INLINE void with_focal_path(const FocalSetup& s, Fn&& fn) {
  if constexpr (kPieces == 1) {
    fn(std::integral_constant<int, kBranch>{});
  } else {
    if (s.int_gamma >= 0) fn(std::integral_constant<int, kIntegerPower>{});
    else fn(std::integral_constant<int, kGeneralPower>{});
  }
}

// Focal terms: q = 1 - p_t (= |p - y| for binary y), alpha_t, BCE.
struct FocalTerms {
  vf q, qg, alpha_t, bce;
  Logit t;
};

template <int kPath>
GHMDET_INLINE FocalTerms focal_terms(vf x, vf y, const FocalSetup& s) {
  FocalTerms f;
  f.t = logit_terms(x, true, true);
  // 1 - p_t = p(1-y) + (1-p)y, from p and 1-p so that neither side cancels.
  f.q = f.t.p * (1.0f - y) + f.t.omp * y;
  if constexpr (kPath == kBranch) {
    f.qg = pow_gamma(f.q, s.gamma, s.int_gamma);
    f.alpha_t = s.alpha >= 0.0f ? s.alpha * y + (1.0f - s.alpha) * (1.0f - y) : splat(1.0f);
  } else {
    if constexpr (kPath == kIntegerPower) {
      vf r = select(s.power_step[0], f.q, splat(1.0f));
      for (int k = 1; k < 4; ++k) r = select(s.power_step[k], r * f.q, r);
      f.qg = r;
    } else {
      f.qg = select(gt(f.q, splat(0.0f)), exp_nonpos(times(s.gamma, log_pos(f.q))), splat(0.0f));
    }
    f.alpha_t = select(s.with_alpha, times(s.alpha, y) + times(1.0f - s.alpha, 1.0f - y),
                       splat(1.0f));
  }
  // The branches above kept GCC from fusing log1p_unit's last product into this sum; without
  // them, unfused() keeps the rounding the same.
  f.bce = vmax0(x) - x * y + (kPath == kBranch ? f.t.softplus_neg : unfused(f.t.softplus_neg));
  return f;
}

double focal_sum(const ClsView& v, int64_t r0, int64_t r1, const FocalParams& fp) {
  const FocalSetup setup(fp);
  double total = 0.0;
  vf acc = splat(0.0f);
  int64_t pending = 0;
  auto flush = [&]() {
    for (int l = 0; l < kLanes; ++l) total += acc[l];
    acc = splat(0.0f);
    pending = 0;
  };
  with_focal_path(setup, [&](auto path) {
    auto body = [&](int64_t, int, vf x, vf y, vf w, vi valid) GHMDET_LAMBDA_INLINE {
      const FocalTerms f = focal_terms<decltype(path)::value>(x, y, setup);
      acc += select(valid, w * f.alpha_t * f.qg * f.bce, splat(0.0f));
      if (++pending == 64) flush();  // float partial sums of at most 64 terms per lane
    };
    with_layout(v, [&](auto lab, auto ew) {
      for_rows<decltype(lab)::value, decltype(ew)::value>(v, r0, r1, body, [](int64_t) {});
    });
  });
  flush();
  return total;
}

void focal_grad(const ClsView& v, int64_t r0, int64_t r1, const FocalParams& fp, float scale,
                float* grad) {
  const FocalSetup setup(fp);
  auto skip = [&](int64_t r) { std::memset(grad + r * v.cols, 0, sizeof(float) * v.cols); };
  with_focal_path(setup, [&](auto path) {
    auto body = [&](int64_t off, int n, vf x, vf y, vf w, vi valid) GHMDET_LAMBDA_INLINE {
      const FocalTerms f = focal_terms<decltype(path)::value>(x, y, setup);
      // d/dx [alpha_t q^g BCE] = alpha_t (q^g (p - y) + g q^(g-1) dq/dx BCE), dq/dx =
      // (1 - 2y) p (1 - p); q^(g-1) is taken as q^g / q (0 at q = 0).
      const vf qgm1 = select(gt(f.q, splat(0.0f)), f.qg / f.q, splat(0.0f));
      const vf dq = (1.0f - 2.0f * y) * f.t.p * f.t.omp;
      const vf d = f.alpha_t * (f.qg * (f.t.p - y) + times(fp.gamma, qgm1) * dq * f.bce);
      // Gradients below FLT_MIN (confident logits: about (1 + gamma) q^(gamma + 1)) are written
      // as 0, not as subnormals, which would slow every later operation on them (the head's
      // backward) on x86; larger values, infinities and NaN are unchanged.
      const vf g = times(scale, w) * d;
      const vi keep = valid & ~lt(vabs(g), splat(kFltMin));  // NaN stays
      store(grad + off, n, select(keep, g, splat(0.0f)));
    };
    with_layout(v, [&](auto lab, auto ew) {
      for_rows<decltype(lab)::value, decltype(ew)::value>(v, r0, r1, body, skip);
    });
  });
}

#undef GHMDET_INLINE
#undef GHMDET_LAMBDA_INLINE

}  // namespace

extern const ClsKernels kernels;
const ClsKernels kernels{GHMDET_KERNEL_ISA_NAME, &ghmc_histogram, &ghmc_loss_grad, &focal_sum,
                         &focal_grad};

}  // namespace ghmdet::loss_kernels::GHMDET_KERNEL_ISA
