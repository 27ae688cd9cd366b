// run_inference: one result per image in data order, eval mode during, previous mode after; the
// time spent waiting for batches and in the model, apart.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

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

// A source that takes 60 ms to deliver each batch, and a model that takes 20 ms per batch.
struct SlowSource : testing::TinySource {
  using TinySource::TinySource;
  std::optional<Batch> next() override {
    std::this_thread::sleep_for(std::chrono::milliseconds(60));
    return TinySource::next();
  }
};
struct SlowDetectorImpl : testing::TinyDetectorImpl {
  std::vector<Detections> predict(const Batch& batch) override {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    return TinyDetectorImpl::predict(batch);
  }
};

TEST(Inference, TimesLoadingAndTheModelApart) {
  auto model = std::make_shared<SlowDetectorImpl>();
  SlowSource source(4, 1);
  InferenceTimes times;
  const auto start = std::chrono::steady_clock::now();
  run_inference(*model, source, InferenceOptions().progress(ProgressBar::kOff).times(&times));
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  // 4 batches: 4 x 60 ms loading (the 5th call, which ends the epoch, is not a batch's), 4 x 20 ms
  // in the model. Had the model's time taken in the loading it would be over 0.32 s.
  EXPECT_GE(times.loading, 0.240);
  EXPECT_GE(times.model, 0.080);
  EXPECT_LT(times.model, 0.200) << "the model's time took in some loading";
  EXPECT_LE(times.loading + times.model, wall);
}

}  // namespace
}  // namespace ghmdet
