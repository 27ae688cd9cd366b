// The fused classification-loss kernels compiled for the baseline instruction set of the build; the body is cls_kernels.inl.
#include <cstdint>
#include <cstring>
#include <algorithm>
#include <type_traits>
#include <vector>

#include "ghmdet/losses/kernels/cls_kernels.h"

#define GHMDET_KERNEL_ISA portable
#define GHMDET_KERNEL_ISA_NAME "portable"
#define GHMDET_KERNEL_REGISTER_BYTES 16  // widest vector register (lanewise.inl)
#include "ghmdet/losses/kernels/cls_kernels.inl"
