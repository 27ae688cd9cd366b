#include "ghmdet/viz/legend.h"

#include <algorithm>

namespace ghmdet::viz {

namespace {

// UTF-8 characters, not bytes: names may hold superscripts or accents.
size_t display_length(const std::string& s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

}  // namespace

std::string legend_label(const std::string& name) {
  if (display_length(name) <= kLegendChars) return name;
  std::string out;
  size_t chars = 0;
  for (size_t i = 0; i < name.size(); ++i) {
    const bool starts = (static_cast<unsigned char>(name[i]) & 0xC0) != 0x80;
    if (starts && ++chars == kLegendChars) break;
    out += name[i];
  }
  return out + "…";
}

double legend_width(const std::vector<LegendEntry>& entries, const std::string& title) {
  size_t longest = display_length(title);
  for (const auto& e : entries) longest = std::max(longest, display_length(legend_label(e.name)) + 4);
  return 16 + 7.3 * static_cast<double>(longest);
}

void draw_legend(SvgWriter& svg, double left, double top, const std::vector<LegendEntry>& entries,
                 const std::string& title) {
  svg.begin_group("legend");
  double y = top + 4;
  if (!title.empty()) {
    svg.text({left, y + 8}, title, {{"font-weight", "bold"}, {"fill", "#111"}, {"font-size", "12"}});
    y += 20;
  }
  for (const auto& e : entries) {
    if (e.filled) {
      svg.rect(left, y, 14, 12, {{"fill", e.colour}});
    } else {
      svg.line({left, y + 6}, {left + 24, y + 6},
               {{"stroke", e.colour}, {"stroke-width", "2.5"}, {"stroke-dasharray", e.dashed ? "6 4" : ""}});
    }
    svg.text({left + 30, y + 10}, legend_label(e.name), {{"class", "legend-name"}, {"fill", "#222"}, {"font-size", "12"}});
    y += 19;
  }
  svg.end_group();
}

}  // namespace ghmdet::viz
