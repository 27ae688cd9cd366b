// Detection pictures (`ghmdet test --show-dir`, `ghmdet demo`, `ghmdet infer --show-dir`): an
// image with the detector's boxes (solid, 2 px, class name and score on a filled tag above) and,
// when given, its ground truth (thin dashed 1 px boxes in the same class colour, the class name
// below the box), so hits, misses and false alarms show in one picture.
//
// Boxes are (x1, y1, x2, y2) in the image's original pixels; `zoom` scales them onto an image
// that was enlarged (picture_zoom: small scenes are drawn at >= kMinPictureSide so that labels
// stay readable). A class keeps its colour across pictures (class_colour). Ground truth is drawn
// first, so detections lie on top of it.
#pragma once

#include <opencv2/core.hpp>
#include <torch/torch.h>

#include <cstdint>
#include <string>
#include <vector>

#include "ghmdet/structures/detections.h"

namespace ghmdet::viz {

constexpr int kMinPictureSide = 320;
// The ground truth's dash pattern along each edge, in pixels of the (zoomed) picture: starting at
// the box's corner, kGtDash pixels drawn, kGtGap pixels left as they were.
constexpr int kGtDash = 4;
constexpr int kGtGap = 3;

// BGR, far apart in hue (golden-angle steps), fixed per class.
cv::Scalar class_colour(int64_t label);

// >= 1: what makes the picture's shorter side at least kMinPictureSide.
double picture_zoom(int rows, int cols);

// Detections with score >= score_thr; returns how many were drawn.
int64_t draw_detections(cv::Mat& image, const Detections& detections, const std::vector<std::string>& names,
                        double score_thr, double zoom);

// boxes float [K, 4], labels int64 [K] (any device).
void draw_ground_truth(cv::Mat& image, const torch::Tensor& boxes, const torch::Tensor& labels,
                       const std::vector<std::string>& names, double zoom);

struct GroundTruthBoxes {
  torch::Tensor boxes;   // float [K, 4]; undefined or empty: none drawn
  torch::Tensor labels;  // int64 [K]
};

// Reads image_file, enlarges it, draws `ground_truth` (when not null) and the detections, and
// writes the picture to out_file. Returns the number of detections drawn. An unreadable image or
// unwritable picture throws ghmdet::Error naming the file.
int64_t write_detection_picture(const std::string& image_file, const std::string& out_file,
                                const Detections& detections, const GroundTruthBoxes* ground_truth,
                                const std::vector<std::string>& names, double score_thr);

}  // namespace ghmdet::viz
