// LrSchedule against hand-computed rates (spec section 6: step [8, 11], linear warm-up 500 iters
// from lr/3).
#include <gtest/gtest.h>

#include <cmath>

#include "ghmdet/core/error.h"
#include "ghmdet/engine/lr_schedule.h"

namespace ghmdet {
namespace {

LrSchedule paper_schedule(WarmupKind warmup = WarmupKind::kLinear) {
  return LrSchedule(LrScheduleOptions()
                        .base_lr(0.01)
                        .step({8, 11})
                        .gamma(0.1)
                        .warmup(warmup)
                        .warmup_iters(500)
                        .warmup_ratio(1.0 / 3.0));
}

TEST(LrSchedule, StepDecayAtEpochStarts) {
  const LrSchedule s = paper_schedule(WarmupKind::kNone);
  for (int64_t e = 0; e < 8; ++e) EXPECT_DOUBLE_EQ(s.regular_lr(e), 0.01) << e;
  EXPECT_DOUBLE_EQ(s.regular_lr(8), 0.001);
  EXPECT_DOUBLE_EQ(s.regular_lr(10), 0.001);
  EXPECT_DOUBLE_EQ(s.regular_lr(11), 0.0001);
  EXPECT_DOUBLE_EQ(s.regular_lr(20), 0.0001);
  // Same double as Python's base_lr * gamma ** 2.
  EXPECT_EQ(s.regular_lr(11), 0.01 * std::pow(0.1, 2.0));
}

TEST(LrSchedule, LinearWarmupOnGlobalIteration) {
  const LrSchedule s = paper_schedule();
  EXPECT_NEAR(s.lr_at(0, 0), 0.01 / 3.0, 1e-15);
  EXPECT_NEAR(s.lr_at(0, 250), 0.01 * 2.0 / 3.0, 1e-15);
  EXPECT_NEAR(s.lr_at(0, 499), 0.01 * (1.0 - (1.0 / 500.0) * (2.0 / 3.0)), 1e-15);
  EXPECT_EQ(s.lr_at(0, 500), 0.01);
  EXPECT_EQ(s.lr_at(1, 100000), 0.01);
  // Warm-up continues across an epoch boundary: it follows the global index.
  EXPECT_NEAR(s.lr_at(1, 400), 0.01 * (1.0 - 0.2 * (2.0 / 3.0)), 1e-15);
  // Monotone inside the warm-up.
  for (int64_t i = 1; i < 500; ++i) EXPECT_LT(s.lr_at(0, i - 1), s.lr_at(0, i));
}

TEST(LrSchedule, ConstantAndExpWarmup) {
  const LrSchedule c = paper_schedule(WarmupKind::kConstant);
  EXPECT_NEAR(c.lr_at(0, 0), 0.01 / 3.0, 1e-15);
  EXPECT_NEAR(c.lr_at(0, 499), 0.01 / 3.0, 1e-15);
  EXPECT_EQ(c.lr_at(0, 500), 0.01);
  const LrSchedule x = paper_schedule(WarmupKind::kExp);
  EXPECT_NEAR(x.lr_at(0, 0), 0.01 / 3.0, 1e-15);
  EXPECT_NEAR(x.lr_at(0, 250), 0.01 / std::sqrt(3.0), 1e-15);
  EXPECT_EQ(x.lr_at(0, 500), 0.01);
}

TEST(LrSchedule, WarmupScalesTheDecayedRate) {
  // A warm-up longer than the first decay uses the regular rate of the current epoch.
  const LrSchedule s(LrScheduleOptions().base_lr(0.1).step({1}).warmup(WarmupKind::kConstant)
                         .warmup_iters(10).warmup_ratio(0.5));
  EXPECT_NEAR(s.lr_at(1, 5), 0.01 * 0.5, 1e-16);
}

TEST(LrSchedule, FixedPolicy) {
  const LrSchedule s(LrScheduleOptions().base_lr(0.02).policy(LrPolicy::kFixed).step({1}));
  EXPECT_EQ(s.lr_at(5, 1000), 0.02);
}

TEST(LrSchedule, BadOptionsThrowNamingTheKey) {
  EXPECT_THROW(parse_lr_policy("cosine"), Error);
  EXPECT_THROW(parse_warmup("quadratic"), Error);
  EXPECT_EQ(parse_warmup(""), WarmupKind::kNone);
  try {
    LrSchedule(LrScheduleOptions().warmup(WarmupKind::kLinear).warmup_iters(0));
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("lr_config.warmup_iters"), std::string::npos);
  }
  EXPECT_THROW(LrSchedule(LrScheduleOptions().step({11, 8})), Error);
}

}  // namespace
}  // namespace ghmdet
