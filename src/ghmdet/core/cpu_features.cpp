#include "ghmdet/core/cpu_features.h"

#include <cstdint>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#define GHMDET_X86 1
#else
#define GHMDET_X86 0
#endif

namespace ghmdet {

std::string CpuBf16Support::describe() const {
  return std::string("AVX512-BF16 ") + (avx512_bf16 ? "yes" : "no") + ", AMX-BF16 " +
         (amx_bf16 ? "yes" : "no");
}

#if GHMDET_X86
namespace {

// XCR0: which register states the OS saves on a context switch. An instruction set whose
// registers are not saved must not be used even when cpuid lists it.
uint64_t read_xcr0() {
  uint32_t eax = 0, edx = 0;
  __asm__ volatile("xgetbv" : "=a"(eax), "=d"(edx) : "c"(0));
  return (static_cast<uint64_t>(edx) << 32) | eax;
}

}  // namespace

CpuBf16Support cpu_bf16_support() {
  CpuBf16Support out;
  unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
  if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx)) return out;
  const bool osxsave = (ecx >> 27) & 1;
  if (!osxsave) return out;
  const uint64_t xcr0 = read_xcr0();
  // SSE, AVX, opmask, ZMM0-15 upper halves, ZMM16-31.
  const bool os_avx512 = (xcr0 & 0xE6) == 0xE6;
  // XTILECFG and XTILEDATA.
  const bool os_amx = ((xcr0 >> 17) & 3) == 3;

  unsigned max_leaf = 0;
  if (!__get_cpuid_count(0, 0, &max_leaf, &ebx, &ecx, &edx) || max_leaf < 7) return out;
  unsigned l7_eax = 0, l7_ebx = 0, l7_ecx = 0, l7_edx = 0;
  __get_cpuid_count(7, 0, &l7_eax, &l7_ebx, &l7_ecx, &l7_edx);
  const bool avx512f = (l7_ebx >> 16) & 1;
  const bool amx_bf16 = (l7_edx >> 22) & 1;
  const bool amx_tile = (l7_edx >> 24) & 1;
  bool avx512_bf16 = false;
  if (l7_eax >= 1) {  // sub-leaf 1 exists
    unsigned s1_eax = 0, s1_ebx = 0, s1_ecx = 0, s1_edx = 0;
    __get_cpuid_count(7, 1, &s1_eax, &s1_ebx, &s1_ecx, &s1_edx);
    avx512_bf16 = (s1_eax >> 5) & 1;
  }
  out.avx512_bf16 = avx512f && avx512_bf16 && os_avx512;
  out.amx_bf16 = amx_tile && amx_bf16 && os_amx;
  return out;
}
#else
CpuBf16Support cpu_bf16_support() { return {}; }
#endif

}  // namespace ghmdet
