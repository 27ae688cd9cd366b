// What the CPU running this process can do in hardware for bfloat16 arithmetic, from cpuid.
//
// avx512_bf16: the AVX512_BF16 instructions (bf16 dot products, conversions) are present and the
//              OS saves the AVX-512 register state (XCR0), so they are usable.
// amx_bf16:    the AMX tile unit with bf16 support is present and the OS saves tile state. (Linux
//              also wants a per-process permission request before a first tile instruction; the
//              math library that uses AMX makes it.)
// Both false on a CPU that is not x86-64. Without either, bfloat16 convolutions still run, as
// float32 arithmetic with conversions around it, usually slower than float32 alone.
#pragma once

#include <string>

namespace ghmdet {

struct CpuBf16Support {
  bool avx512_bf16 = false;
  bool amx_bf16 = false;
  bool any() const { return avx512_bf16 || amx_bf16; }
  // "AVX512-BF16 yes, AMX-BF16 no"
  std::string describe() const;
};

CpuBf16Support cpu_bf16_support();

}  // namespace ghmdet
