#include "ghmdet/data/collate.h"

#include <algorithm>

namespace ghmdet {

Batch collate(std::vector<Sample> samples, bool pin) {
  TORCH_CHECK(!samples.empty(), "collate: no samples");
  int64_t h = 0, w = 0;
  for (const Sample& s : samples) {
    TORCH_CHECK(s.image.dim() == 3 && s.image.size(0) == 3, "collate: images must be [3, H, W]");
    h = std::max(h, s.image.size(1));
    w = std::max(w, s.image.size(2));
  }
  const int64_t b = static_cast<int64_t>(samples.size());
  Batch batch;
  auto options = samples[0].image.options();
  if (pin) options = options.pinned_memory(true);
  batch.images = torch::empty({b, 3, h, w}, options);
  for (int64_t i = 0; i < b; ++i) {
    const Sample& s = samples[i];
    torch::Tensor dst = batch.images[i];
    const int64_t sh = s.image.size(1), sw = s.image.size(2);
    if (sh == h && sw == w) {
      dst.copy_(s.image);
    } else {
      dst.zero_();
      dst.narrow(1, 0, sh).narrow(2, 0, sw).copy_(s.image);
    }
  }
  batch.metas.reserve(samples.size());
  for (Sample& s : samples) {
    batch.metas.push_back(std::move(s.meta));
    batch.gt_boxes.push_back(std::move(s.gt_boxes));
    batch.gt_labels.push_back(std::move(s.gt_labels));
    batch.gt_boxes_ignore.push_back(std::move(s.gt_boxes_ignore));
  }
  return batch;
}

}  // namespace ghmdet
