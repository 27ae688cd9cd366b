// CocoJson — the raw content of a COCO "instances" annotation file, as written in the file.
//
// Nothing is converted: boxes stay (x, y, w, h) in the file's pixels, ids stay COCO ids, and the
// lists keep the file's order. Datasets (CocoDataset) and the COCO evaluator build their own
// views on top. read_coco_json guarantees on return:
//  * every image id and category id is unique;
//  * every annotation's image_id and category_id name an image / category of the file;
//  * every bbox has exactly 4 finite numbers (w, h may still be <= 0: filtering is the
//    dataset's policy, and check-dataset reports them).
// Optional fields: annotation "id" (defaults to its 1-based position), "area" (defaults to
// w * h), "iscrowd" (0/1 or bool, default false), "ignore" (default false); category
// "supercategory" (default ""). "segmentation" and any unknown key are skipped unparsed.
// Every failure is a ghmdet::Error "<path>:<line>:<column>: <field>: <problem>".
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace ghmdet {

struct CocoImage {
  int64_t id = 0;
  std::string file_name;
  int64_t width = 0;
  int64_t height = 0;
};

struct CocoAnnotation {
  int64_t id = 0;
  int64_t image_id = 0;
  int64_t category_id = 0;
  std::array<double, 4> bbox{0, 0, 0, 0};  // x, y, w, h as in the file
  double area = 0;
  bool iscrowd = false;
  bool ignore = false;  // the optional "ignore" flag some converted datasets carry
};

struct CocoCategory {
  int64_t id = 0;
  std::string name;
  std::string supercategory;
};

struct CocoJson {
  std::string path;
  std::vector<CocoImage> images;
  std::vector<CocoAnnotation> annotations;
  std::vector<CocoCategory> categories;
};

// Reads and validates `path` (simdjson on-demand; memory ≈ 2× the file size).
// check_references=false skips the id cross-checks (duplicate ids, unknown image_id /
// category_id) for tools that want to report every such problem rather than stop at the first.
CocoJson read_coco_json(const std::string& path, bool check_references = true);
// The same from text already in memory (`name` is used in messages in place of a path).
CocoJson parse_coco_json(std::string_view text, const std::string& name, bool check_references = true);

}  // namespace ghmdet
