#include "ghmdet/viz/svg_writer.h"

#include <fmt/format.h>

#include <cmath>

#include "ghmdet/core/error.h"

namespace ghmdet::viz {

std::string xml_escape(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string svg_number(double v) {
  if (!std::isfinite(v)) return "0";
  std::string s = fmt::format("{:.2f}", v);
  while (!s.empty() && s.back() == '0') s.pop_back();
  if (!s.empty() && s.back() == '.') s.pop_back();
  if (s == "-0") s = "0";
  return s;
}

namespace {

std::string attributes(const Style& style) {
  std::string out;
  for (const auto& [k, v] : style) {
    if (v.empty()) continue;
    out += fmt::format(" {}=\"{}\"", k, xml_escape(v));
  }
  return out;
}

}  // namespace

SvgWriter::SvgWriter(double width, double height) : width_(width), height_(height) {}

void SvgWriter::open(const std::string& tag, const Style& style, const std::string& extra) {
  body_ += "<" + tag + extra + attributes(style);
}

void SvgWriter::line(Point a, Point b, const Style& style) {
  open("line", style, fmt::format(" x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\"", svg_number(a.x),
                                  svg_number(a.y), svg_number(b.x), svg_number(b.y)));
  body_ += "/>\n";
}

void SvgWriter::polyline(const std::vector<Point>& points, const Style& style,
                         const std::string& class_name) {
  if (points.size() < 2) return;
  std::string d;
  for (size_t i = 0; i < points.size(); ++i) {
    d += fmt::format("{}{},{}", i == 0 ? "M" : " L", svg_number(points[i].x), svg_number(points[i].y));
  }
  std::string extra = " d=\"" + d + "\" fill=\"none\"";
  if (!class_name.empty()) extra += " class=\"" + xml_escape(class_name) + "\"";
  open("path", style, extra);
  body_ += "/>\n";
}

void SvgWriter::rect(double x, double y, double w, double h, const Style& style,
                     const std::string& title) {
  open("rect", style, fmt::format(" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\"", svg_number(x),
                                  svg_number(y), svg_number(std::max(0.0, w)),
                                  svg_number(std::max(0.0, h))));
  if (title.empty()) {
    body_ += "/>\n";
  } else {
    // A tooltip in browsers: the exact value behind a bar.
    body_ += "><title>" + xml_escape(title) + "</title></rect>\n";
  }
}

void SvgWriter::circle(Point c, double r, const Style& style) {
  open("circle", style, fmt::format(" cx=\"{}\" cy=\"{}\" r=\"{}\"", svg_number(c.x),
                                    svg_number(c.y), svg_number(r)));
  body_ += "/>\n";
}

void SvgWriter::text(Point at, const std::string& text, const Style& style,
                     const std::string& anchor, double rotate) {
  std::string extra = fmt::format(" x=\"{}\" y=\"{}\"", svg_number(at.x), svg_number(at.y));
  if (anchor != "start") extra += " text-anchor=\"" + anchor + "\"";
  if (rotate != 0) {
    extra += fmt::format(" transform=\"rotate({} {} {})\"", svg_number(rotate), svg_number(at.x),
                         svg_number(at.y));
  }
  open("text", style, extra);
  body_ += ">" + xml_escape(text) + "</text>\n";
}

void SvgWriter::begin_group(const std::string& class_name, const std::string& data_name) {
  std::string extra;
  if (!class_name.empty()) extra += " class=\"" + xml_escape(class_name) + "\"";
  if (!data_name.empty()) extra += " data-name=\"" + xml_escape(data_name) + "\"";
  open("g", {}, extra);
  body_ += ">\n";
  ++depth_;
}

void SvgWriter::end_group() {
  if (depth_ == 0) throw Error("SvgWriter: end_group without begin_group");
  --depth_;
  body_ += "</g>\n";
}

std::string SvgWriter::str() const {
  if (depth_ != 0) throw Error("SvgWriter: a group is still open");
  return fmt::format(
             "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{0}\" height=\"{1}\" "
             "viewBox=\"0 0 {0} {1}\" font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\" "
             "font-size=\"13\">\n",
             svg_number(width_), svg_number(height_)) +
         body_ + "</svg>\n";
}

}  // namespace ghmdet::viz
