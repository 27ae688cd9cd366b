#include "ghmdet/viz/bar_chart.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "ghmdet/viz/axes.h"
#include "ghmdet/viz/legend.h"
#include "ghmdet/viz/scale.h"
#include "ghmdet/viz/svg_writer.h"

namespace ghmdet::viz {

std::string render(const BarChart& chart) {
  std::vector<LegendEntry> entries;
  for (const auto& s : chart.series) entries.push_back({s.name, s.colour, false, true});
  const double legend_w = legend_width(entries, "");
  size_t longest = 0;
  for (const auto& c : chart.categories) longest = std::max(longest, c.size());
  PlotArea area;
  area.left = 78;
  area.top = 38;
  area.width = std::max(120.0, chart.width - area.left - 24 - legend_w);
  const double slot = area.width / std::max<size_t>(1, chart.categories.size());
  const bool rotate = static_cast<double>(longest) * 7.0 > slot - 4;
  const double label_h = rotate ? std::min(120.0, 7.0 * static_cast<double>(longest) * 0.75 + 10) : 0;
  area.height = std::max(80.0, chart.height - area.top - 58 - label_h);

  std::vector<double> values;
  // Negative values mean "no value" (AP -1: no ground truth); they neither draw nor scale.
  for (const auto& s : chart.series)
    for (double v : s.values)
      if (v >= 0) values.push_back(v);
  const Scale y = chart.y_max > 0 ? Scale(ScaleKind::kLinear, 0, chart.y_max, area.bottom(), area.top)
                                  : Scale::fit(ScaleKind::kLinear, values, area.bottom(), area.top, true);
  SvgWriter svg(chart.width, chart.height);
  {
    // The y axis as draw_axes draws it; categories instead of x ticks.
    const Style grid{{"stroke", "#e3e3e3"}, {"stroke-width", "1"}};
    svg.begin_group("axes");
    for (double v : y.ticks(kYTicks)) {
      svg.line({area.left, y(v)}, {area.right(), y(v)}, grid);
      svg.line({area.left - 5, y(v)}, {area.left, y(v)}, {{"stroke", "#444"}});
      svg.text({area.left - 8, y(v) + 4}, y.label(v), {{"fill", "#333"}, {"font-size", "12"}}, "end");
    }
    svg.line({area.left, area.bottom()}, {area.right(), area.bottom()}, {{"stroke", "#444"}});
    svg.line({area.left, area.top}, {area.left, area.bottom()}, {{"stroke", "#444"}});
    svg.text({area.left, area.top - 12}, chart.title, {{"font-size", "15"}, {"font-weight", "bold"}, {"fill", "#111"}});
    svg.text({area.left - 56, area.top + area.height / 2}, chart.y_label, {{"fill", "#111"}}, "middle", -90);
    for (size_t c = 0; c < chart.categories.size(); ++c) {
      const double cx = area.left + slot * (static_cast<double>(c) + 0.5);
      if (rotate) {
        svg.text({cx + 4, area.bottom() + 12}, chart.categories[c], {{"fill", "#333"}, {"font-size", "12"}}, "end", -45);
      } else {
        svg.text({cx, area.bottom() + 18}, chart.categories[c], {{"fill", "#333"}, {"font-size", "12"}}, "middle");
      }
    }
    svg.end_group();
  }
  const size_t n = std::max<size_t>(1, chart.series.size());
  const double bar_w = slot * 0.8 / static_cast<double>(n);
  svg.begin_group("data");
  for (size_t si = 0; si < chart.series.size(); ++si) {
    const auto& s = chart.series[si];
    svg.begin_group("series", s.name);
    for (size_t c = 0; c < chart.categories.size() && c < s.values.size(); ++c) {
      const double v = s.values[c];
      if (!(v >= 0) || !std::isfinite(v)) continue;
      const double x0 = area.left + slot * static_cast<double>(c) + slot * 0.1 + bar_w * static_cast<double>(si);
      const double top = std::max(area.top, y(v));
      svg.rect(x0, top, bar_w - 1, y(0) - top, {{"fill", s.colour}, {"class", "bar"}},
               fmt::format("{} — {}: {:.3f}", chart.categories[c], s.name, v));
    }
    svg.end_group();
  }
  svg.end_group();
  draw_legend(svg, area.right() + 16, area.top, entries, "");
  return svg.str();
}

}  // namespace ghmdet::viz
