#include "gpu/generated_batches.h"

#include <algorithm>

namespace ghmdet::bench {

namespace {
int64_t round_up_32(int64_t v) { return (v + 31) / 32 * 32; }
}  // namespace

Batch generated_batch(const GeneratedBatchesOptions& o, uint64_t seed) {
  torch::Generator gen = at::detail::createCPUGenerator(seed);
  const int64_t pad_h = round_up_32(o.img_h()), pad_w = round_up_32(o.img_w());
  Batch b;
  b.images = torch::zeros({o.batch_size(), 3, pad_h, pad_w});
  for (int64_t i = 0; i < o.batch_size(); ++i) {
    auto image = b.images[i].narrow(1, 0, o.img_h()).narrow(2, 0, o.img_w());
    image.copy_(0.3 * torch::randn({3, o.img_h(), o.img_w()}, gen));
    const int64_t k = 1 + torch::randint(o.max_boxes(), {1}, gen).item<int64_t>();
    // Sides between 1/8 and 1/2 of the shorter image side: every FPN level gets positives.
    const double side = static_cast<double>(std::min(o.img_h(), o.img_w()));
    const auto wh = (0.125 + 0.375 * torch::rand({k, 2}, gen)) * side;
    const auto room = torch::tensor({static_cast<float>(o.img_w()), static_cast<float>(o.img_h())});
    const auto xy = torch::rand({k, 2}, gen) * (room - wh - 1);
    const auto boxes = torch::cat({xy, xy + wh}, 1).round();
    const auto labels = torch::randint(o.num_classes(), {k}, gen, torch::kInt64);
    for (int64_t j = 0; j < k; ++j) {
      const auto x1 = boxes[j][0].item<int64_t>(), y1 = boxes[j][1].item<int64_t>();
      const auto x2 = boxes[j][2].item<int64_t>(), y2 = boxes[j][3].item<int64_t>();
      // A class-dependent colour, so the class is learnable from the pixels.
      const double c = static_cast<double>(labels[j].item<int64_t>()) / std::max<int64_t>(o.num_classes() - 1, 1);
      const auto colour = torch::tensor({static_cast<float>(1.5 + c), static_cast<float>(2.5 - c), 2.0f});
      image.narrow(1, y1, y2 - y1).narrow(2, x1, x2 - x1).copy_(colour.view({3, 1, 1}).expand({3, y2 - y1, x2 - x1}));
    }
    ImageMeta m;
    m.image_id = static_cast<int64_t>(seed) * o.batch_size() + i;
    m.ori_shape = m.img_shape = {o.img_h(), o.img_w()};
    m.pad_shape = {pad_h, pad_w};
    b.metas.push_back(m);
    b.gt_boxes.push_back(boxes);
    b.gt_labels.push_back(labels);
    b.gt_boxes_ignore.push_back(torch::zeros({0, 4}));
  }
  return b;
}

GeneratedBatches::GeneratedBatches(GeneratedBatchesOptions options) : options_(std::move(options)) {
  for (int64_t p = 0; p < options_.pool(); ++p) pool_.push_back(generated_batch(options_, options_.seed() + p));
}

std::optional<Batch> GeneratedBatches::next() {
  if (cursor_ >= options_.num_batches()) return std::nullopt;
  return pool_[static_cast<size_t>(cursor_++ % options_.pool())];
}

}  // namespace ghmdet::bench
