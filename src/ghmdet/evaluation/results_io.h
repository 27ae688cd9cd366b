// COCO results files: [{"image_id", "category_id", "bbox": [x, y, w, h], "score"}, ...].
//
// Writing turns per-image Detections (x1, y1, x2, y2 in original pixels, labels 0..C-1) into
// that format with category_id = label_to_category[label]. Rows are written image by image
// (in the given order), then by label ascending, keeping the detector's row order within a label
// — the order mmdetection's results2json produces, which matters because COCOeval breaks score
// ties by file order. With `legacy_plus_one` the width is x2 - x1 + 1 (the +1 pixel convention
// of the mmdetection-v1 preset, computed in double from the float32 coordinates, like
// mmdetection's float(...) conversion); otherwise x2 - x1.
//
// Reading parses any such file (other keys are ignored); malformed entries throw ghmdet::Error
// naming the file and the entry index. validate_coco_results rejects image and category ids that
// the annotation file does not have.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "ghmdet/data/coco_json.h"
#include "ghmdet/evaluation/coco_detection.h"
#include "ghmdet/structures/detections.h"

namespace ghmdet {

struct CocoResultsOptions {
  bool legacy_plus_one = false;  // bbox w/h = x2 - x1 + 1 (mmdetection v1 and the FORK)
};

// detections[i] belongs to image image_ids[i]. Tensors may live on any device.
std::vector<CocoDetection> detections_to_coco(const std::vector<Detections>& detections,
                                              const std::vector<int64_t>& image_ids,
                                              const std::vector<int64_t>& label_to_category,
                                              const CocoResultsOptions& options = {});

// Writes the JSON array (doubles in shortest round-trip form). Throws ghmdet::Error when the
// file cannot be written or a value is not finite.
void write_coco_results(const std::string& path, const std::vector<CocoDetection>& results);

std::vector<CocoDetection> read_coco_results(const std::string& path);

// Throws ghmdet::Error naming `results_path`, the entry index and the unknown id.
void validate_coco_results(const std::vector<CocoDetection>& results, const CocoJson& ground_truth,
                           const std::string& results_path);

}  // namespace ghmdet
