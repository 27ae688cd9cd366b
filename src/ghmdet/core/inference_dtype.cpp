#include "ghmdet/core/inference_dtype.h"

#include <ATen/Context.h>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <cstdlib>
#include <cstring>
#include <mutex>

#include "ghmdet/core/cpu_features.h"
#include "ghmdet/core/error.h"

namespace ghmdet {

torch::ScalarType parse_inference_dtype(const std::string& text, const std::string& what) {
  if (text == "float32") return torch::kFloat;
  if (text == "bf16") return torch::kBFloat16;
  const std::string message = fmt::format("unknown dtype '{}' (known: float32, bf16)", text);
  throw Error(what.empty() ? message : fmt::format("{} {}: {}", what, text, message));
}

std::string inference_dtype_name(torch::ScalarType dtype) {
  if (dtype == torch::kFloat) return "float32";
  if (dtype == torch::kBFloat16) return "bf16";
  return c10::toString(dtype);
}

bool cpu_runs_bf16(std::string* why_not) {
  const char* assume_no = std::getenv("GHMDET_ASSUME_NO_BF16");
  std::string why;
  if (assume_no && *assume_no && std::strcmp(assume_no, "0") != 0)
    why = "GHMDET_ASSUME_NO_BF16 is set";
  else if (!cpu_has_avx512_bf16() && !cpu_has_amx_bf16())
    why = "this CPU has neither AVX512-BF16 nor AMX-BF16";
  else if (!at::hasMKLDNN())
    why = "this libtorch is built without oneDNN";
  if (why_not) *why_not = why;
  return why.empty();
}

torch::ScalarType usable_inference_dtype(torch::ScalarType requested, const torch::Device& device) {
  if (requested != torch::kBFloat16 || !device.is_cpu()) return requested;
  std::string why;
  if (cpu_runs_bf16(&why)) return requested;
  static std::once_flag logged;
  std::call_once(logged, [&] { spdlog::warn("bf16 inference requested, but {}: running float32", why); });
  return torch::kFloat;
}

std::string bf16_inference_description() {
  std::string why;
  if (!cpu_runs_bf16(&why)) return "bf16 inference: runs float32 (" + why + ")";
  return std::string("bf16 inference: native (") + (cpu_has_amx_bf16() ? "AMX-BF16" : "AVX512-BF16") + ")";
}

}  // namespace ghmdet
