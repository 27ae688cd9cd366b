#include "ghmdet/viz/line_plot.h"

#include <algorithm>
#include <cmath>

#include "ghmdet/viz/axes.h"
#include "ghmdet/viz/legend.h"
#include "ghmdet/viz/svg_writer.h"

namespace ghmdet::viz {

namespace {

bool drawable(double v, ScaleKind kind) {
  return std::isfinite(v) && (kind == ScaleKind::kLinear || v > 0);
}

// The points a series draws through (a histogram outline for steps).
std::vector<std::pair<double, double>> outline(const Series& s) {
  std::vector<std::pair<double, double>> pts;
  const size_t n = std::min(s.x.size(), s.y.size());
  for (size_t i = 0; i < n; ++i) {
    if (!s.steps) {
      pts.emplace_back(s.x[i], s.y[i]);
      continue;
    }
    const double right = i + 1 < n ? s.x[i + 1] : s.step_end;
    pts.emplace_back(s.x[i], s.y[i]);
    pts.emplace_back(right, s.y[i]);
  }
  return pts;
}

}  // namespace

std::string render(const LinePlot& plot) {
  std::vector<LegendEntry> entries;
  for (const auto& s : plot.series) {
    if (!s.name.empty()) entries.push_back({s.name, s.colour, s.dashed, false});
  }
  const double legend_w = entries.empty() ? 0 : legend_width(entries, plot.legend_title);
  PlotArea area;
  area.left = 78;
  area.top = 38;
  area.width = std::max(120.0, plot.width - area.left - 24 - legend_w);
  area.height = std::max(80.0, plot.height - area.top - 58);

  std::vector<double> xs, ys;
  for (const auto& s : plot.series) {
    for (const auto& [x, y] : outline(s)) {
      if (!drawable(x, plot.x_scale) || !drawable(y, plot.y_scale)) continue;
      xs.push_back(x);
      ys.push_back(y);
    }
  }
  Scale x = plot.x_domain ? Scale(plot.x_scale, plot.x_domain->first, plot.x_domain->second,
                                        area.left, area.right())
                                : Scale::fit(plot.x_scale, xs, area.left, area.right(), false, kXTicks);
  const Scale y = plot.y_domain ? Scale(plot.y_scale, plot.y_domain->first, plot.y_domain->second,
                                        area.bottom(), area.top)
                                : Scale::fit(plot.y_scale, ys, area.bottom(), area.top,
                                             plot.y_include_zero, kYTicks);

  if (plot.x_integer) x.set_integer_ticks();
  SvgWriter svg(plot.width, plot.height);
  draw_axes(svg, area, x, y, {plot.title, plot.x_label, plot.y_label});
  svg.begin_group("data");
  for (const auto& s : plot.series) {
    svg.begin_group("series", s.name);
    const Style style{{"stroke", s.colour},
                      {"stroke-width", svg_number(s.width)},
                      {"stroke-dasharray", s.dashed ? "6 4" : ""},
                      {"stroke-linejoin", "round"}};
    std::vector<Point> run;
    auto flush = [&] {
      if (run.size() == 1 && !s.markers) svg.circle(run[0], s.width, {{"fill", s.colour}});
      svg.polyline(run, style, "series-line");
      run.clear();
    };
    const auto pts = outline(s);
    for (const auto& [vx, vy] : pts) {
      const bool inside = drawable(vx, plot.x_scale) && drawable(vy, plot.y_scale) &&
                          vx >= x.lo() - 1e-12 * std::abs(x.lo()) && vx <= x.hi() * (1 + 1e-12) + 1e-12;
      if (!inside) {
        flush();
        continue;
      }
      // Values beyond a fixed y domain are pinned to its edge rather than drawn outside.
      const double py = std::clamp(y(vy), area.top, area.bottom());
      run.push_back({x(vx), py});
    }
    flush();
    if (s.markers) {
      for (const auto& [vx, vy] : pts) {
        if (drawable(vx, plot.x_scale) && drawable(vy, plot.y_scale)) {
          svg.circle({x(vx), std::clamp(y(vy), area.top, area.bottom())}, 3.5,
                     {{"fill", s.dashed ? "#ffffff" : s.colour}, {"stroke", s.colour}, {"stroke-width", "1.5"}});
        }
      }
    }
    svg.end_group();
  }
  svg.end_group();
  if (!entries.empty()) draw_legend(svg, area.right() + 16, area.top, entries, plot.legend_title);
  return svg.str();
}

}  // namespace ghmdet::viz
