// The SVG plotting units: scales and their ticks (linear 1-2-5 steps, log decades and labels),
// the writer's escaping, and rendered plots parsed back as XML — series groups, the points of
// their paths at the pixel positions of the axis ticks, gaps on log axes, legend names, bars.
#include <gtest/gtest.h>

#include <pugixml.hpp>

#include <cmath>
#include <sstream>
#include <string>
#include <vector>

#include "ghmdet/viz/bar_chart.h"
#include "ghmdet/viz/legend.h"
#include "ghmdet/viz/line_plot.h"
#include "ghmdet/viz/scale.h"
#include "ghmdet/viz/svg_writer.h"

namespace ghmdet::viz {
namespace {

pugi::xml_document parse(const std::string& svg) {
  pugi::xml_document doc;
  const auto r = doc.load_string(svg.c_str());
  EXPECT_TRUE(r) << r.description() << "\n" << svg;
  return doc;
}

std::vector<Point> path_points(const std::string& d) {
  std::vector<Point> out;
  std::istringstream in(d);
  std::string tok;
  while (in >> tok) {
    if (tok[0] == 'M' || tok[0] == 'L') tok = tok.substr(1);
    if (tok.empty()) continue;
    const auto comma = tok.find(',');
    out.push_back({std::stod(tok.substr(0, comma)), std::stod(tok.substr(comma + 1))});
  }
  return out;
}

// Pixel position of the tick labelled `label` on an axis ("x-ticks" or "y-ticks").
double tick_position(const pugi::xml_document& doc, const char* axis, const std::string& label) {
  const auto group = doc.select_node((std::string("//g[@class='") + axis + "']").c_str()).node();
  for (auto t : group.children("text")) {
    if (label == t.child_value()) {
      return std::string(axis) == "x-ticks" ? t.attribute("x").as_double() : t.attribute("y").as_double() - 4;
    }
  }
  ADD_FAILURE() << "no tick labelled " << label << " on " << axis;
  return NAN;
}

TEST(Scale, LinearTicksAreNiceSteps) {
  const Scale s(ScaleKind::kLinear, 0, 1, 0, 100);
  const auto t = s.ticks(6);
  ASSERT_EQ(t.size(), 6u);
  for (size_t i = 0; i < t.size(); ++i) EXPECT_NEAR(t[i], 0.2 * i, 1e-12);
  EXPECT_EQ(s.label(0.4), "0.4");
  EXPECT_DOUBLE_EQ(s(0.5), 50);
  EXPECT_EQ(nice_step(1234, 5), 200);
  EXPECT_EQ(format_tick(12000, 2000), "12,000");
}

TEST(Scale, FitRoundsOutToTicks) {
  const Scale s = Scale::fit(ScaleKind::kLinear, {0.13, 0.87, NAN}, 0, 1, true);
  EXPECT_DOUBLE_EQ(s.lo(), 0);
  EXPECT_NEAR(s.hi(), 0.9, 1e-12);  // 0.87 rounded out to the 0.1 step
  const Scale l = Scale::fit(ScaleKind::kLog, {3e-5, 0.2, 0.0, -1.0}, 0, 1);
  EXPECT_NEAR(l.lo(), 1e-5, 1e-20);
  EXPECT_NEAR(l.hi(), 1.0, 1e-12);
}

TEST(Scale, LogTicksAreDecadesWithReadableLabels) {
  const Scale s(ScaleKind::kLog, 1e-6, 1, 300, 0);
  const auto t = s.ticks(7);
  ASSERT_EQ(t.size(), 7u);
  for (size_t i = 0; i < t.size(); ++i) EXPECT_NEAR(std::log10(t[i]), -6.0 + i, 1e-9);
  EXPECT_EQ(s.label(1e-6), "10⁻⁶");
  EXPECT_EQ(s.label(1e-3), "0.001");
  EXPECT_EQ(s.label(1), "1");
  EXPECT_DOUBLE_EQ(s(1e-3), 150);
  EXPECT_DOUBLE_EQ(s(0.0), 300);  // zero sits on the axis
  // Many decades: every other one.
  EXPECT_EQ(Scale(ScaleKind::kLog, 1e-12, 1, 0, 1).ticks(7).size(), 7u);
  // Under two decades: 2x and 5x steps too.
  const auto few = Scale(ScaleKind::kLog, 1, 10, 0, 1).ticks();
  EXPECT_EQ(few, (std::vector<double>{1, 2, 5, 10}));
}

TEST(SvgWriter, EscapesAndChecksGroups) {
  EXPECT_EQ(xml_escape("a<b & \"c\""), "a&lt;b &amp; &quot;c&quot;");
  EXPECT_EQ(svg_number(-0.001), "0");
  EXPECT_EQ(svg_number(1.5), "1.5");
  SvgWriter w(10, 10);
  w.begin_group("x");
  EXPECT_THROW(w.str(), std::exception);
  w.end_group();
  w.text({1, 2}, "P3 <all>");
  parse(w.str());
}

TEST(LinePlot, PathsPassThroughTheTickPositions) {
  LinePlot p;
  p.title = "t";
  p.x_label = "iteration";
  p.y_label = "loss";
  p.x_domain = std::make_pair(0.0, 10.0);
  p.y_domain = std::make_pair(0.0, 10.0);
  Series a;
  a.name = "loss_cls";
  a.x = {0, 10, 4};
  a.y = {0, 10, 6};
  Series b = a;
  b.name = "loss_bbox";
  b.dashed = true;
  p.series = {a, b};
  const auto doc = parse(render(p));
  const auto series = doc.select_nodes("//g[@class='series']");
  ASSERT_EQ(series.size(), 2u);
  EXPECT_STREQ(series[0].node().attribute("data-name").value(), "loss_cls");
  const auto path = series[0].node().child("path");
  EXPECT_STREQ(path.attribute("class").value(), "series-line");
  const auto pts = path_points(path.attribute("d").value());
  ASSERT_EQ(pts.size(), 3u);
  const double x0 = tick_position(doc, "x-ticks", "0"), x10 = tick_position(doc, "x-ticks", "10");
  const double y0 = tick_position(doc, "y-ticks", "0"), y10 = tick_position(doc, "y-ticks", "10");
  EXPECT_NEAR(pts[0].x, x0, 0.02);
  EXPECT_NEAR(pts[0].y, y0, 0.02);
  EXPECT_NEAR(pts[1].x, x10, 0.02);
  EXPECT_NEAR(pts[1].y, y10, 0.02);
  EXPECT_NEAR(pts[2].x, x0 + 0.4 * (x10 - x0), 0.02);
  EXPECT_NEAR(pts[2].y, y0 + 0.6 * (y10 - y0), 0.02);
  EXPECT_STREQ(series[1].node().child("path").attribute("stroke-dasharray").value(), "6 4");
  std::vector<std::string> names;
  for (const auto& n : doc.select_nodes("//g[@class='legend']/text[@class='legend-name']")) names.push_back(n.node().child_value());
  EXPECT_EQ(names, (std::vector<std::string>{"loss_cls", "loss_bbox"}));
}

TEST(LinePlot, LogAxisLeavesGapsAtZeros) {
  LinePlot p;
  p.y_scale = ScaleKind::kLog;
  Series s;
  s.name = "P3";
  s.x = {0.1, 0.2, 0.3, 0.4, 0.5};
  s.y = {0.5, 0.01, 0.0, 1e-4, 2e-4};
  p.series = {s};
  const auto doc = parse(render(p));
  const auto paths = doc.select_nodes("//g[@class='series']/path");
  ASSERT_EQ(paths.size(), 2u);
  EXPECT_EQ(path_points(paths[0].node().attribute("d").value()).size(), 2u);
  EXPECT_EQ(path_points(paths[1].node().attribute("d").value()).size(), 2u);
  // Decade labels on the y axis, 10⁻⁴ .. 1.
  bool found = false;
  for (const auto& t : doc.select_nodes("//g[@class='y-ticks']/text"))
    found = found || std::string(t.node().child_value()) == "10⁻⁴";
  EXPECT_TRUE(found);
}

TEST(LinePlot, StepsDrawBinOutlines) {
  LinePlot p;
  Series s;
  s.name = "beta";
  s.x = {0, 0.5};
  s.y = {1, 2};
  s.steps = true;
  s.step_end = 1;
  p.series = {s};
  const auto doc = parse(render(p));
  const auto path = doc.select_node("//g[@class='series']/path").node();
  EXPECT_EQ(path_points(path.attribute("d").value()).size(), 4u);
}

TEST(Legend, LongNamesAreShortened) {
  EXPECT_EQ(legend_label("P3"), "P3");
  EXPECT_EQ(legend_label("a_rather_long_work_dir_name"), "a_rather_long_work_di…");
  EXPECT_EQ(legend_label("10⁻⁶ 10⁻⁶ 10⁻⁶ 10⁻⁶ 10⁻⁶"), "10⁻⁶ 10⁻⁶ 10⁻⁶ 10⁻⁶ 1…");
}

TEST(BarChart, OneBarPerNonNegativeValue) {
  BarChart c;
  c.title = "AP";
  c.categories = {"T-shirt/top", "Trouser", "Pullover"};
  c.series = {{"ghm", {0.5, -1, 0.25}, "#0072B2"}, {"fl", {0.4, 0.1, 0.0}, "#D55E00"}};
  c.y_max = 1;
  const auto doc = parse(render(c));
  EXPECT_EQ(doc.select_nodes("//g[@data-name='ghm']/rect").size(), 2u);
  EXPECT_EQ(doc.select_nodes("//g[@data-name='fl']/rect").size(), 3u);
  const auto bar = doc.select_node("//g[@data-name='ghm']/rect").node();
  EXPECT_NE(std::string(bar.child("title").child_value()).find("T-shirt/top"), std::string::npos);
}

}  // namespace
}  // namespace ghmdet::viz
