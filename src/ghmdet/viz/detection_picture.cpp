#include "ghmdet/viz/detection_picture.h"

#include <fmt/format.h>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>

#include "ghmdet/core/error.h"

namespace ghmdet::viz {
namespace {

constexpr int kFont = cv::FONT_HERSHEY_SIMPLEX;
constexpr double kFontScale = 0.4;

std::string class_name(const std::vector<std::string>& names, int64_t label) {
  return label >= 0 && label < static_cast<int64_t>(names.size()) ? names[label] : std::to_string(label);
}

cv::Point corner(const float* b, int i, double zoom) {
  return {static_cast<int>(b[i] * zoom), static_cast<int>(b[i + 1] * zoom)};
}

// One edge from a towards b (axis-aligned), dashes restarting at a.
void dashed_edge(cv::Mat& image, cv::Point a, cv::Point b, const cv::Scalar& colour) {
  const int length = std::max(std::abs(b.x - a.x), std::abs(b.y - a.y));
  const cv::Point step((b.x > a.x) - (b.x < a.x), (b.y > a.y) - (b.y < a.y));
  for (int start = 0; start <= length; start += kGtDash + kGtGap) {
    const int end = std::min(start + kGtDash - 1, length);
    cv::line(image, a + step * start, a + step * end, colour, 1, cv::LINE_8);
  }
}

}  // namespace

cv::Scalar class_colour(int64_t label) {
  cv::Mat hsv(1, 1, CV_8UC3, cv::Scalar(static_cast<double>((label * 137) % 180), 220, 255));
  cv::Mat bgr;
  cv::cvtColor(hsv, bgr, cv::COLOR_HSV2BGR);
  const auto p = bgr.at<cv::Vec3b>(0, 0);
  return cv::Scalar(p[0], p[1], p[2]);
}

double picture_zoom(int rows, int cols) {
  return std::max(1.0, static_cast<double>(kMinPictureSide) / std::max(1, std::min(rows, cols)));
}

int64_t draw_detections(cv::Mat& image, const Detections& d, const std::vector<std::string>& names, double score_thr,
                        double zoom) {
  if (d.size() == 0) return 0;
  const auto boxes = d.boxes.to(torch::kCPU, torch::kFloat32).contiguous();
  const auto scores = d.scores.to(torch::kCPU, torch::kFloat32).contiguous();
  const auto labels = d.labels.to(torch::kCPU, torch::kInt64).contiguous();
  const float* b = boxes.data_ptr<float>();
  const float* s = scores.data_ptr<float>();
  const int64_t* l = labels.data_ptr<int64_t>();
  int64_t drawn = 0;
  for (int64_t k = 0; k < d.size(); ++k) {
    if (s[k] < score_thr) continue;
    const cv::Scalar colour = class_colour(l[k]);
    const cv::Point p1 = corner(b + 4 * k, 0, zoom), p2 = corner(b + 4 * k, 2, zoom);
    cv::rectangle(image, p1, p2, colour, 2);
    const std::string text = fmt::format("{} {:.2f}", class_name(names, l[k]), s[k]);
    int baseline = 0;
    const cv::Size size = cv::getTextSize(text, kFont, kFontScale, 1, &baseline);
    const int top = std::max(0, p1.y - size.height - baseline - 2);
    cv::rectangle(image, cv::Point(p1.x, top), cv::Point(p1.x + size.width + 2, top + size.height + baseline + 2),
                  colour, cv::FILLED);
    cv::putText(image, text, cv::Point(p1.x + 1, top + size.height + 1), kFont, kFontScale, cv::Scalar(0, 0, 0), 1,
                cv::LINE_AA);
    ++drawn;
  }
  return drawn;
}

void draw_ground_truth(cv::Mat& image, const torch::Tensor& boxes_in, const torch::Tensor& labels_in,
                       const std::vector<std::string>& names, double zoom) {
  if (!boxes_in.defined() || boxes_in.size(0) == 0) return;
  const auto boxes = boxes_in.to(torch::kCPU, torch::kFloat32).contiguous();
  const auto labels = labels_in.to(torch::kCPU, torch::kInt64).contiguous();
  const float* b = boxes.data_ptr<float>();
  const int64_t* l = labels.data_ptr<int64_t>();
  for (int64_t k = 0; k < boxes.size(0); ++k) {
    const cv::Scalar colour = class_colour(l[k]);
    const cv::Point p1 = corner(b + 4 * k, 0, zoom), p2 = corner(b + 4 * k, 2, zoom);
    dashed_edge(image, p1, {p2.x, p1.y}, colour);
    dashed_edge(image, p1, {p1.x, p2.y}, colour);
    dashed_edge(image, {p1.x, p2.y}, p2, colour);
    dashed_edge(image, {p2.x, p1.y}, p2, colour);
    // Below the box, where the detections' tags (above theirs) do not cover it.
    int baseline = 0;
    const std::string text = class_name(names, l[k]);
    const cv::Size size = cv::getTextSize(text, kFont, kFontScale, 1, &baseline);
    const int y = std::min(image.rows - baseline - 1, p2.y + size.height + 2);
    cv::putText(image, text, cv::Point(p1.x, y), kFont, kFontScale, colour, 1, cv::LINE_AA);
  }
}

int64_t write_detection_picture(const std::string& image_file, const std::string& out_file,
                                const Detections& detections, const GroundTruthBoxes* ground_truth,
                                const std::vector<std::string>& names, double score_thr) {
  cv::Mat image = cv::imread(image_file, cv::IMREAD_COLOR);
  if (image.empty()) throw Error(fmt::format("{}: cannot read the image to draw on", image_file));
  const double zoom = picture_zoom(image.rows, image.cols);
  if (zoom > 1.0) cv::resize(image, image, cv::Size(), zoom, zoom, cv::INTER_LINEAR);
  if (ground_truth) draw_ground_truth(image, ground_truth->boxes, ground_truth->labels, names, zoom);
  const int64_t drawn = draw_detections(image, detections, names, score_thr, zoom);
  if (!cv::imwrite(out_file, image)) throw Error(fmt::format("{}: cannot write the picture", out_file));
  return drawn;
}

}  // namespace ghmdet::viz
