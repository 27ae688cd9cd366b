// The fused classification-loss kernels compiled for AVX2 + FMA; the body is cls_kernels.inl.
#include <cstdint>
#include <cstring>
#include <algorithm>
#include <type_traits>
#include <vector>

#include "ghmdet/losses/kernels/cls_kernels.h"

#if defined(__x86_64__) && defined(__GNUC__)
#pragma GCC push_options
#pragma GCC target("avx2,fma,bmi,bmi2,popcnt")
#define GHMDET_KERNEL_ISA avx2
#define GHMDET_KERNEL_ISA_NAME "avx2"
#define GHMDET_KERNEL_REGISTER_BYTES 32  // widest vector register (lanewise.inl)
#include "ghmdet/losses/kernels/cls_kernels.inl"
#pragma GCC pop_options
#endif
