#include "ghmdet/viz/axes.h"

namespace ghmdet::viz {

void draw_axes(SvgWriter& svg, const PlotArea& a, const Scale& x, const Scale& y,
               const AxisTitles& titles) {
  const Style grid{{"stroke", "#e3e3e3"}, {"stroke-width", "1"}};
  const Style axis{{"stroke", "#444"}, {"stroke-width", "1"}};
  const Style tick_text{{"fill", "#333"}, {"font-size", "12"}};
  svg.begin_group("axes");
  svg.rect(a.left, a.top, a.width, a.height, {{"fill", "#ffffff"}, {"stroke", "none"}});
  svg.begin_group("x-ticks");
  for (double v : x.ticks(kXTicks)) {
    const double px = x(v);
    svg.line({px, a.top}, {px, a.bottom()}, grid);
    svg.line({px, a.bottom()}, {px, a.bottom() + 5}, axis);
    svg.text({px, a.bottom() + 19}, x.label(v), tick_text, "middle");
  }
  svg.end_group();
  svg.begin_group("y-ticks");
  for (double v : y.ticks(kYTicks)) {
    const double py = y(v);
    svg.line({a.left, py}, {a.right(), py}, grid);
    svg.line({a.left - 5, py}, {a.left, py}, axis);
    svg.text({a.left - 8, py + 4}, y.label(v), tick_text, "end");
  }
  svg.end_group();
  svg.line({a.left, a.bottom()}, {a.right(), a.bottom()}, axis);
  svg.line({a.left, a.top}, {a.left, a.bottom()}, axis);
  if (!titles.title.empty()) {
    svg.text({a.left, a.top - 12}, titles.title, {{"font-size", "15"}, {"font-weight", "bold"}, {"fill", "#111"}});
  }
  if (!titles.x_label.empty()) {
    svg.text({a.left + a.width / 2, a.bottom() + 40}, titles.x_label, {{"fill", "#111"}}, "middle");
  }
  if (!titles.y_label.empty()) {
    svg.text({a.left - 56, a.top + a.height / 2}, titles.y_label, {{"fill", "#111"}}, "middle", -90);
  }
  svg.end_group();
}

}  // namespace ghmdet::viz
