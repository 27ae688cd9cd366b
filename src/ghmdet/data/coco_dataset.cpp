#include "ghmdet/data/coco_dataset.h"

#include <algorithm>
#include <filesystem>
#include <unordered_set>

#include "ghmdet/core/error.h"
#include "ghmdet/data/coco_json.h"

namespace ghmdet {

std::string join_path(const std::string& prefix, const std::string& name) {
  if (prefix.empty()) return name;
  return (std::filesystem::path(prefix) / name).string();
}

CocoDataset::CocoDataset(DatasetOptions options) : DetectionDataset(std::move(options), {}) {
  for (size_t k = 0; k < options_.ann_files.size(); ++k) load(options_.ann_files[k], options_.img_prefixes[k]);
  finish_loading();
}

int64_t CocoDataset::category_id(int64_t label) const {
  TORCH_CHECK(label >= 0 && label < static_cast<int64_t>(cat_ids_.size()), "label ", label,
              " out of range for ", cat_ids_.size(), " classes");
  return cat_ids_[label];
}

int64_t CocoDataset::label_of(int64_t category_id) const {
  auto it = label_of_.find(category_id);
  if (it == label_of_.end()) throw Error("unknown COCO category id " + std::to_string(category_id));
  return it->second;
}

void CocoDataset::load(const std::string& ann_file, const std::string& img_prefix) {
  const CocoJson coco = read_coco_json(ann_file);
  // Categories: the first file defines them; later files must agree (concatenated splits).
  std::vector<std::pair<int64_t, std::string>> cats;
  for (const auto& c : coco.categories) cats.emplace_back(c.id, c.name);
  std::sort(cats.begin(), cats.end());
  if (cat_ids_.empty()) {
    for (const auto& [id, name] : cats) {
      label_of_[id] = static_cast<int64_t>(cat_ids_.size());
      cat_ids_.push_back(id);
      class_names_.push_back(name);
    }
  } else {
    bool same = cats.size() == cat_ids_.size();
    for (size_t k = 0; same && k < cats.size(); ++k) same = cats[k].first == cat_ids_[k];
    if (!same) throw Error(ann_file + ": categories: differ from those of " + options_.ann_files[0]);
  }

  std::unordered_map<int64_t, size_t> image_pos;
  image_pos.reserve(coco.images.size() * 2);
  for (size_t i = 0; i < coco.images.size(); ++i) image_pos[coco.images[i].id] = i;

  struct Lists {
    std::vector<float> boxes, ignore;
    std::vector<int64_t> labels, labels_ignore;
    bool any_annotation = false;
  };
  std::vector<Lists> per_image(coco.images.size());
  for (const auto& a : coco.annotations) {
    Lists& l = per_image[image_pos.at(a.image_id)];
    l.any_annotation = true;
    if (a.ignore) continue;
    const double x = a.bbox[0], y = a.bbox[1], w = a.bbox[2], h = a.bbox[3];
    if (a.area <= 0 || w < 1 || h < 1) continue;
    const float box[4] = {static_cast<float>(x), static_cast<float>(y), static_cast<float>(x + w - 1),
                          static_cast<float>(y + h - 1)};
    const int64_t label = label_of_.at(a.category_id);
    if (a.iscrowd) {
      l.ignore.insert(l.ignore.end(), box, box + 4);
      l.labels_ignore.push_back(label);
    } else {
      l.boxes.insert(l.boxes.end(), box, box + 4);
      l.labels.push_back(label);
    }
  }
  for (size_t i = 0; i < coco.images.size(); ++i) {
    const CocoImage& img = coco.images[i];
    if (!options_.test_mode &&
        (!per_image[i].any_annotation || std::min(img.width, img.height) < options_.min_size))
      continue;
    infos_.push_back({join_path(img_prefix, img.file_name), img.id, img.width, img.height});
    const Lists& l = per_image[i];
    anns_.push_back(make_annotations(l.boxes, l.labels, l.ignore, l.labels_ignore));
  }
}

}  // namespace ghmdet
