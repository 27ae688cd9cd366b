// The dtype a detector's convolutions run in at inference: float32 (the default) or bf16.
//
// bf16 runs the backbone, neck and head convolutions (and the element-wise work between them) in
// bfloat16 on oneDNN's AVX512-BF16 / AMX kernels; the head's final outputs are converted back to
// float32 before box decoding, score thresholds and NMS (modeling/retinanet.h). It is used only
// where the CPU has the instructions: elsewhere oneDNN would emulate bf16 and run slower than
// float32, so usable_inference_dtype() falls back to float32 and logs why (once per process).
// GHMDET_ASSUME_NO_BF16=1 in the environment makes it act as on a CPU without them, so that path
// can be run and tested anywhere. Non-CPU devices run bf16 through torch's own kernels.
#pragma once

#include <torch/torch.h>

#include <string>

namespace ghmdet {

// "float32" → kFloat, "bf16" → kBFloat16; anything else throws ghmdet::Error naming the value,
// the accepted ones and, when given, `what` (the flag: "--dtype bf61: unknown dtype ...").
torch::ScalarType parse_inference_dtype(const std::string& text, const std::string& what = "");
// The inverse: "float32" or "bf16".
std::string inference_dtype_name(torch::ScalarType dtype);

// Whether bf16 inference runs natively on this CPU: AVX512-BF16 or AMX-BF16, oneDNN present in
// libtorch, and GHMDET_ASSUME_NO_BF16 not set (to anything but 0). `why_not` gets the reason when
// it does not.
bool cpu_runs_bf16(std::string* why_not = nullptr);

// The dtype to run: `requested`, except bf16 on a CPU where cpu_runs_bf16() is false, which
// becomes float32 with a warning in the log, the first time only.
torch::ScalarType usable_inference_dtype(torch::ScalarType requested, const torch::Device& device);

// One line for `ghmdet version`: "bf16 inference: native (AVX512-BF16)" or "bf16 inference: runs
// float32 (...)".
std::string bf16_inference_description();

}  // namespace ghmdet
