// Our checkpoint files: round trip through save/load, atomic replacement, and reading other
// checkpoints (mmdetection's) through the same loader.
#include <gtest/gtest.h>

#include <filesystem>

#include "ghmdet/core/error.h"
#include "ghmdet/io/checkpoint.h"
#include "ghmdet/io/torch_pickle.h"
#include "io_fixtures.h"

namespace ghmdet {
namespace {

namespace fs = std::filesystem;

fs::path fresh_dir(const std::string& name) {
  const fs::path dir = fs::path(::testing::TempDir()) / name;
  fs::remove_all(dir);
  return dir;
}

Checkpoint sample() {
  Checkpoint c;
  c.model.insert("backbone.conv1.weight", torch::randn({4, 3, 3, 3}));
  c.model.insert("backbone.bn1.num_batches_tracked", torch::tensor(int64_t{5}));
  c.model.insert("bbox_head.loss_cls.acc_sum", torch::rand({10}, torch::kFloat64));
  c.model.insert("transposed", torch::arange(6, torch::kFloat32).view({2, 3}).t());  // non-contiguous
  c.model.insert("half", torch::tensor({0.5, -2.0}).to(torch::kFloat16));
  c.model.insert("mask", torch::tensor({true, false}));
  c.model.insert("empty", torch::zeros({0, 4}));
  c.optimizer["momentum_buffer.backbone.conv1.weight"] = torch::randn({4, 3, 3, 3});
  c.optimizer["lr"] = torch::tensor(0.01, torch::kFloat64);
  c.meta = {{"epoch", 3},
            {"iter", 1234567890123},
            {"time", "2026-01-01 00:00:00"},
            {"config", "model:\n  type: RetinaNet\n"},
            {"ghmdet_version", "0.1.0"},
            {"lr", 0.0125},
            {"flags", {true, false, nullptr}},
            {"rng_state", {{"cpu", "00ff"}}},
            {"unicode", "\xc3\xa9"}};
  return c;
}

TEST(Checkpoint, RoundTripKeepsEverything) {
  const fs::path dir = fresh_dir("ghmdet_io_ckpt_roundtrip");
  const std::string path = (dir / "sub" / "epoch_3.pth").string();  // parent created on save
  const Checkpoint c = sample();
  save_checkpoint(path, c);
  const Checkpoint back = load_checkpoint(path);
  EXPECT_EQ(back.model.keys(), c.model.keys());
  for (const auto& item : c.model) {
    const auto& t = back.model[item.key()];
    EXPECT_EQ(t.dtype(), item.value().dtype()) << item.key();
    EXPECT_TRUE(torch::equal(t, item.value())) << item.key();
  }
  ASSERT_EQ(back.optimizer.size(), c.optimizer.size());
  for (const auto& [name, t] : c.optimizer) EXPECT_TRUE(torch::equal(back.optimizer.at(name), t)) << name;
  EXPECT_EQ(back.meta, c.meta);
  // No temporary files are left beside it.
  size_t files = 0;
  for (const auto& entry : fs::directory_iterator(dir / "sub")) files += entry.is_regular_file();
  EXPECT_EQ(files, 1u);
}

TEST(Checkpoint, IsAnMmdetectionStyleZipFile) {
  const fs::path dir = fresh_dir("ghmdet_io_ckpt_layout");
  const std::string path = (dir / "x.pth").string();
  save_checkpoint(path, sample());
  const TorchFile file = read_torch_file(path);
  EXPECT_EQ(file.format, TorchFileFormat::Zip);
  ASSERT_TRUE(file.root->is_dict());
  std::vector<std::string> keys;
  for (const auto& [k, v] : file.root->entries) keys.push_back(k->s);
  EXPECT_EQ(keys, (std::vector<std::string>{"meta", "state_dict", "optimizer"}));
  EXPECT_TRUE(file.root->get("state_dict")->ordered);
  EXPECT_EQ(read_state_dict(path).size(), 7u);
  // Storages are 64-byte aligned records, as torch.save writes them (mmap-friendly).
  const std::string bytes = testing::read_file(path);
  EXPECT_EQ(bytes.compare(0, 4, "PK\x03\x04"), 0);
}

TEST(Checkpoint, SavingReplacesAtomicallyAndAFailedSaveKeepsTheOldFile) {
  const fs::path dir = fresh_dir("ghmdet_io_ckpt_atomic");
  const std::string path = (dir / "latest.pth").string();
  Checkpoint first = sample();
  first.meta["epoch"] = 1;
  save_checkpoint(path, first);
  Checkpoint second = sample();
  second.meta["epoch"] = 2;
  save_checkpoint(path, second);
  EXPECT_EQ(load_checkpoint(path).meta["epoch"], 2);

  Checkpoint bad = sample();
  bad.model.insert("complex", torch::zeros({2}, torch::kComplexFloat));  // no storage class
  EXPECT_THROW(save_checkpoint(path, bad), Error);
  EXPECT_EQ(load_checkpoint(path).meta["epoch"], 2);
  size_t files = 0;
  for (const auto& entry : fs::directory_iterator(dir)) files += entry.is_regular_file();
  EXPECT_EQ(files, 1u);

  // A destination whose directory cannot exist (a file is in the way) is an Error naming it.
  const std::string blocked = (dir / "latest.pth" / "inner.pth").string();
  try {
    save_checkpoint(blocked, first);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("inner.pth"), std::string::npos) << e.what();
  }
}

TEST(Checkpoint, ReadsMmdetectionCheckpoints) {
  for (const char* name : {"mmdet_style_zip.pth", "mmdet_style_legacy.pth"}) {
    SCOPED_TRACE(name);
    const Checkpoint c = load_checkpoint(testing::io_fixture(name));
    EXPECT_EQ(c.model.size(), 8u);
    EXPECT_EQ(c.meta["epoch"], 12);
    EXPECT_EQ(c.meta["CLASSES"], nlohmann::json({"person", "bicycle"}));
    EXPECT_EQ(c.meta["hook_msgs"]["best"]["score"], 0.37);
    EXPECT_EQ(c.meta["raw"], nlohmann::json({0, 1, 255}));
    EXPECT_EQ(c.meta["flags"], nlohmann::json({true, false, nullptr}));
    ASSERT_TRUE(c.optimizer.count("state.0.momentum_buffer"));
    EXPECT_EQ(c.optimizer.at("state.0.momentum_buffer").sizes().vec(), (std::vector<int64_t>{4, 3, 3, 3}));
    EXPECT_DOUBLE_EQ(c.optimizer.at("param_groups.0.lr").item<double>(), 0.01);
    EXPECT_EQ(c.optimizer.at("param_groups.0.params.1").item<int64_t>(), 1);
  }
}

TEST(Checkpoint, NumpyScalarsInMetaAreNumbers) {
  const Checkpoint c = load_checkpoint(testing::io_fixture("numpy_scalars.pth"));
  EXPECT_EQ(c.meta["best_score"], 0.375);
  EXPECT_EQ(c.meta["seed"], -12345678901);
  EXPECT_EQ(c.meta["f32"], 1.5);
  EXPECT_EQ(c.meta["flag"], true);
  EXPECT_EQ(c.meta["small"], 200);
  EXPECT_EQ(c.meta["half"], 0.25);
  EXPECT_EQ(c.meta["i32"], -7);
  EXPECT_EQ(c.model.size(), 1u);
}

TEST(Checkpoint, MetaMustBeAnObject) {
  const fs::path dir = fresh_dir("ghmdet_io_ckpt_meta");
  Checkpoint c;
  c.meta = nlohmann::json::array();
  EXPECT_THROW(save_checkpoint((dir / "m.pth").string(), c), Error);
  EXPECT_FALSE(fs::exists(dir / "m.pth"));
}

}  // namespace
}  // namespace ghmdet
