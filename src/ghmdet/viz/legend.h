// Legend — the key of a plot: one row per entry (a line sample, or a filled square for bars,
// then the name), optionally under a title, in <g class="legend">, each name a <text> with
// class "legend-name" so tests can list them.
#pragma once

#include <string>
#include <vector>

#include "ghmdet/viz/svg_writer.h"

namespace ghmdet::viz {

struct LegendEntry {
  std::string name;
  std::string colour;
  bool dashed = false;
  bool filled = false;  // a square (bars) instead of a line sample
};

// Width the legend needs (sample, gap, the longest name at ~7.3 px per character).
double legend_width(const std::vector<LegendEntry>& entries, const std::string& title);

void draw_legend(SvgWriter& svg, double left, double top, const std::vector<LegendEntry>& entries,
                 const std::string& title);

}  // namespace ghmdet::viz
