// DetectionDataset — the shared part of CocoDataset and VOCDataset (mmdetection's
// CustomDataset): per-image records loaded once by the subclass constructor, and get(), which
// decodes, transforms and (at training time) replaces images that have no boxes.
//
// Invariants after a subclass calls finish_loading():
//  * infos_.size() == anns_.size() == size(); the training filter has been applied;
//  * for every group g, pools_[g] lists the images of group g that have at least one box; an
//    image without boxes is replaced, at training time, by pools_[its group][draw], as the
//    reference's _rand_another does (same orientation, so batches stay grouped).
// The object is immutable after construction and safe to share between threads, but for the
// record of images skipped as unreadable (skip_corrupt_images), which is guarded by a mutex.
#pragma once

#include <array>
#include <memory>
#include <string>
#include <vector>

#include "ghmdet/data/dataset.h"
#include "ghmdet/data/image_file.h"
#include "ghmdet/data/transforms.h"

namespace ghmdet {

struct DatasetOptions {
  // One or more annotation sources with their image folders (VOC 07+12 lists two).
  std::vector<std::string> ann_files;
  std::vector<std::string> img_prefixes;
  TransformOptions transform;
  bool with_crowd = false;  // pass ignored boxes on to the model in Sample::gt_boxes_ignore
  bool test_mode = false;   // keep every image, never flip, never replace
  int64_t min_size = 32;    // training filter: min(width, height) >= min_size
  uint64_t seed = 0;        // seeds flips, multi-scale draws and replacements
  // Class names for datasets whose files name classes (VOC XML); empty -> the dataset's default.
  std::vector<std::string> classes;
  // Images declaring more pixels are refused before decoding (image_file.h).
  int64_t max_image_pixels = kDefaultMaxImagePixels;
  // Training only: an image that cannot be read (corrupt, truncated, too large) is replaced by
  // the next readable one, logged once and listed by skipped_images(), instead of an error.
  bool skip_corrupt_images = false;
};

class DetectionDataset : public Dataset {
 public:
  int64_t size() const override { return static_cast<int64_t>(infos_.size()); }
  const std::vector<std::string>& class_names() const override { return class_names_; }
  const ImageInfo& info(int64_t index) const override;
  const Annotations& annotations(int64_t index) const override;
  Sample get(int64_t index, int64_t epoch = 0) const override;
  bool test_mode() const override { return options_.test_mode; }
  const DatasetOptions& options() const { return options_; }

  // The index get(index, epoch) actually decodes (differs only for training images without boxes).
  int64_t resolve(int64_t index, int64_t epoch) const;

  // Files skipped so far as unreadable (skip_corrupt_images), each once, in the order met.
  std::vector<std::string> skipped_images() const;

 protected:
  DetectionDataset(DatasetOptions options, std::vector<std::string> class_names);
  void finish_loading();

  DatasetOptions options_;
  std::vector<std::string> class_names_;
  std::vector<ImageInfo> infos_;
  std::vector<Annotations> anns_;


 private:
  struct SkipRecord;
  std::array<std::vector<int64_t>, 2> pools_;
  std::shared_ptr<SkipRecord> skipped_;
};

// Builds Annotations from flat lists (x1, y1, x2, y2 per box).
Annotations make_annotations(const std::vector<float>& boxes, const std::vector<int64_t>& labels,
                             const std::vector<float>& boxes_ignore,
                             const std::vector<int64_t>& labels_ignore);

}  // namespace ghmdet
