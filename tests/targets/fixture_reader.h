// Reads the JSON fixtures of tests/fixtures/targets (written by
// scripts/fixtures/make_targets_fixtures.py): nested number lists → tensors.
#pragma once

#include <torch/torch.h>

#include <nlohmann/json.hpp>
#include <string>

namespace ghmdet::testing {

nlohmann::json load_targets_fixture(const std::string& name);

// A (possibly nested) list of numbers as a tensor of `dtype`; an empty list gives shape [0]
// unless `empty_cols` > 0 (then [0, empty_cols]).
torch::Tensor json_tensor(const nlohmann::json& j, torch::Dtype dtype = torch::kFloat32,
                          int64_t empty_cols = 0);

}  // namespace ghmdet::testing
