// Checkpointer on a full disk: saving fails with an error naming the file and the reason, the
// previous checkpoint and latest.pth stay whole, no temporary file is left. The disk is a 2 MiB
// tmpfs the test mounts (skipped, with the reason, where mounting is not allowed).
#include <gtest/gtest.h>
#include <sys/mount.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "ghmdet/core/error.h"
#include "ghmdet/engine/checkpointer.h"
#include "ghmdet/io/checkpoint.h"

namespace ghmdet {
namespace {

namespace fs = std::filesystem;

// 300k floats: one checkpoint (1.2 MB) fits in 2 MiB, a second one beside it does not.
struct WideImpl : torch::nn::Module {
  WideImpl() { weight = register_parameter("weight", torch::randn({300000})); }
  torch::Tensor weight;
};
TORCH_MODULE(Wide);

class SmallDisk {
 public:
  explicit SmallDisk(fs::path dir) : dir_(std::move(dir)) {
    fs::create_directories(dir_);
    if (::mount("tmpfs", dir_.c_str(), "tmpfs", 0, "size=2m") != 0) error_ = std::strerror(errno);
  }
  ~SmallDisk() {
    if (error_.empty()) ::umount2(dir_.c_str(), MNT_DETACH);
  }
  const std::string& error() const { return error_; }

 private:
  fs::path dir_;
  std::string error_;
};

TEST(CheckpointerFullDisk, ErrorNamesThePathAndThePreviousCheckpointStaysWhole) {
  const fs::path dir = fs::path(::testing::TempDir()) / "ghmdet_engine_ckpt_full_disk";
  SmallDisk disk(dir);
  if (!disk.error().empty()) {
    GTEST_SKIP() << "cannot mount a 2 MiB tmpfs on " << dir << " (needs root or CAP_SYS_ADMIN): "
                 << disk.error();
  }
  torch::manual_seed(3);
  Wide model;
  SGD sgd(trainable_parameters(*model), SGDOptions());
  Checkpointer ckpt(dir.string(), /*enabled=*/true);
  ckpt.save("iter_1.pth", *model, sgd, TrainingPosition{0, 1, 1}, 10, {});
  const torch::Tensor saved = model->weight.detach().clone();

  torch::NoGradGuard no_grad;
  model->weight.add_(1.0);
  try {
    ckpt.save("iter_2.pth", *model, sgd, TrainingPosition{0, 2, 2}, 10, {});
    FAIL() << "saving a second checkpoint on a full 2 MiB disk did not fail";
  } catch (const Error& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find((dir / "iter_2.pth").string()), std::string::npos) << what;
    EXPECT_NE(what.find("No space left on device"), std::string::npos) << what;
  }
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(dir)) names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  EXPECT_EQ(names, (std::vector<std::string>{"iter_1.pth", "latest.pth"}));
  const Checkpoint back = load_checkpoint((dir / "latest.pth").string());
  EXPECT_EQ(back.meta["iter"], 1);
  EXPECT_TRUE(torch::equal(back.model["weight"], saved));
}

}  // namespace
}  // namespace ghmdet
