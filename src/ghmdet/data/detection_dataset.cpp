#include "ghmdet/data/detection_dataset.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <mutex>
#include <unordered_set>

#include "ghmdet/core/error.h"
#include "ghmdet/data/image_file.h"
#include "ghmdet/data/random_draw.h"

namespace ghmdet {
namespace {

enum Stream : uint64_t { kFlip = 1, kScaleA = 2, kScaleB = 3, kReplace = 4 };

// With skip_corrupt_images, how many unreadable images in a row may be passed over before the
// dataset is taken for broken.
constexpr int64_t kMaxSkipsInARow = 100;

// Most images have no ignored boxes: they share one empty tensor (nobody mutates annotations).
torch::Tensor boxes_tensor(const std::vector<float>& flat) {
  static const torch::Tensor empty = torch::zeros({0, 4}, torch::kFloat32);
  if (flat.empty()) return empty;
  const int64_t k = static_cast<int64_t>(flat.size() / 4);
  return torch::from_blob(const_cast<float*>(flat.data()), {k, 4}, torch::kFloat32).clone();
}

torch::Tensor labels_tensor(const std::vector<int64_t>& labels) {
  static const torch::Tensor empty = torch::zeros({0}, torch::kInt64);
  if (labels.empty()) return empty;
  return torch::from_blob(const_cast<int64_t*>(labels.data()), {static_cast<int64_t>(labels.size())},
                          torch::kInt64)
      .clone();
}

}  // namespace

Annotations make_annotations(const std::vector<float>& boxes, const std::vector<int64_t>& labels,
                             const std::vector<float>& boxes_ignore,
                             const std::vector<int64_t>& labels_ignore) {
  TORCH_CHECK(boxes.size() == labels.size() * 4 && boxes_ignore.size() == labels_ignore.size() * 4,
              "make_annotations: boxes and labels differ in length");
  return {boxes_tensor(boxes), labels_tensor(labels), boxes_tensor(boxes_ignore),
          labels_tensor(labels_ignore)};
}

struct DetectionDataset::SkipRecord {
  std::mutex mutex;
  std::unordered_set<std::string> seen;
  std::vector<std::string> files;
};

DetectionDataset::DetectionDataset(DatasetOptions options, std::vector<std::string> class_names)
    : options_(std::move(options)), class_names_(std::move(class_names)), skipped_(std::make_shared<SkipRecord>()) {
  if (options_.skip_corrupt_images && options_.test_mode)
    throw Error("dataset: skip_corrupt_images is for training sets; an evaluation must read every image");
  if (options_.ann_files.empty()) throw Error("dataset: ann_file is empty");
  if (options_.ann_files.size() != options_.img_prefixes.size())
    throw Error("dataset: ann_file lists " + std::to_string(options_.ann_files.size()) +
                " files but img_prefix lists " + std::to_string(options_.img_prefixes.size()));
  if (options_.transform.img_scales.empty()) throw Error("dataset: img_scale is empty");
  if (options_.transform.multiscale_mode != "value" && options_.transform.multiscale_mode != "range")
    throw Error("dataset: multiscale_mode must be 'value' or 'range', found '" +
                options_.transform.multiscale_mode + "'");
}

void DetectionDataset::finish_loading() {
  for (auto& pool : pools_) pool.clear();
  for (int64_t i = 0; i < size(); ++i) {
    if (anns_[i].labels.numel() > 0) pools_[infos_[i].aspect_group()].push_back(i);
  }
}

std::vector<std::string> DetectionDataset::skipped_images() const {
  std::lock_guard<std::mutex> lock(skipped_->mutex);
  return skipped_->files;
}

const ImageInfo& DetectionDataset::info(int64_t index) const {
  TORCH_CHECK(index >= 0 && index < size(), "dataset index ", index, " out of range [0, ", size(), ")");
  return infos_[index];
}

const Annotations& DetectionDataset::annotations(int64_t index) const {
  TORCH_CHECK(index >= 0 && index < size(), "dataset index ", index, " out of range [0, ", size(), ")");
  return anns_[index];
}

int64_t DetectionDataset::resolve(int64_t index, int64_t epoch) const {
  if (options_.test_mode || anns_[index].labels.numel() > 0) return index;
  const auto& pool = pools_[infos_[index].aspect_group()];
  if (pool.empty())
    throw Error(infos_[index].file + ": has no boxes and no image of the same orientation has any "
                "to replace it with (empty training split?)");
  const uint64_t key = draw_key(options_.seed, epoch, index, kReplace);
  return pool[key % pool.size()];
}

Sample DetectionDataset::get(int64_t index, int64_t epoch) const {
  TORCH_CHECK(index >= 0 && index < size(), "dataset index ", index, " out of range [0, ", size(), ")");
  int64_t i = resolve(index, epoch);
  cv::Mat bgr;
  // With skip_corrupt_images an unreadable image is replaced by the image the next index
  // resolves to (deterministic, so a resumed run sees the same data), skipping those that
  // failed here already.
  std::vector<int64_t> unreadable;
  for (int64_t next = index;;) {
    try {
      bgr = read_image(infos_[i].file, options_.max_image_pixels);
      break;
    } catch (const Error& e) {
      if (!options_.skip_corrupt_images) throw;
      {
        std::lock_guard<std::mutex> lock(skipped_->mutex);
        if (skipped_->seen.insert(infos_[i].file).second) {
          skipped_->files.push_back(infos_[i].file);
          spdlog::warn("{} (skipped: skip_corrupt_images)", e.what());
        }
      }
      unreadable.push_back(i);
      if (static_cast<int64_t>(unreadable.size()) >= kMaxSkipsInARow)
        throw Error(fmt::format("{} images in a row could not be read (skip_corrupt_images); the last: {}",
                                unreadable.size(), e.what()));
      do {
        next = (next + 1) % size();
        if (next == index)
          throw Error(fmt::format("no image of the dataset can be read (skip_corrupt_images); the last: {}", e.what()));
        i = resolve(next, epoch);
      } while (std::find(unreadable.begin(), unreadable.end(), i) != unreadable.end());
    }
  }
  const ImageInfo& inf = infos_[i];
  const Annotations& ann = anns_[i];

  const auto& t = options_.transform;
  const bool flip = !options_.test_mode && t.flip_ratio > 0 &&
                    uniform01(draw_key(options_.seed, epoch, i, kFlip)) < t.flip_ratio;
  // Test mode never draws: it uses the first scale (several scales at test time would be
  // test-time augmentation, which the reference's single-scale protocol does not use).
  const auto scale = options_.test_mode
                         ? t.img_scales.front()
                         : choose_scale(t, uniform01(draw_key(options_.seed, epoch, i, kScaleA)),
                                        uniform01(draw_key(options_.seed, epoch, i, kScaleB)));
  Sample s;
  s.meta.file = inf.file;
  s.meta.image_id = inf.image_id;
  s.image = transform_image(bgr, scale, flip, t, s.meta);
  s.gt_boxes = transform_boxes(ann.boxes, s.meta);
  s.gt_labels = ann.labels;
  s.gt_boxes_ignore = options_.with_crowd ? transform_boxes(ann.boxes_ignore, s.meta)
                                          : torch::zeros({0, 4}, torch::kFloat32);
  return s;
}

}  // namespace ghmdet
