#include "ghmdet/core/cpu_features.h"

#include <cstdint>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#define GHMDET_X86 1
#endif

namespace ghmdet {
namespace {

struct Features {
  bool avx512 = false, avx512_bf16 = false, amx_bf16 = false;
};

#ifdef GHMDET_X86
uint64_t xcr0() {
  uint32_t eax = 0, edx = 0;
  __asm__ volatile("xgetbv" : "=a"(eax), "=d"(edx) : "c"(0));
  return (static_cast<uint64_t>(edx) << 32) | eax;
}

Features read_features() {
  Features f;
  uint32_t a, b, c, d;
  if (!__get_cpuid(1, &a, &b, &c, &d)) return f;
  const bool osxsave = c & (1u << 27);
  if (!osxsave) return f;
  const uint64_t xcr = xcr0();
  // XMM, YMM, opmask, ZMM_Hi256 and Hi16_ZMM state: bits 1, 2, 5, 6, 7.
  const bool os_avx512 = (xcr & 0xE6) == 0xE6;
  // XTILECFG and XTILEDATA: bits 17 and 18.
  const bool os_amx = (xcr & (3ull << 17)) == (3ull << 17);
  if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return f;
  const bool avx512f = b & (1u << 16), avx512dq = b & (1u << 17), avx512bw = b & (1u << 30),
             avx512vl = b & (1u << 31);
  const bool amx_bf16 = d & (1u << 22), amx_tile = d & (1u << 24);
  f.avx512 = os_avx512 && avx512f && avx512dq && avx512bw && avx512vl;
  f.amx_bf16 = os_amx && amx_tile && amx_bf16;
  if (__get_cpuid_count(7, 1, &a, &b, &c, &d)) f.avx512_bf16 = f.avx512 && (a & (1u << 5));
  return f;
}
#else
Features read_features() { return {}; }
#endif

const Features& features() {
  static const Features f = read_features();
  return f;
}

const char* yes_no(bool b) { return b ? "yes" : "no"; }

}  // namespace

bool cpu_has_avx512() { return features().avx512; }
bool cpu_has_avx512_bf16() { return features().avx512_bf16; }
bool cpu_has_amx_bf16() { return features().amx_bf16; }

std::string cpu_features_description() {
  return std::string("AVX-512 ") + yes_no(cpu_has_avx512()) + ", AVX512-BF16 " + yes_no(cpu_has_avx512_bf16()) +
         ", AMX-BF16 " + yes_no(cpu_has_amx_bf16());
}

}  // namespace ghmdet
