// Sharded evaluation: the shards cover the dataset once, and the detections survive the byte
// format that carries them to rank 0.
#include <gtest/gtest.h>

#include <set>

#include "ghmdet/data/shard_sampler.h"
#include "ghmdet/core/error.h"
#include "ghmdet/engine/distributed/detections_gather.h"

namespace ghmdet {
namespace {

TEST(ShardSampler, ShardsCoverTheDatasetOnceInterleaved) {
  std::set<int64_t> seen;
  int64_t total = 0;
  for (int64_t rank = 0; rank < 3; ++rank) {
    const ShardSampler s(10, 3, rank);
    const auto idx = s.indices(0);
    EXPECT_EQ(static_cast<int64_t>(idx.size()), s.size());
    for (size_t k = 0; k < idx.size(); ++k) EXPECT_EQ(idx[k], static_cast<int64_t>(k) * 3 + rank);
    seen.insert(idx.begin(), idx.end());
    total += s.size();
  }
  EXPECT_EQ(total, 10);
  EXPECT_EQ(seen.size(), 10u);
  EXPECT_EQ(ShardSampler(1, 2, 1).size(), 0);
  EXPECT_THROW(ShardSampler(5, 2, 2), Error);
}

TEST(DetectionsGather, BytesRoundTrip) {
  std::vector<ImageDetections> in(2);
  in[0].meta.file = "val/0001.jpg";
  in[0].meta.image_id = 17;
  in[0].meta.ori_shape = {160, 150};
  in[0].meta.img_shape = {160, 150};
  in[0].meta.pad_shape = {160, 160};
  in[0].meta.scale_factor = 1.25;
  in[0].meta.flip = true;
  in[0].detections.boxes = torch::rand({3, 4});
  in[0].detections.scores = torch::rand({3});
  in[0].detections.labels = torch::tensor({0, 4, 9}, torch::kInt64);
  in[1].meta.image_id = 18;  // no detections at all
  const auto out = deserialize_detections(serialize_detections(in));
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].meta.file, "val/0001.jpg");
  EXPECT_EQ(out[0].meta.image_id, 17);
  EXPECT_EQ(out[0].meta.ori_shape, in[0].meta.ori_shape);
  EXPECT_EQ(out[0].meta.pad_shape, in[0].meta.pad_shape);
  EXPECT_EQ(out[0].meta.scale_factor, 1.25);
  EXPECT_TRUE(out[0].meta.flip);
  EXPECT_TRUE(torch::equal(out[0].detections.boxes, in[0].detections.boxes));
  EXPECT_TRUE(torch::equal(out[0].detections.scores, in[0].detections.scores));
  EXPECT_TRUE(torch::equal(out[0].detections.labels, in[0].detections.labels));
  EXPECT_EQ(out[1].meta.image_id, 18);
  EXPECT_EQ(out[1].detections.size(), 0);
  auto bytes = serialize_detections(in);
  bytes.pop_back();
  EXPECT_THROW(deserialize_detections(bytes), Error);
}

}  // namespace
}  // namespace ghmdet
