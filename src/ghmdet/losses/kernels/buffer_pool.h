// Reusable float32 output buffers for the fused loss backward passes.
//
// A fresh tensor above glibc's mmap threshold (tens of MB, the size of a P3 logits gradient)
// is page-faulted in on first write at a few GB/s, which costs more than the kernel that fills
// it. reusable_empty() hands out the storage of a previous buffer of the same shape once nobody
// else references it (its storage use count is back to one), so a training loop that drops its
// gradients every iteration writes into warm pages. Thread safe; at most a few buffers of at
// least 1 MiB are kept per process. Contents are uninitialised, as torch::empty.
#pragma once

#include <torch/torch.h>

namespace ghmdet::loss_kernels {

torch::Tensor reusable_empty(torch::IntArrayRef sizes, const torch::TensorOptions& options);

}  // namespace ghmdet::loss_kernels
