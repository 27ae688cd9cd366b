// Reproducibility switches: the random seed and torch's deterministic-algorithm mode.
//
// seed_everything(seed) seeds torch's generators on every device (CPU and each CUDA device) —
// call it BEFORE building the model so initialisation is reproducible. set_deterministic(true)
// asks torch for deterministic kernels (warning, not failing, where an op has none), disables the
// cuDNN autotuner and makes cuDNN deterministic. The data pipeline seeds its own samplers
// (BatchSource::set_epoch); nothing here touches them.
//
// RNG state capture/restore (for exact resume): the default generator of a device as a uint8
// tensor, restored with the same function family. CPU always; CUDA when available.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <map>
#include <string>

namespace ghmdet {

void seed_everything(uint64_t seed);
void set_deterministic(bool deterministic);

// Generator states keyed "cpu", "cuda:0", ... (CPU tensors of uint8).
std::map<std::string, torch::Tensor> capture_rng_state();
// Restores the states present in `states`; keys naming devices this process lacks are skipped.
void restore_rng_state(const std::map<std::string, torch::Tensor>& states);

}  // namespace ghmdet
