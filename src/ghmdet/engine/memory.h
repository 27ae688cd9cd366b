// Memory figure for training logs, in MiB, for the device training runs on.
//
// CPU: the process's resident set size now (/proc/self/statm). CUDA: the peak number of bytes
// torch's caching allocator has handed out on that device (what mmcv logs as `memory`). Returns
// -1 when the figure is unavailable (non-Linux, or a libtorch without CUDA allocator statistics).
#pragma once

#include <torch/torch.h>

namespace ghmdet {

double memory_mib(const torch::Device& device);

}  // namespace ghmdet
