// run_inference: one result per image in data order, eval mode during, previous mode after.
#include <gtest/gtest.h>

#include "ghmdet/engine/inference.h"
#include "tiny_training.h"

namespace ghmdet {
namespace {

TEST(Inference, CollectsDetectionsWithTheirImageMeta) {
  testing::TinyDetector model(1);
  model->train();
  testing::TinySource source(3, 2);
  const auto results = run_inference(*model, source, InferenceOptions().progress(ProgressBar::kOff));
  ASSERT_EQ(results.size(), 6u);
  EXPECT_TRUE(model->is_training());
  // Same order and ids as the source delivers for epoch 0.
  source.set_epoch(0);
  size_t k = 0;
  while (auto batch = source.next()) {
    for (int64_t i = 0; i < batch->size(); ++i, ++k) {
      EXPECT_EQ(results[k].meta.image_id, batch->metas[i].image_id);
      const auto expected = model->predict(*batch)[i];
      EXPECT_TRUE(torch::allclose(results[k].detections.scores, expected.scores));
      EXPECT_FALSE(results[k].detections.scores.requires_grad());
      EXPECT_TRUE(results[k].detections.boxes.device().is_cpu());
    }
  }
}

}  // namespace
}  // namespace ghmdet
