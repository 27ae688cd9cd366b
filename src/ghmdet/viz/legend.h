// Legend — the key of a plot: one row per entry (a line sample, or a filled square for bars,
// then the name), optionally under a title, in <g class="legend">, each name a <text> with
// class "legend-name" so tests can list them. Names longer than kLegendChars characters are
// shortened with "…" so that a long run name does not squeeze the plot.
#pragma once

#include <string>
#include <vector>

#include "ghmdet/viz/svg_writer.h"

namespace ghmdet::viz {

inline constexpr size_t kLegendChars = 22;

// `name` cut to kLegendChars characters (UTF-8 aware), the last one replaced by "…".
std::string legend_label(const std::string& name);

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
