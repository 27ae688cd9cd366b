#include "ghmdet/evaluation/results_io.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <numeric>
#include <unordered_set>

#include <fmt/format.h>
#include <simdjson.h>

#include "ghmdet/core/error.h"

namespace ghmdet {

std::vector<CocoDetection> detections_to_coco(const std::vector<Detections>& detections,
                                              const std::vector<int64_t>& image_ids,
                                              const std::vector<int64_t>& label_to_category,
                                              const CocoResultsOptions& options) {
  TORCH_CHECK(detections.size() == image_ids.size(), "detections_to_coco: ", detections.size(),
              " detection sets for ", image_ids.size(), " image ids");
  const double extra = options.legacy_plus_one ? 1.0 : 0.0;
  std::vector<CocoDetection> out;
  for (std::size_t i = 0; i < detections.size(); ++i) {
    const Detections& det = detections[i];
    const int64_t n = det.size();
    if (n == 0) continue;
    TORCH_CHECK(det.boxes.dim() == 2 && det.boxes.size(1) == 4 && det.scores.numel() == n &&
                    det.labels.numel() == n,
                "detections_to_coco: image ", image_ids[i], " has boxes ", det.boxes.sizes(),
                ", scores ", det.scores.sizes(), ", labels ", det.labels.sizes());
    // Results files are host data: one copy per image, in the float32 the detector produced.
    const auto boxes = det.boxes.to(torch::kCPU, torch::kFloat32).contiguous();
    const auto scores = det.scores.to(torch::kCPU, torch::kFloat32).contiguous();
    const auto labels = det.labels.to(torch::kCPU, torch::kInt64).contiguous();
    const float* b = boxes.data_ptr<float>();
    const float* s = scores.data_ptr<float>();
    const int64_t* l = labels.data_ptr<int64_t>();
    std::vector<int64_t> order(n);
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](int64_t a, int64_t c) { return l[a] < l[c]; });
    for (int64_t r : order) {
      if (l[r] < 0 || l[r] >= static_cast<int64_t>(label_to_category.size())) {
        throw Error(fmt::format("detections of image {}: label {} has no category id ({} known)",
                                image_ids[i], l[r], label_to_category.size()));
      }
      const double x1 = b[r * 4], y1 = b[r * 4 + 1], x2 = b[r * 4 + 2], y2 = b[r * 4 + 3];
      out.push_back(CocoDetection{image_ids[i], label_to_category[l[r]],
                                  {x1, y1, x2 - x1 + extra, y2 - y1 + extra},
                                  static_cast<double>(s[r])});
    }
  }
  return out;
}

void write_coco_results(const std::string& path, const std::vector<CocoDetection>& results) {
  fmt::memory_buffer buf;
  buf.reserve(results.size() * 110 + 2);
  buf.push_back('[');
  for (std::size_t i = 0; i < results.size(); ++i) {
    const auto& r = results[i];
    const bool finite = std::isfinite(r.score) && std::isfinite(r.bbox[0]) &&
                        std::isfinite(r.bbox[1]) && std::isfinite(r.bbox[2]) &&
                        std::isfinite(r.bbox[3]);
    if (!finite) {
      throw Error(fmt::format("{}: results entry {} (image_id {}) has a non-finite bbox or score",
                              path, i, r.image_id));
    }
    fmt::format_to(std::back_inserter(buf),
                   "{}{{\"image_id\": {}, \"category_id\": {}, \"bbox\": [{}, {}, {}, {}], "
                   "\"score\": {}}}",
                   i ? ", " : "", r.image_id, r.category_id, r.bbox[0], r.bbox[1], r.bbox[2],
                   r.bbox[3], r.score);
  }
  buf.push_back(']');
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  if (!f) throw Error(fmt::format("{}: cannot open the results file for writing", path));
  f.write(buf.data(), static_cast<std::streamsize>(buf.size()));
  f.close();
  if (!f) throw Error(fmt::format("{}: writing the results file failed", path));
}

namespace {

int64_t read_id(simdjson::dom::object entry, const char* key, const std::string& path,
                std::size_t index) {
  simdjson::dom::element value;
  if (entry[key].get(value)) {
    throw Error(fmt::format("{}: results entry {} has no \"{}\"", path, index, key));
  }
  int64_t id;
  if (value.get_int64().get(id)) {
    throw Error(fmt::format("{}: results entry {}: \"{}\" must be an integer", path, index, key));
  }
  return id;
}

double read_number(simdjson::dom::element value, const std::string& path, std::size_t index,
                   const std::string& key) {
  double x;
  if (value.get_double().get(x)) {
    throw Error(fmt::format("{}: results entry {}: \"{}\" must be a number", path, index, key));
  }
  return x;
}

}  // namespace

std::vector<CocoDetection> read_coco_results(const std::string& path) {
  {
    std::ifstream probe(path);
    if (!probe) throw Error(fmt::format("{}: cannot open the results file", path));
  }
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (auto err = parser.load(path).get(doc)) {
    throw Error(fmt::format("{}: not valid JSON ({})", path, simdjson::error_message(err)));
  }
  simdjson::dom::array entries;
  if (doc.get_array().get(entries)) {
    throw Error(fmt::format("{}: a results file must be a JSON array of detections", path));
  }
  std::vector<CocoDetection> out;
  out.reserve(entries.size());
  std::size_t index = 0;
  for (simdjson::dom::element e : entries) {
    simdjson::dom::object entry;
    if (e.get_object().get(entry)) {
      throw Error(fmt::format("{}: results entry {} is not an object", path, index));
    }
    CocoDetection d;
    d.image_id = read_id(entry, "image_id", path, index);
    d.category_id = read_id(entry, "category_id", path, index);
    simdjson::dom::element bbox_value, score_value;
    simdjson::dom::array bbox;
    if (entry["bbox"].get(bbox_value)) {
      throw Error(fmt::format("{}: results entry {} has no \"bbox\"", path, index));
    }
    if (bbox_value.get_array().get(bbox) || bbox.size() != 4) {
      throw Error(fmt::format("{}: results entry {}: \"bbox\" must be [x, y, w, h]", path, index));
    }
    int c = 0;
    for (simdjson::dom::element v : bbox) d.bbox[c++] = read_number(v, path, index, "bbox");
    if (entry["score"].get(score_value)) {
      throw Error(fmt::format("{}: results entry {} has no \"score\"", path, index));
    }
    d.score = read_number(score_value, path, index, "score");
    out.push_back(d);
    ++index;
  }
  return out;
}

void validate_coco_results(const std::vector<CocoDetection>& results, const CocoJson& ground_truth,
                           const std::string& results_path) {
  std::unordered_set<int64_t> images, categories;
  for (const auto& im : ground_truth.images) images.insert(im.id);
  for (const auto& c : ground_truth.categories) categories.insert(c.id);
  for (std::size_t i = 0; i < results.size(); ++i) {
    if (!images.count(results[i].image_id)) {
      throw Error(fmt::format("{}: results entry {}: image_id {} is not in {}", results_path, i,
                              results[i].image_id, ground_truth.path));
    }
    if (!categories.count(results[i].category_id)) {
      throw Error(fmt::format("{}: results entry {}: category_id {} is not in {}", results_path,
                              i, results[i].category_id, ground_truth.path));
    }
  }
}

}  // namespace ghmdet
