// The loss builders: mmdetection type names and config keys, clear errors for typos.
#include <gtest/gtest.h>

#include "ghmdet/core/error.h"
#include "ghmdet/losses/build.h"
#include "ghmdet/losses/focal_loss.h"
#include "ghmdet/losses/ghm_c.h"
#include "ghmdet/losses/ghm_r.h"
#include "ghmdet/losses/smooth_l1_loss.h"

namespace ghmdet {
namespace {

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(LossBuild, BuildsThePaperConfigs) {
  auto cls = make_classification_loss("GHMC", {{"bins", 30}, {"momentum", 0.75}, {"use_sigmoid", 1}, {"loss_weight", 1.0}});
  auto* ghmc = dynamic_cast<GHMCImpl*>(cls.get());
  ASSERT_NE(ghmc, nullptr);
  EXPECT_EQ(ghmc->options.bins(), 30);
  EXPECT_EQ(ghmc->options.momentum(), 0.75);
  auto reg = make_regression_loss("GHMR", {{"mu", 0.02}, {"bins", 10}, {"momentum", 0.7}, {"loss_weight", 10.0}});
  auto* ghmr = dynamic_cast<GHMRImpl*>(reg.get());
  ASSERT_NE(ghmr, nullptr);
  EXPECT_EQ(ghmr->options.loss_weight(), 10.0);
  EXPECT_EQ(ghmr->options.mu(), 0.02);
  auto focal = make_classification_loss("FocalLoss", {{"use_sigmoid", 1}, {"gamma", 2.0}, {"alpha", 0.25}});
  EXPECT_NE(dynamic_cast<FocalLossImpl*>(focal.get()), nullptr);
  auto sl1 = make_regression_loss("SmoothL1Loss", {{"beta", 0.11}, {"loss_weight", 1.0}});
  ASSERT_NE(dynamic_cast<SmoothL1LossImpl*>(sl1.get()), nullptr);
  EXPECT_EQ(dynamic_cast<SmoothL1LossImpl*>(sl1.get())->options.beta(), 0.11);
}

TEST(LossBuild, UnknownTypesAndKeysAreNamed) {
  const auto t = error_of([] { make_classification_loss("GHMCC", {}); });
  EXPECT_NE(t.find("'GHMCC'"), std::string::npos) << t;
  EXPECT_NE(t.find("did you mean 'GHMC'"), std::string::npos) << t;
  EXPECT_NE(t.find("FocalLoss"), std::string::npos) << t;
  const auto k = error_of([] { make_classification_loss("GHMC", {{"mommentum", 0.75}}); });
  EXPECT_NE(k.find("'mommentum'"), std::string::npos) << k;
  EXPECT_NE(k.find("did you mean 'momentum'"), std::string::npos) << k;
  EXPECT_NE(error_of([] { make_regression_loss("GHMC", {}); }).find("GHMR"), std::string::npos);
  EXPECT_NE(error_of([] { make_regression_loss("GHMR", {{"bins", 10.5}}); }).find("bins"), std::string::npos);
  EXPECT_NE(error_of([] { make_classification_loss("FocalLoss", {{"use_sigmoid", 0}}); }).find("use_sigmoid"),
            std::string::npos);
}

}  // namespace
}  // namespace ghmdet
