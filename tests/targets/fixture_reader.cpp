#include "fixture_reader.h"

#include <fstream>
#include <stdexcept>
#include <vector>

#include "ghmdet_test_paths.h"

namespace ghmdet::testing {

nlohmann::json load_targets_fixture(const std::string& name) {
  const std::string path = std::string(GHMDET_FIXTURES_DIR) + "/targets/" + name;
  std::ifstream in(path);
  if (!in) throw std::runtime_error("missing fixture " + path);
  return nlohmann::json::parse(in);
}

namespace {

void flatten(const nlohmann::json& j, std::vector<double>& values, std::vector<int64_t>& shape,
             size_t depth) {
  if (!j.is_array()) {
    values.push_back(j.get<double>());
    return;
  }
  if (shape.size() <= depth) shape.push_back(static_cast<int64_t>(j.size()));
  for (const auto& e : j) flatten(e, values, shape, depth + 1);
}

}  // namespace

torch::Tensor json_tensor(const nlohmann::json& j, torch::Dtype dtype, int64_t empty_cols) {
  std::vector<double> values;
  std::vector<int64_t> shape;
  flatten(j, values, shape, 0);
  if (values.empty() && empty_cols > 0) return torch::zeros({0, empty_cols}, dtype);
  auto t = torch::tensor(values, torch::kFloat64).reshape(shape);
  return t.to(dtype);
}

}  // namespace ghmdet::testing
