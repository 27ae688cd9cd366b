// Axes — the frame of one plot inside an SvgWriter: title, light grid lines at the ticks, tick
// marks with labels, and axis titles (which carry the units, e.g. "iteration", "learning rate").
//
// The plot area is the rectangle the data is drawn in; the scales' ranges must be its x extent
// (left to right) and y extent (bottom to top, i.e. range_lo = bottom pixel). Everything is
// drawn outside the data (grid below it: call draw_axes first).
#pragma once

#include <string>

#include "ghmdet/viz/scale.h"
#include "ghmdet/viz/svg_writer.h"

namespace ghmdet::viz {

struct PlotArea {
  double left = 0, top = 0, width = 0, height = 0;
  double right() const { return left + width; }
  double bottom() const { return top + height; }
};

struct AxisTitles {
  std::string title;    // above the plot
  std::string x_label;  // below the x axis
  std::string y_label;  // left of the y axis, rotated
};

// Tick counts aimed at; the scales may give a few more or fewer.
inline constexpr int kXTicks = 7;
inline constexpr int kYTicks = 6;

void draw_axes(SvgWriter& svg, const PlotArea& area, const Scale& x, const Scale& y,
               const AxisTitles& titles);

}  // namespace ghmdet::viz
