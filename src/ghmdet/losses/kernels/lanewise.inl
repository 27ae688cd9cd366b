// Lane-wise comparisons and selects of the kernels' 16-lane vectors (vf, vi, vu), written so
// that GCC emits vector code for them on every ISA. Included by cls_kernels.inl inside its
// per-ISA namespace, after the vector types and GHMDET_INLINE.
//
// Why: GCC 12 splits arithmetic on 64-byte vectors into register-sized pieces, but turns a
// comparison (`a < b`) or a select (`m ? a : b`) of 64-byte vectors into scalar code when the
// registers are narrower (about 100 and 160 instructions for one of each under AVX2, against
// one instruction on AVX-512). That made the AVX2 and portable variants of the loss kernels
// about 8x slower than the AVX-512 one (docs/performance/losses.md). Below AVX-512 these
// helpers therefore compare and select register-sized pieces themselves; on AVX-512 they are
// the plain operators. Comparisons and selects are exact, so every variant's results are
// unchanged.

// GHMDET_KERNEL_REGISTER_BYTES comes from the cls_kernels_<isa>.cpp file: `#pragma GCC target`
// does not define __AVX512F__ and the like in C++, so the width cannot be tested here.
#ifndef GHMDET_KERNEL_REGISTER_BYTES
#error "define GHMDET_KERNEL_REGISTER_BYTES before including cls_kernels.inl"
#endif
constexpr int kPieceBytes = GHMDET_KERNEL_REGISTER_BYTES;
constexpr int kPieces = 64 / kPieceBytes;
static_assert(kPieces * kPieceBytes == 64, "register width must divide the 64-byte vectors");

template <class V>
struct Piece;
template <>
struct Piece<vf> {
  typedef float type __attribute__((vector_size(kPieceBytes)));
};
template <>
struct Piece<vi> {
  typedef int32_t type __attribute__((vector_size(kPieceBytes)));
};
template <>
struct Piece<vu> {
  typedef uint32_t type __attribute__((vector_size(kPieceBytes)));
};

// op(a, b) on each register-sized piece; R is vi for comparisons (lanes -1 or 0).
template <class R, class V, class Op>
GHMDET_INLINE R piecewise(V a, V b, Op op) {
  if constexpr (kPieces == 1) {
    return op(a, b);
  } else {
    typename Piece<V>::type pa[kPieces], pb[kPieces];
    typename Piece<R>::type pr[kPieces];
    std::memcpy(pa, &a, sizeof a);
    std::memcpy(pb, &b, sizeof b);
    for (int i = 0; i < kPieces; ++i) pr[i] = op(pa[i], pb[i]);
    R r;
    std::memcpy(&r, pr, sizeof r);
    return r;
  }
}

template <class V>
GHMDET_INLINE vi lt(V a, V b) { return piecewise<vi>(a, b, [](auto x, auto y) GHMDET_LAMBDA_INLINE { return x < y; }); }
template <class V>
GHMDET_INLINE vi gt(V a, V b) { return piecewise<vi>(a, b, [](auto x, auto y) GHMDET_LAMBDA_INLINE { return x > y; }); }
template <class V>
GHMDET_INLINE vi ge(V a, V b) { return piecewise<vi>(a, b, [](auto x, auto y) GHMDET_LAMBDA_INLINE { return x >= y; }); }
template <class V>
GHMDET_INLINE vi eq(V a, V b) { return piecewise<vi>(a, b, [](auto x, auto y) GHMDET_LAMBDA_INLINE { return x == y; }); }

// m ? a : b per lane (m: -1 or 0 per lane).
template <class V>
GHMDET_INLINE V select_lanes(vi m, V a, V b) {
  if constexpr (kPieces == 1) {
    return m ? a : b;
  } else {
    typename Piece<vi>::type pm[kPieces];
    typename Piece<V>::type pa[kPieces], pb[kPieces];
    std::memcpy(pm, &m, sizeof m);
    std::memcpy(pa, &a, sizeof a);
    std::memcpy(pb, &b, sizeof b);
    for (int i = 0; i < kPieces; ++i) pa[i] = pm[i] ? pa[i] : pb[i];
    V r;
    std::memcpy(&r, pa, sizeof r);
    return r;
  }
}

// v, which the compiler may not fuse with the operation that consumes it (no FMA contraction):
// an empty asm on each register-sized piece hides where the value came from.
GHMDET_INLINE vf unfused(vf v) {
#if defined(__x86_64__) || defined(__i386__)
  typename Piece<vf>::type p[kPieces];
  std::memcpy(p, &v, sizeof v);
  for (int i = 0; i < kPieces; ++i) asm("" : "+v"(p[i]));
  std::memcpy(&v, p, sizeof v);
#endif
  return v;
}
