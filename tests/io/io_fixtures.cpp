#include "io_fixtures.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>

#include "ghmdet_test_paths.h"

namespace ghmdet::testing {
namespace {

void walk(const PickleValuePtr& v, const std::string& path, std::map<std::string, torch::Tensor>& out) {
  if (v->kind == PickleValue::Kind::Tensor) {
    out[path] = v->tensor;
  } else if (v->kind == PickleValue::Kind::Dict) {
    for (const auto& [k, item] : v->entries) walk(item, path.empty() ? k->key_text() : path + "/" + k->key_text(), out);
  } else if (v->is_sequence()) {
    for (size_t i = 0; i < v->items.size(); ++i) {
      walk(v->items[i], path.empty() ? std::to_string(i) : path + "/" + std::to_string(i), out);
    }
  }
}

}  // namespace

std::string io_fixture(const std::string& name) { return std::string(GHMDET_FIXTURES_DIR) + "/io/" + name; }

const nlohmann::json& expected_fixtures(const std::string& name) {
  static std::map<std::string, nlohmann::json> cache;
  auto it = cache.find(name);
  if (it == cache.end()) it = cache.emplace(name, nlohmann::json::parse(read_file(io_fixture(name)))).first;
  return it->second;
}

std::map<std::string, torch::Tensor> tensors_by_path(const PickleValuePtr& root) {
  std::map<std::string, torch::Tensor> out;
  walk(root, "", out);
  return out;
}

void expect_tensor_matches(const torch::Tensor& t, const nlohmann::json& e, const std::string& what) {
  SCOPED_TRACE(what);
  const std::string dtype = c10::toString(t.scalar_type());
  const std::map<std::string, std::string> python_names = {
      {"Float", "float32"}, {"Double", "float64"}, {"Half", "float16"}, {"BFloat16", "bfloat16"},
      {"Long", "int64"},    {"Int", "int32"},      {"Short", "int16"},  {"Char", "int8"},
      {"Byte", "uint8"},    {"Bool", "bool"}};
  ASSERT_TRUE(python_names.count(dtype)) << dtype;
  EXPECT_EQ(python_names.at(dtype), e.at("dtype").get<std::string>());
  EXPECT_EQ(t.sizes().vec(), e.at("shape").get<std::vector<int64_t>>());
  const auto flat = t.reshape({-1}).to(torch::kFloat64).contiguous();
  const double* p = flat.data_ptr<double>();
  if (e.contains("values")) {
    const auto values = e.at("values").get<std::vector<double>>();
    ASSERT_EQ(static_cast<size_t>(flat.numel()), values.size());
    for (size_t i = 0; i < values.size(); ++i) EXPECT_EQ(p[i], values[i]) << "element " << i;
  } else {
    const auto first = e.at("first").get<std::vector<double>>();
    for (size_t i = 0; i < first.size(); ++i) EXPECT_EQ(p[i], first[i]) << "element " << i;
    const double sum = flat.sum().item<double>();
    EXPECT_NEAR(sum, e.at("sum").get<double>(), 1e-9 * (1.0 + std::abs(sum)));
  }
}

std::string write_temp_file(const std::string& name, const std::string& bytes) {
  const auto dir = std::filesystem::path(::testing::TempDir()) / "ghmdet_io_tests";
  std::filesystem::create_directories(dir);
  const auto path = (dir / name).string();
  std::ofstream(path, std::ios::binary | std::ios::trunc).write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  return path;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot open " + path);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

}  // namespace ghmdet::testing
