// Reads the golden tensors written by scripts/fixtures/make_model_fixtures.py: <name>.json
// ({"tensors": {key: {"offset", "shape"}}, ...}) beside <name>.bin (raw little-endian float32).
#pragma once

#include <torch/torch.h>

#include <map>
#include <nlohmann/json.hpp>
#include <string>

namespace ghmdet::testing {

struct FixtureTensors {
  std::map<std::string, torch::Tensor> tensors;
  nlohmann::json meta;

  const torch::Tensor& at(const std::string& key) const;
};

// Loads tests/fixtures/modeling/<name>.{json,bin}.
FixtureTensors load_fixture(const std::string& name);

// Copies every fixture tensor whose key is a parameter/buffer of `module` (after stripping
// `prefix` from the key) into it; fails the test if a parameter or non-counter buffer of the
// module stays unset or a shape differs.
void load_into(torch::nn::Module& module, const FixtureTensors& fx, const std::string& prefix);

}  // namespace ghmdet::testing
