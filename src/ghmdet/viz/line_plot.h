// LinePlot — a standalone SVG of x-y series on linear or log axes, with a legend: loss curves,
// learning rate, AP per epoch, gradient-norm densities, GHM bin weights, PR curves.
//
// Each series is one <g class="series" data-name="NAME"> holding one or more
// <path class="series-line"> (a line is broken where a value cannot be drawn: NaN, or <= 0 on
// a log axis, so an empty histogram bin leaves a gap rather than a dive to the axis), plus
// circles when `markers` is set. The legend (<g class="legend">) lists every named series in
// order, one <text> each, to the right of the plot. Series with an empty name are drawn but not
// listed. `steps` draws a histogram outline: each (x[i], y[i]) is a bin [x[i], x[i+1]) (the last
// bin ends at `step_end`).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "ghmdet/viz/scale.h"

namespace ghmdet::viz {

struct Series {
  std::string name;
  std::vector<double> x, y;
  std::string colour = "#0072B2";
  bool dashed = false;
  bool markers = false;
  double width = 2.0;
  bool steps = false;
  double step_end = 0;  // right edge of the last bin when steps
};

struct LinePlot {
  std::string title, x_label, y_label;
  ScaleKind x_scale = ScaleKind::kLinear;
  ScaleKind y_scale = ScaleKind::kLinear;
  std::optional<std::pair<double, double>> x_domain;  // fixed domain instead of fitting the data
  std::optional<std::pair<double, double>> y_domain;
  bool y_include_zero = false;  // linear y only
  bool x_integer = false;       // x ticks on whole numbers only (epochs)
  std::vector<Series> series;
  std::string legend_title;
  double width = 640, height = 400;  // of the whole figure, legend included
};

// The standalone SVG document.
std::string render(const LinePlot& plot);

}  // namespace ghmdet::viz
