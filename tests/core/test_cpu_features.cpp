// cpu_features (CPUID) against the kernel's own reading of the same bits (/proc/cpuinfo flags),
// and the inference dtype choice: parsing, the float32 fallback and its environment override.
#include <gtest/gtest.h>

#include <fstream>
#include <set>
#include <sstream>
#include <string>

#include "ghmdet/core/cpu_features.h"
#include "ghmdet/core/error.h"
#include "ghmdet/core/inference_dtype.h"
#include "scoped_env.h"

namespace ghmdet {
namespace {

std::set<std::string> proc_cpuinfo_flags() {
  std::ifstream f("/proc/cpuinfo");
  std::string line;
  while (std::getline(f, line)) {
    if (line.rfind("flags", 0) != 0) continue;
    std::istringstream words(line.substr(line.find(':') + 1));
    std::set<std::string> flags;
    for (std::string w; words >> w;) flags.insert(w);
    return flags;
  }
  return {};
}

using testing::ScopedEnv;

TEST(CpuFeatures, AgreeWithProcCpuinfo) {
  const auto flags = proc_cpuinfo_flags();
  if (flags.empty()) GTEST_SKIP() << "no /proc/cpuinfo flags line (not Linux on x86)";
  const bool avx512 = flags.count("avx512f") && flags.count("avx512bw") && flags.count("avx512vl") &&
                      flags.count("avx512dq");
  EXPECT_EQ(cpu_has_avx512(), avx512);
  EXPECT_EQ(cpu_has_avx512_bf16(), avx512 && flags.count("avx512_bf16"));
  EXPECT_EQ(cpu_has_amx_bf16(), flags.count("amx_bf16") && flags.count("amx_tile"));
  const std::string line = cpu_features_description();
  EXPECT_NE(line.find(std::string("AVX512-BF16 ") + (cpu_has_avx512_bf16() ? "yes" : "no")), std::string::npos) << line;
}

TEST(InferenceDtype, ParsesTheTwoNamesAndRejectsOthers) {
  EXPECT_EQ(parse_inference_dtype("float32"), torch::kFloat);
  EXPECT_EQ(parse_inference_dtype("bf16"), torch::kBFloat16);
  EXPECT_EQ(inference_dtype_name(torch::kBFloat16), "bf16");
  try {
    parse_inference_dtype("fp16", "--dtype");
    FAIL() << "fp16 was accepted";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "--dtype fp16: unknown dtype 'fp16' (known: float32, bf16)");
  }
  EXPECT_THROW(parse_inference_dtype("BF16"), Error);
  EXPECT_THROW(parse_inference_dtype(""), Error);
}

TEST(InferenceDtype, Bf16FallsBackToFloat32WithoutTheInstructions) {
  ScopedEnv no_bf16("GHMDET_ASSUME_NO_BF16", "1");
  std::string why;
  EXPECT_FALSE(cpu_runs_bf16(&why));
  EXPECT_EQ(why, "GHMDET_ASSUME_NO_BF16 is set");
  EXPECT_EQ(usable_inference_dtype(torch::kBFloat16, torch::kCPU), torch::kFloat);
  EXPECT_EQ(usable_inference_dtype(torch::kFloat, torch::kCPU), torch::kFloat);
  EXPECT_NE(bf16_inference_description().find("runs float32 (GHMDET_ASSUME_NO_BF16 is set)"), std::string::npos);
}

TEST(InferenceDtype, Bf16RunsWhereTheCpuHasIt) {
  ScopedEnv zero("GHMDET_ASSUME_NO_BF16", "0");  // "0" does not count as set
  const bool hardware = (cpu_has_avx512_bf16() || cpu_has_amx_bf16()) && at::hasMKLDNN();
  EXPECT_EQ(cpu_runs_bf16(), hardware);
  EXPECT_EQ(usable_inference_dtype(torch::kBFloat16, torch::kCPU), hardware ? torch::kBFloat16 : torch::kFloat);
}

}  // namespace
}  // namespace ghmdet
