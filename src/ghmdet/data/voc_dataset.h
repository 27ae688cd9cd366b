// VOCDataset — Pascal VOC in the VOCdevkit layout (mmdetection v1's VOCDataset / XMLDataset).
//
// Each (ann_file, img_prefix) pair is an ImageSets/Main/<split>.txt list of image ids and its
// year folder (VOCdevkit/VOC2007/); pairs are concatenated (07+12). Image <id> is
// <img_prefix>/JPEGImages/<id>.jpg, its boxes <img_prefix>/Annotations/<id>.xml. Boxes are
// made 0-based by subtracting 1 from every coordinate (as the reference); `difficult` objects
// become ignored boxes (kept, with their labels, for evaluation). Labels index kVocClasses.
// Training keeps images with min(w, h) >= min_size; image ids are positions in the dataset.
#pragma once

#include <array>

#include "ghmdet/data/detection_dataset.h"
#include "ghmdet/data/voc_xml.h"

namespace ghmdet {

extern const std::array<const char*, 20> kVocClasses;

class VOCDataset : public DetectionDataset {
 public:
  // `class_names` empty -> options.classes, and when that is empty too, the 20 VOC classes.
  explicit VOCDataset(DatasetOptions options, std::vector<std::string> class_names = {});

 private:
  void load(const std::string& ann_file, const std::string& img_prefix);
};

}  // namespace ghmdet
