// DataLoader: batches in sampler order whatever the threads do, error propagation naming the
// file, early stop and shutdown without deadlock, epochs restart cleanly.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "ghmdet/core/error.h"
#include "ghmdet/data/collate.h"
#include "ghmdet/data/data_loader.h"

namespace ghmdet {
namespace {

// A dataset whose image i is filled with the value i (sizes vary), with optional delays and a
// failing index, so order and errors are observable without files.
class FakeDataset : public Dataset {
 public:
  explicit FakeDataset(int64_t n, int64_t fail_at = -1) : n_(n), fail_at_(fail_at) {
    for (int64_t i = 0; i < n; ++i) infos_.push_back({"img" + std::to_string(i) + ".jpg", i, 8, 4});
  }
  int64_t size() const override { return n_; }
  const std::vector<std::string>& class_names() const override { return names_; }
  const ImageInfo& info(int64_t i) const override { return infos_[i]; }
  const Annotations& annotations(int64_t) const override { return ann_; }
  bool test_mode() const override { return false; }
  Sample get(int64_t i, int64_t epoch) const override {
    ++calls;
    // Early indices slow, so later batches finish first and the loader must reorder.
    std::this_thread::sleep_for(std::chrono::milliseconds(i % 3 == 0 ? 6 : 1));
    if (i == fail_at_) throw Error(infos_[i].file + ": cannot decode the image");
    Sample s;
    s.image = torch::full({3, 4 + i % 3, 8 + i % 2}, static_cast<float>(i + 100 * epoch));
    s.meta.image_id = i;
    s.meta.file = infos_[i].file;
    s.gt_boxes = torch::zeros({1, 4});
    s.gt_labels = torch::zeros({1}, torch::kInt64);
    s.gt_boxes_ignore = torch::zeros({0, 4});
    return s;
  }
  mutable std::atomic<int64_t> calls{0};

 private:
  int64_t n_, fail_at_;
  std::vector<ImageInfo> infos_;
  std::vector<std::string> names_{"a"};
  Annotations ann_;
};

class ReversedSampler : public Sampler {
 public:
  explicit ReversedSampler(int64_t n) : n_(n) {}
  std::vector<int64_t> indices(int64_t epoch) const override {
    std::vector<int64_t> v;
    for (int64_t i = n_ - 1; i >= 0; --i) v.push_back((i + epoch) % n_);
    return v;
  }
  int64_t size() const override { return n_; }

 private:
  int64_t n_;
};

TEST(DataLoader, DeliversBatchesInSamplerOrder) {
  auto ds = std::make_shared<FakeDataset>(11);
  auto sampler = std::make_shared<ReversedSampler>(11);
  for (int64_t workers : {0, 1, 3}) {
    DataLoaderOptions o;
    o.batch_size = 2;
    o.num_workers = workers;
    o.prefetch = 2;
    DataLoader loader(ds, sampler, o);
    EXPECT_EQ(loader.batches_per_epoch(), 6);
    for (int64_t epoch : {0, 1}) {
      loader.set_epoch(epoch);
      const auto order = sampler->indices(epoch);
      size_t pos = 0;
      while (auto batch = loader.next()) {
        std::vector<Sample> expected_samples;
        for (int64_t b = 0; b < batch->size(); ++b) {
          EXPECT_EQ(batch->metas[b].image_id, order[pos + b]);
          expected_samples.push_back(ds->get(order[pos + b], epoch));
        }
        // Oracle: collate of the samples fetched directly.
        EXPECT_TRUE(torch::equal(batch->images, collate(expected_samples).images));
        pos += batch->size();
      }
      EXPECT_EQ(pos, 11u);
      EXPECT_FALSE(loader.next().has_value());
    }
  }
}

TEST(Collate, PadsToTheLargestImage) {
  Sample a, b;
  a.image = torch::ones({3, 2, 5});
  b.image = torch::full({3, 4, 3}, 2.0f);
  for (Sample* s : {&a, &b}) {
    s->gt_boxes = torch::zeros({0, 4});
    s->gt_labels = torch::zeros({0}, torch::kInt64);
    s->gt_boxes_ignore = torch::zeros({0, 4});
  }
  const Batch batch = collate({a, b});
  ASSERT_EQ(batch.images.sizes(), (std::vector<int64_t>{2, 3, 4, 5}));
  EXPECT_EQ(batch.images[0].sum().item<float>(), 30.0f);
  EXPECT_EQ(batch.images[1].sum().item<float>(), 72.0f);
  EXPECT_EQ(batch.images[0][0][3][0].item<float>(), 0.0f);
  EXPECT_EQ(batch.images[1][0][0][4].item<float>(), 0.0f);
}

TEST(DataLoader, WorkerErrorIsRethrownNamingTheFile) {
  auto ds = std::make_shared<FakeDataset>(8, /*fail_at=*/5);
  DataLoaderOptions o;
  o.num_workers = 2;
  DataLoader loader(ds, std::make_shared<SequentialSampler>(8), o);
  loader.set_epoch(0);
  EXPECT_TRUE(loader.next().has_value());  // 0, 1
  EXPECT_TRUE(loader.next().has_value());  // 2, 3
  try {
    loader.next();  // 4, 5
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("img5.jpg"), std::string::npos);
  }
  EXPECT_TRUE(loader.next().has_value());  // 6, 7: the loader survives
}

TEST(DataLoader, EarlyStopAndShutdownDoNotDeadlock) {
  auto ds = std::make_shared<FakeDataset>(200);
  DataLoaderOptions o;
  o.num_workers = 2;
  o.prefetch = 3;
  const auto start = std::chrono::steady_clock::now();
  {
    DataLoader loader(ds, std::make_shared<SequentialSampler>(200), o);
    loader.set_epoch(0);
    ASSERT_TRUE(loader.next().has_value());
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    // Bounded prefetch: at most (1 delivered + prefetch + workers in flight) batches decoded.
    EXPECT_LE(ds->calls.load(), 2 * (1 + 3 + 2));
    loader.set_epoch(1);  // abandon epoch 0 mid-way
    auto b = loader.next();
    ASSERT_TRUE(b.has_value());
    EXPECT_EQ(b->images[0][0][0][0].item<float>(), 100.0f);  // epoch 1's image 0
  }  // destructor joins with batches undelivered
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
}

}  // namespace
}  // namespace ghmdet
