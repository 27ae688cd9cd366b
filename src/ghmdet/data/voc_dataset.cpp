#include "ghmdet/data/voc_dataset.h"

#include <sstream>
#include <unordered_map>

#include "ghmdet/core/error.h"
#include "ghmdet/data/coco_dataset.h"

namespace ghmdet {

const std::array<const char*, 20> kVocClasses = {
    "aeroplane", "bicycle", "bird",  "boat",      "bottle", "bus",         "car",
    "cat",       "chair",   "cow",   "diningtable", "dog",  "horse",       "motorbike",
    "person",    "pottedplant", "sheep", "sofa",  "train",  "tvmonitor"};

VOCDataset::VOCDataset(DatasetOptions options, std::vector<std::string> class_names)
    : DetectionDataset(std::move(options), std::move(class_names)) {
  if (class_names_.empty()) class_names_ = options_.classes;
  if (class_names_.empty()) class_names_.assign(kVocClasses.begin(), kVocClasses.end());
  for (size_t k = 0; k < options_.ann_files.size(); ++k) load(options_.ann_files[k], options_.img_prefixes[k]);
  finish_loading();
}

void VOCDataset::load(const std::string& ann_file, const std::string& img_prefix) {
  std::unordered_map<std::string, int64_t> label_of;
  for (size_t c = 0; c < class_names_.size(); ++c) label_of[class_names_[c]] = static_cast<int64_t>(c);

  std::istringstream list(read_voc_text(ann_file, "image list"));
  std::string line;
  while (std::getline(list, line)) {
    const auto b = line.find_first_not_of(" \t\r"), e = line.find_last_not_of(" \t\r");
    if (b == std::string::npos) continue;
    const std::string id = line.substr(b, e - b + 1);
    const std::string xml_path = join_path(img_prefix, "Annotations/" + id + ".xml");
    const VocAnnotation voc = read_voc_xml(xml_path);
    if (!options_.test_mode && std::min(voc.width, voc.height) < options_.min_size) continue;
    std::vector<float> boxes, ignore;
    std::vector<int64_t> labels, labels_ignore;
    for (size_t k = 0; k < voc.objects.size(); ++k) {
      const VocObject& o = voc.objects[k];
      auto it = label_of.find(o.name);
      if (it == label_of.end())
        throw Error(xml_path + ": object[" + std::to_string(k) + "].name: unknown class '" + o.name + "'");
      const float box[4] = {static_cast<float>(o.box[0] - 1), static_cast<float>(o.box[1] - 1),
                            static_cast<float>(o.box[2] - 1), static_cast<float>(o.box[3] - 1)};
      auto& dst = o.difficult ? ignore : boxes;
      dst.insert(dst.end(), box, box + 4);
      (o.difficult ? labels_ignore : labels).push_back(it->second);
    }
    const int64_t image_id = static_cast<int64_t>(infos_.size());
    infos_.push_back({join_path(img_prefix, "JPEGImages/" + id + ".jpg"), image_id, voc.width, voc.height});
    anns_.push_back(make_annotations(boxes, labels, ignore, labels_ignore));
  }
}

}  // namespace ghmdet
