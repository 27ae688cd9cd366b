#include "ghmdet/data/dataset_check.h"

#include <opencv2/core.hpp>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <unordered_map>

#include "ghmdet/core/error.h"
#include "ghmdet/data/coco_dataset.h"
#include "ghmdet/data/coco_json.h"
#include "ghmdet/data/image_file.h"
#include "ghmdet/data/voc_dataset.h"

namespace ghmdet {
namespace {

class Checker {
 public:
  Checker(const DatasetCheckOptions& options, int64_t max_pixels, DatasetCheckReport& report)
      : options_(options), max_pixels_(max_pixels), r_(report) {}

  void problem(const std::string& message) {
    ++r_.problem_count;
    if (static_cast<int64_t>(r_.problems.size()) < options_.max_problems) r_.problems.push_back(message);
  }

  void image(const std::string& file, int64_t width, int64_t height, const std::string& where) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(file, ec)) {
      problem(file + ": image file not found (" + where + ")");
      return;
    }
    if (!options_.decode_images) return;
    cv::Mat img;
    try {
      img = read_image(file, max_pixels_);  // truncated files and oversized declarations too
    } catch (const Error& e) {
      problem(std::string(e.what()) + " (" + where + ")");
      return;
    }
    if (img.cols != width || img.rows != height) {
      problem(file + ": decoded size " + std::to_string(img.cols) + "x" + std::to_string(img.rows) +
              " differs from the annotation's " + std::to_string(width) + "x" + std::to_string(height) + " (" +
              where + ")");
    }
  }

  // Box in inclusive corners; (w, h) of its image.
  void box(double x1, double y1, double x2, double y2, int64_t label, bool ignored, int64_t w, int64_t h,
           const std::string& where) {
    if (x2 < x1 || y2 < y1) {
      problem(where + ": inverted or empty box [" + fmt(x1) + ", " + fmt(y1) + ", " + fmt(x2) + ", " + fmt(y2) + "]");
      return;
    }
    if (x1 < 0 || y1 < 0 || x2 > w - 1 || y2 > h - 1)
      problem(where + ": box [" + fmt(x1) + ", " + fmt(y1) + ", " + fmt(x2) + ", " + fmt(y2) +
              "] leaves the " + std::to_string(w) + "x" + std::to_string(h) + " image");
    if (ignored) {
      ++r_.ignored_boxes;
      return;
    }
    ++r_.boxes;
    if (label >= 0 && label < static_cast<int64_t>(r_.boxes_per_class.size())) ++r_.boxes_per_class[label];
    const double side = std::sqrt((x2 - x1 + 1) * (y2 - y1 + 1));
    int bin = 0;
    for (double edge = 8; bin < 7 && side >= edge; edge *= 2) ++bin;
    ++r_.size_histogram[bin];
  }

  static std::string fmt(double v) {
    std::ostringstream s;
    s << v;
    return s.str();
  }

 private:
  const DatasetCheckOptions& options_;
  int64_t max_pixels_;
  DatasetCheckReport& r_;
};

void check_coco(const std::string& ann_file, const std::string& prefix, Checker& check, DatasetCheckReport& r) {
  CocoJson coco;
  try {
    coco = read_coco_json(ann_file, /*check_references=*/false);
  } catch (const Error& e) {
    check.problem(e.what());
    return;
  }
  std::map<int64_t, std::string> cats;
  for (size_t i = 0; i < coco.categories.size(); ++i) {
    if (!cats.emplace(coco.categories[i].id, coco.categories[i].name).second)
      check.problem(ann_file + ": categories[" + std::to_string(i) + "].id: duplicate category id " +
                    std::to_string(coco.categories[i].id));
  }
  if (r.class_names.empty()) {
    for (const auto& [id, name] : cats) r.class_names.push_back(name);
    r.boxes_per_class.assign(r.class_names.size(), 0);
  }
  std::unordered_map<int64_t, int64_t> label_of;
  int64_t label = 0;
  for (const auto& [id, name] : cats) label_of[id] = label++;
  std::unordered_map<int64_t, size_t> image_pos;
  for (size_t i = 0; i < coco.images.size(); ++i) {
    if (!image_pos.emplace(coco.images[i].id, i).second)
      check.problem(ann_file + ": images[" + std::to_string(i) + "].id: duplicate image id " +
                    std::to_string(coco.images[i].id));
  }
  std::vector<int64_t> boxes_of(coco.images.size(), 0);
  for (size_t i = 0; i < coco.annotations.size(); ++i) {
    const CocoAnnotation& a = coco.annotations[i];
    const std::string where = ann_file + ": annotations[" + std::to_string(i) + "]";
    auto img = image_pos.find(a.image_id);
    auto cat = label_of.find(a.category_id);
    if (img == image_pos.end()) check.problem(where + ".image_id: unknown image id " + std::to_string(a.image_id));
    if (cat == label_of.end())
      check.problem(where + ".category_id: unknown category id " + std::to_string(a.category_id));
    if (img == image_pos.end() || cat == label_of.end()) continue;
    const CocoImage& im = coco.images[img->second];
    const auto& b = a.bbox;
    check.box(b[0], b[1], b[0] + b[2] - 1, b[1] + b[3] - 1, cat->second, a.iscrowd || a.ignore, im.width, im.height,
              where + ".bbox");
    if (!a.iscrowd && !a.ignore) ++boxes_of[img->second];
  }
  for (size_t i = 0; i < coco.images.size(); ++i) {
    ++r.images;
    if (boxes_of[i] == 0) ++r.images_without_boxes;
    check.image(join_path(prefix, coco.images[i].file_name), coco.images[i].width, coco.images[i].height,
                ann_file + ": images[" + std::to_string(i) + "]");
  }
}

void check_voc(const std::string& ann_file, const std::string& prefix, const std::vector<std::string>& classes,
               Checker& check, DatasetCheckReport& r) {
  if (r.class_names.empty()) {
    r.class_names = classes;
    r.boxes_per_class.assign(classes.size(), 0);
  }
  std::ifstream list(ann_file);
  if (!list) {
    check.problem(ann_file + ": cannot read the image list");
    return;
  }
  std::unordered_map<std::string, int64_t> label_of;
  for (size_t c = 0; c < classes.size(); ++c) label_of[classes[c]] = static_cast<int64_t>(c);
  std::string line;
  while (std::getline(list, line)) {
    const auto b = line.find_first_not_of(" \t\r"), e = line.find_last_not_of(" \t\r");
    if (b == std::string::npos) continue;
    const std::string id = line.substr(b, e - b + 1);
    const std::string xml = join_path(prefix, "Annotations/" + id + ".xml");
    VocAnnotation voc;
    try {
      voc = read_voc_xml(xml);
    } catch (const Error& err) {
      check.problem(err.what());
      continue;
    }
    ++r.images;
    int64_t kept = 0;
    for (size_t k = 0; k < voc.objects.size(); ++k) {
      const VocObject& o = voc.objects[k];
      const std::string where = xml + ": object[" + std::to_string(k) + "]";
      auto it = label_of.find(o.name);
      if (it == label_of.end()) {
        check.problem(where + ".name: unknown class '" + o.name + "'");
        continue;
      }
      // VOC boxes are 1-based; the check runs on the 0-based boxes the dataset uses.
      check.box(o.box[0] - 1, o.box[1] - 1, o.box[2] - 1, o.box[3] - 1, it->second, o.difficult, voc.width,
                voc.height, where + ".bndbox");
      kept += !o.difficult;
    }
    if (kept == 0) ++r.images_without_boxes;
    check.image(join_path(prefix, "JPEGImages/" + id + ".jpg"), voc.width, voc.height, xml);
  }
}

}  // namespace

DatasetCheckReport check_dataset(const std::string& type, const DatasetOptions& dataset,
                                 const DatasetCheckOptions& options) {
  if (type != "CocoDataset" && type != "VOCDataset")
    throw Error("unknown dataset type '" + type + "' (known: CocoDataset, VOCDataset)");
  if (dataset.ann_files.size() != dataset.img_prefixes.size())
    throw Error("dataset: ann_file and img_prefix differ in length");
  DatasetCheckReport report;
  Checker check(options, dataset.max_image_pixels, report);
  std::vector<std::string> voc_classes = dataset.classes;
  if (voc_classes.empty()) voc_classes.assign(kVocClasses.begin(), kVocClasses.end());
  for (size_t k = 0; k < dataset.ann_files.size(); ++k) {
    if (type == "CocoDataset") {
      check_coco(dataset.ann_files[k], dataset.img_prefixes[k], check, report);
    } else {
      check_voc(dataset.ann_files[k], dataset.img_prefixes[k], voc_classes, check, report);
    }
  }
  if (report.images == 0) {
    std::string files;
    for (const auto& f : dataset.ann_files) files += (files.empty() ? "" : ", ") + f;
    check.problem(files + ": empty split (no images)");
  }
  return report;
}

std::string DatasetCheckReport::summary() const {
  std::ostringstream s;
  s << "images: " << images << " (" << images_without_boxes << " without boxes)\n";
  s << "boxes: " << boxes << " (+ " << ignored_boxes << " ignored)\n";
  s << "boxes per class:\n";
  for (size_t c = 0; c < class_names.size(); ++c)
    s << "  " << c << " " << class_names[c] << ": " << (c < boxes_per_class.size() ? boxes_per_class[c] : 0) << "\n";
  static const char* bins[8] = {"[0,8)", "[8,16)", "[16,32)", "[32,64)", "[64,128)", "[128,256)", "[256,512)", ">=512"};
  s << "box size (sqrt(area) px):\n";
  for (int b = 0; b < 8; ++b) s << "  " << bins[b] << ": " << size_histogram[b] << "\n";
  s << "problems: " << problem_count << "\n";
  for (const auto& p : problems) s << "  " << p << "\n";
  if (problem_count > static_cast<int64_t>(problems.size()))
    s << "  ... and " << (problem_count - static_cast<int64_t>(problems.size())) << " more\n";
  return s.str();
}

}  // namespace ghmdet
