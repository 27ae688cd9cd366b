// BarChart — grouped vertical bars on a linear y axis from 0: one group per category (a class),
// one bar per series (a run) inside each group. Used for per-class AP.
//
// Each series is a <g class="series" data-name="NAME"> holding one <rect class="bar"> per
// category, with a <title> tooltip of its value; a negative value (e.g. AP -1, "no ground
// truth") draws no bar. Category labels are rotated when they would not fit.
#pragma once

#include <string>
#include <vector>

namespace ghmdet::viz {

struct BarSeries {
  std::string name;
  std::vector<double> values;  // one per category
  std::string colour = "#0072B2";
};

struct BarChart {
  std::string title, y_label;
  std::vector<std::string> categories;
  std::vector<BarSeries> series;
  double y_max = 0;  // 0: fit the data
  double width = 640, height = 400;
};

std::string render(const BarChart& chart);

}  // namespace ghmdet::viz
