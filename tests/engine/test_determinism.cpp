// RNG state capture/restore and seeding.
#include <gtest/gtest.h>

#include "ghmdet/core/error.h"
#include "ghmdet/engine/determinism.h"

namespace ghmdet {
namespace {

TEST(Determinism, RestoredGeneratorRepeatsTheSameDraws) {
  seed_everything(123);
  const auto first = torch::rand({3});
  seed_everything(123);
  EXPECT_TRUE(torch::equal(torch::rand({3}), first));

  const auto state = capture_rng_state();
  ASSERT_TRUE(state.count("cpu"));
  const auto a = torch::randn({5});
  torch::rand({100});  // move on
  restore_rng_state(state);
  EXPECT_TRUE(torch::equal(torch::randn({5}), a));
}

TEST(Determinism, BadKeysAreErrorsAndAbsentDevicesAreSkipped) {
  EXPECT_THROW(restore_rng_state({{"tpu", torch::zeros({1}, torch::kUInt8)}}), Error);
  EXPECT_THROW(restore_rng_state({{"cuda:x", torch::zeros({1}, torch::kUInt8)}}), Error);
  if (!torch::cuda::is_available()) {
    EXPECT_NO_THROW(restore_rng_state({{"cuda:0", torch::zeros({1}, torch::kUInt8)}}));
  }
}

}  // namespace
}  // namespace ghmdet
