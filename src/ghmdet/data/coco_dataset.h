// CocoDataset — a COCO "instances" file and its image folder (mmdetection v1's CocoDataset).
//
// Classes are the file's categories sorted by id; label = position in that order (0..C-1), and
// category_id(label) maps results back. Per annotation, as the reference: skipped if "ignore"
// is set, or area <= 0, or w < 1, or h < 1; box [x, y, x + w - 1, y + h - 1]; crowd boxes go to
// the ignored boxes. Images keep the file's order. Training (not test_mode) keeps only images
// that have at least one annotation in the file (crowd included) and min(w, h) >= min_size.
// Several ann_files are concatenated.
#pragma once

#include <unordered_map>

#include "ghmdet/data/detection_dataset.h"

namespace ghmdet {

class CocoDataset : public DetectionDataset {
 public:
  explicit CocoDataset(DatasetOptions options);

  const std::vector<int64_t>& category_ids() const { return cat_ids_; }
  int64_t category_id(int64_t label) const;
  int64_t label_of(int64_t category_id) const;  // Error for an unknown id

 private:
  void load(const std::string& ann_file, const std::string& img_prefix);

  std::vector<int64_t> cat_ids_;
  std::unordered_map<int64_t, int64_t> label_of_;
};

// Joins a folder and a file name as os.path.join does (an empty prefix leaves the name alone).
std::string join_path(const std::string& prefix, const std::string& name);

}  // namespace ghmdet
