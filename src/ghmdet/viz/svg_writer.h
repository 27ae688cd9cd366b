// SvgWriter — builds one standalone SVG 1.1 document as text: the few elements the plots need
// (line, polyline path, rect, circle, text, groups), with attribute values escaped and numbers
// written compactly with two decimals (sub-pixel precision is invisible on a plot).
//
// Invariants: the output is well-formed XML (every element closed, text and attributes
// escaped); groups opened with begin_group must be closed with end_group before str(), which
// checks it. Coordinates are in user units = CSS pixels of the viewBox (0 0 width height).
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace ghmdet::viz {

struct Point {
  double x = 0, y = 0;
};

// Presentation attributes of one element ({"stroke", "#123"}, ...); empty values are skipped.
using Style = std::vector<std::pair<std::string, std::string>>;

// XML escaping of text and attribute values (& < > " ').
std::string xml_escape(const std::string& text);
// A number as SVG wants it: up to two decimals, no trailing zeros, no "-0".
std::string svg_number(double v);

class SvgWriter {
 public:
  SvgWriter(double width, double height);

  void line(Point a, Point b, const Style& style = {});
  // An open polyline through the points (skipped when fewer than 2); `class_name` marks it for
  // tests and CSS ("series").
  void polyline(const std::vector<Point>& points, const Style& style = {},
                const std::string& class_name = "");
  void rect(double x, double y, double w, double h, const Style& style = {},
            const std::string& title = "");
  void circle(Point c, double r, const Style& style = {});
  // anchor: start | middle | end; rotate in degrees about the anchor point.
  void text(Point at, const std::string& text, const Style& style = {},
            const std::string& anchor = "start", double rotate = 0);
  // A group, optionally with a class and a data-name (the series or legend entry it holds).
  void begin_group(const std::string& class_name = "", const std::string& data_name = "");
  void end_group();

  double width() const { return width_; }
  double height() const { return height_; }
  // The whole document, starting with <svg ...> (no XML declaration, so it inlines in HTML).
  std::string str() const;

 private:
  void open(const std::string& tag, const Style& style, const std::string& extra);
  double width_, height_;
  std::string body_;
  int depth_ = 0;
};

}  // namespace ghmdet::viz
