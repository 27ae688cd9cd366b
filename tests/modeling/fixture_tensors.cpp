#include "fixture_tensors.h"

#include <gtest/gtest.h>

#include <fstream>
#include <set>
#include <sstream>

#include "ghmdet_test_paths.h"

namespace ghmdet::testing {

const torch::Tensor& FixtureTensors::at(const std::string& key) const {
  auto it = tensors.find(key);
  if (it == tensors.end()) throw std::runtime_error("fixture has no tensor " + key);
  return it->second;
}

FixtureTensors load_fixture(const std::string& name) {
  const std::string base = std::string(GHMDET_FIXTURES_DIR) + "/modeling/" + name;
  std::ifstream js(base + ".json");
  if (!js) throw std::runtime_error("missing fixture " + base + ".json");
  FixtureTensors fx;
  js >> fx.meta;
  std::ifstream bin(base + ".bin", std::ios::binary);
  std::stringstream ss;
  ss << bin.rdbuf();
  const std::string blob = ss.str();
  auto all = torch::from_blob(const_cast<char*>(blob.data()),
                              {static_cast<int64_t>(blob.size() / sizeof(float))}, torch::kFloat32)
                 .clone();
  for (auto& [key, v] : fx.meta["tensors"].items()) {
    std::vector<int64_t> shape = v["shape"].get<std::vector<int64_t>>();
    int64_t n = 1;
    for (auto s : shape) n *= s;
    const int64_t off = v["offset"].get<int64_t>();
    fx.tensors[key] = all.narrow(0, off, n).reshape(shape).clone();
  }
  return fx;
}

void load_into(torch::nn::Module& module, const FixtureTensors& fx, const std::string& prefix) {
  torch::NoGradGuard no_grad;
  std::set<std::string> unset;
  auto copy = [&](const std::string& name, torch::Tensor& dst) {
    auto it = fx.tensors.find(prefix + name);
    if (it == fx.tensors.end()) {
      if (name.find("num_batches_tracked") == std::string::npos) unset.insert(name);
      return;
    }
    ASSERT_EQ(dst.sizes(), it->second.sizes()) << name;
    dst.copy_(it->second);
  };
  for (auto& p : module.named_parameters()) copy(p.key(), p.value());
  for (auto& b : module.named_buffers()) copy(b.key(), b.value());
  for (const auto& name : unset) ADD_FAILURE() << "not in fixture: " << prefix << name;
}

}  // namespace ghmdet::testing
