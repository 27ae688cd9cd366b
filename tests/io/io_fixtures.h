// Shared helpers of the io tests: fixture paths, expected.json, and walking a PickleValue tree.
#pragma once

#include <torch/torch.h>

#include <nlohmann/json.hpp>

#include <map>
#include <string>

#include "ghmdet/io/pickle_value.h"

namespace ghmdet::testing {

std::string io_fixture(const std::string& name);
// expected.json of tests/fixtures/io (Debian's torch 1.13 wrote those files) or, given
// "torch2/expected.json", of the files torch 2.x wrote.
const nlohmann::json& expected_fixtures(const std::string& name = "expected.json");

// Every tensor in the tree by its path ("state_dict/conv1.weight", "optimizer/state/0/...").
std::map<std::string, torch::Tensor> tensors_by_path(const PickleValuePtr& root);

// Checks dtype, shape and values (or sum and first values) of `t` against an expected.json entry.
void expect_tensor_matches(const torch::Tensor& t, const nlohmann::json& expected, const std::string& what);

// Writes `bytes` to a fresh file under the test temp dir and returns its path.
std::string write_temp_file(const std::string& name, const std::string& bytes);
std::string read_file(const std::string& path);

}  // namespace ghmdet::testing
