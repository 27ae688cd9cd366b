// Checkpointer: round trip of model (params + buffers), optimizer and meta; latest.pth; resume
// into freshly built objects.
#include <gtest/gtest.h>

#include <filesystem>

#include "ghmdet/core/error.h"
#include "ghmdet/engine/checkpointer.h"
#include "ghmdet/io/checkpoint.h"
#include "tiny_training.h"

namespace ghmdet {
namespace {

namespace fs = std::filesystem;

TEST(Checkpointer, RoundTripRestoresModelOptimizerAndPosition) {
  const fs::path dir = fs::path(::testing::TempDir()) / "ghmdet_engine_ckpt";
  fs::remove_all(dir);
  testing::TinyDetector model(1);
  model->acc_sum.fill_(0.25);
  SGD sgd(trainable_parameters(*model), SGDOptions().lr(0.1).momentum(0.9));
  for (auto& [name, p] : sgd.params()) p.mutable_grad() = torch::ones_like(p);
  sgd.step();

  Checkpointer ckpt(dir.string(), /*enabled=*/true);
  const std::string path = ckpt.save("iter_3.pth", *model, sgd, TrainingPosition{1, 2, 3}, 5,
                                     {{"config", "total_epochs: 2\n"}});
  EXPECT_EQ(path, (dir / "iter_3.pth").string());
  EXPECT_EQ(fs::read_symlink(dir / "latest.pth").string(), "iter_3.pth");

  const Checkpoint raw = load_checkpoint(ckpt.latest_path());
  EXPECT_TRUE(raw.model.contains("conv.weight"));
  EXPECT_TRUE(raw.model.contains("acc_sum"));
  EXPECT_EQ(raw.meta["config"], "total_epochs: 2\n");
  EXPECT_EQ(raw.meta["epoch_length"], 5);
  EXPECT_TRUE(raw.optimizer.count("momentum_buffer.conv.weight"));

  const auto rng_after_save = torch::rand({4});  // moves the generator past the saved state
  testing::TinyDetector other(2);
  SGD other_sgd(trainable_parameters(*other), SGDOptions().lr(0.1).momentum(0.9));
  const ResumeState resumed = resume_checkpoint(path, *other, other_sgd);
  EXPECT_EQ(resumed.position.epoch, 1);
  EXPECT_EQ(resumed.position.inner_iter, 2);
  EXPECT_EQ(resumed.position.global_iter, 3);
  EXPECT_TRUE(torch::equal(other->conv->weight, model->conv->weight));
  EXPECT_TRUE(torch::equal(other->acc_sum, model->acc_sum));
  for (size_t i = 0; i < sgd.params().size(); ++i) {
    EXPECT_TRUE(torch::equal(other_sgd.momentum_buffer(i), sgd.momentum_buffer(i)));
  }
  EXPECT_TRUE(torch::equal(torch::rand({4}), rng_after_save));  // generator state restored

  // Saving again moves latest.pth atomically to the new file.
  ckpt.save("epoch_2.pth", *model, sgd, TrainingPosition{2, 0, 5}, 5, {});
  EXPECT_EQ(fs::read_symlink(dir / "latest.pth").string(), "epoch_2.pth");
  EXPECT_TRUE(fs::exists(dir / "iter_3.pth"));
}

TEST(Checkpointer, DisabledWritesNothingAndHexRoundTrips) {
  const fs::path dir = fs::path(::testing::TempDir()) / "ghmdet_engine_ckpt_off";
  fs::remove_all(dir);
  testing::TinyDetector model(1);
  SGD sgd(trainable_parameters(*model), SGDOptions());
  EXPECT_EQ(Checkpointer(dir.string(), false).save("x.pth", *model, sgd, {}, 1, {}), "");
  EXPECT_FALSE(fs::exists(dir));
  const auto bytes = torch::tensor({0, 1, 127, 128, 255}, torch::kUInt8);
  EXPECT_EQ(to_hex(bytes), "00017f80ff");
  EXPECT_TRUE(torch::equal(from_hex("00017f80ff", "t"), bytes));
  EXPECT_THROW(from_hex("0g", "t"), Error);
}

TEST(Checkpointer, ResumeFromAFileWithoutTrainingMetaNamesTheKey) {
  const fs::path dir = fs::path(::testing::TempDir()) / "ghmdet_engine_ckpt_meta";
  fs::create_directories(dir);
  testing::TinyDetector model(1);
  Checkpoint c;
  for (const auto& p : model->named_parameters()) c.model.insert(p.key(), p.value().detach());
  for (const auto& b : model->named_buffers()) c.model.insert(b.key(), b.value().detach());
  c.meta = nlohmann::json::object();
  save_checkpoint((dir / "weights.pth").string(), c);
  SGD sgd(trainable_parameters(*model), SGDOptions());
  try {
    resume_checkpoint((dir / "weights.pth").string(), *model, sgd);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("meta.epoch"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace ghmdet
