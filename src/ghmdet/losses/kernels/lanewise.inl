// Operations on the kernels' 16-lane vectors (vf, vi, vu) written so that GCC emits vector code
// for them on every ISA: comparisons and selects, broadcasts of run-time scalars, loads and
// stores, the 32-entry table lookup and the one-hot shift. Included by cls_kernels.inl inside
// its per-ISA namespace, after the vector types and GHMDET_INLINE.
//
// Why: GCC 12 splits arithmetic on 64-byte vectors into register-sized pieces, but turns a
// comparison (`a < b`) or a select (`m ? a : b`) of 64-byte vectors into scalar code when the
// registers are narrower (about 100 and 160 instructions for one of each under AVX2, against
// one instruction on AVX-512). That made the AVX2 and portable variants of the loss kernels
// about 8x slower than the AVX-512 one (docs/performance/losses.md). Below AVX-512 these
// helpers therefore compare and select register-sized pieces themselves; on AVX-512 they are
// the plain operators. Comparisons and selects are exact, so every variant's results are
// unchanged. The same holds for the other helpers below (each says what GCC did without it).

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

// s in every lane. GCC 12 builds a 64-byte vector from a run-time scalar (`vi{} + s`) below
// AVX-512 with 16 scalar stores and reloads it as vectors, a store-forwarding stall each time;
// one broadcast register, copied into each piece, avoids that. `s - 0` there, not `0 + s`,
// which would turn -0.0f into +0.0f (times() must equal s * v for every s).
template <class V, class S>
GHMDET_INLINE V broadcast(S s) {
  if constexpr (kPieces == 1) {
    return V{} + s;
  } else {
    typedef typename Piece<V>::type P;
    const P p = s - P{};
    P pr[kPieces];
    for (int i = 0; i < kPieces; ++i) pr[i] = p;
    V r;
    std::memcpy(&r, pr, sizeof r);
    return r;
  }
}

// The 64-byte vector at p, and its store to p, as one register-sized access per piece. Below
// AVX-512 GCC 12 expands a 64-byte memcpy into 16-byte moves through a stack copy, which the
// register-sized reads of that copy then wait on (failed store forwarding).
template <class V, class T>
GHMDET_INLINE V load_pieces(const T* p) {
  typedef typename Piece<V>::type P;
  P pr[kPieces];
  for (int i = 0; i < kPieces; ++i) std::memcpy(&pr[i], p + i * (sizeof(P) / sizeof(T)), sizeof(P));
  V v;
  std::memcpy(&v, pr, sizeof v);
  return v;
}
template <class V, class T>
GHMDET_INLINE void store_pieces(T* p, V v) {
  typedef typename Piece<V>::type P;
  P pr[kPieces];
  std::memcpy(pr, &v, sizeof v);
  for (int i = 0; i < kPieces; ++i) std::memcpy(p + i * (sizeof(P) / sizeof(T)), &pr[i], sizeof(P));
}

// s * v for a run-time scalar s: below AVX-512 with the broadcast above (GCC 12 would build
// {s, s, ...} through the stack), on AVX-512 as written.
GHMDET_INLINE vf times(float s, vf v) {
  if constexpr (kPieces == 1) {
    return s * v;
  } else {
    return broadcast<vf>(s) * v;
  }
}

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

// table[idx & 31] per lane, entries 0-15 in lo and 16-31 in hi (flat: the same 32 entries as
// an array): the permute of two 64-byte vectors. GCC 12 scalarises __builtin_shuffle of 64-byte
// vectors below AVX-512, with a test, a branch and a stack round trip per lane. Under AVX2
// each 8-lane piece of idx permutes the four table registers (vpermps uses bits 0-2) and blends
// by bits 3 and 4; SSE2 has no variable permute, so there the lanes are read from the array
// without branches and joined in registers. Exact, as any permute.
GHMDET_INLINE vf lookup32(vf lo, vf hi, const float* flat, vi idx) {
#if GHMDET_KERNEL_REGISTER_BYTES == 32
  // Pieces of the vector extension types, not __m256 / __m256i arrays: a 64-byte vector copied
  // into an array of __m256i (a vector of long long) goes through 8-byte general registers.
  typedef typename Piece<vf>::type PF;
  typedef typename Piece<vi>::type PI;
  PF t[4];
  PI ix[2];
  std::memcpy(&t[0], &lo, sizeof lo);
  std::memcpy(&t[2], &hi, sizeof hi);
  std::memcpy(ix, &idx, sizeof idx);
  PF r[2];
  for (int p = 0; p < 2; ++p) {
    const __m256i i = (__m256i)ix[p];
    const __m256 bit3 = (__m256)(ix[p] << 28);  // as the sign bit, for blendv
    const __m256 bit4 = (__m256)(ix[p] << 27);
    const __m256 r01 = _mm256_blendv_ps(_mm256_permutevar8x32_ps((__m256)t[0], i),
                                        _mm256_permutevar8x32_ps((__m256)t[1], i), bit3);
    const __m256 r23 = _mm256_blendv_ps(_mm256_permutevar8x32_ps((__m256)t[2], i),
                                        _mm256_permutevar8x32_ps((__m256)t[3], i), bit3);
    r[p] = (PF)_mm256_blendv_ps(r01, r23, bit4);
  }
  vf out;
  std::memcpy(&out, r, sizeof out);
  return out;
#elif GHMDET_KERNEL_REGISTER_BYTES == 16
  typedef typename Piece<vf>::type PF;
  alignas(64) int32_t ix[kLanes];
  std::memcpy(ix, &idx, sizeof idx);
  PF r[4];
  for (int p = 0; p < 4; ++p) {
    const int32_t* i = ix + 4 * p;
    r[p] = PF{flat[i[0] & 31], flat[i[1] & 31], flat[i[2] & 31], flat[i[3] & 31]};
  }
  vf out;
  std::memcpy(&out, r, sizeof out);
  return out;
#else
  return __builtin_shuffle(lo, hi, idx);
#endif
}

// 1 << (s & 31) per lane. SSE2 has no per-lane shift, and GCC 12 shifts each lane in a general
// register; there 2^s is made as a float (exponent field s + 127) and converted, cvttps2dq
// giving 0x80000000 = 1 << 31 for 2^31. Exact.
GHMDET_INLINE vu one_hot32(vi s) {
#if GHMDET_KERNEL_REGISTER_BYTES == 16 && defined(__SSE2__)
  typedef typename Piece<vi>::type PI;
  PI sp[kPieces];
  std::memcpy(sp, &s, sizeof s);
  for (int p = 0; p < kPieces; ++p)
    sp[p] = (PI)_mm_cvttps_epi32((__m128)(((sp[p] & 31) + 127) << 23));
  vu r;
  std::memcpy(&r, sp, sizeof r);
  return r;
#else
  return (vu{} + 1u) << (vu)(s & 31);
#endif
}
