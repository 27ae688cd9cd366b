// What the CPU this process runs on can do for reduced-precision inference, read with CPUID.
//
// A feature counts only when the CPU reports it AND the operating system saves the registers it
// needs (XCR0: the AVX-512 opmask/ZMM state for AVX512-BF16, the tile state for AMX), since an
// instruction the OS does not enable faults. The answers are the hardware's: they ignore
// GHMDET_ASSUME_NO_BF16, which only the inference dtype choice reads (core/inference_dtype.h).
// On other architectures every answer is false.
#pragma once

#include <string>

namespace ghmdet {

bool cpu_has_avx512();       // AVX512-F, -BW, -VL and -DQ (what oneDNN's AVX-512 kernels need)
bool cpu_has_avx512_bf16();  // AVX512-BF16 (VDPBF16PS), with the AVX-512 above
bool cpu_has_amx_bf16();     // AMX-TILE and AMX-BF16 (Sapphire Rapids and later)

// One line for `ghmdet version`, e.g. "AVX-512 yes, AVX512-BF16 yes, AMX-BF16 no".
std::string cpu_features_description();

}  // namespace ghmdet
