// The fused classification-loss kernels compiled for AVX-512 (F, DQ, BW, VL); the body is cls_kernels.inl.
#include <cstdint>
#include <cstring>
#include <algorithm>
#include <type_traits>
#include <vector>

#include "ghmdet/losses/kernels/cls_kernels.h"

#if defined(__x86_64__) && defined(__GNUC__)
#pragma GCC push_options
#pragma GCC target("avx512f,avx512dq,avx512bw,avx512vl,avx2,fma,bmi,bmi2,popcnt")
#define GHMDET_KERNEL_ISA avx512
#define GHMDET_KERNEL_ISA_NAME "avx512"
#define GHMDET_KERNEL_REGISTER_BYTES 64  // widest vector register (lanewise.inl)
#include "ghmdet/losses/kernels/cls_kernels.inl"
#pragma GCC pop_options
#endif
