#include "ghmdet/viz/palette.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>

namespace ghmdet::viz {

std::string categorical_colour(size_t i) {
  // Okabe-Ito without its yellow (too faint as a thin line on white), then three dark
  // colours of Tol's palettes, so that ten classes get ten colours.
  static const std::array<const char*, 10> kColours = {"#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00",
                                                       "#56B4E9", "#000000", "#882255", "#999933", "#6A3D9A"};
  return kColours[i % kColours.size()];
}

std::string sequential_colour(double t) {
  // Viridis at six stops; linear interpolation between them is close enough for a few curves.
  static const std::array<std::array<double, 3>, 6> kStops = {{{68, 1, 84},
                                                               {65, 68, 135},
                                                               {42, 120, 142},
                                                               {34, 168, 132},
                                                               {122, 209, 81},
                                                               {253, 231, 37}}};
  t = std::clamp(std::isfinite(t) ? t : 0.0, 0.0, 1.0) * (kStops.size() - 1);
  const size_t i = std::min(static_cast<size_t>(t), kStops.size() - 2);
  const double f = t - static_cast<double>(i);
  int c[3];
  for (int k = 0; k < 3; ++k) c[k] = static_cast<int>(std::lround(kStops[i][k] * (1 - f) + kStops[i + 1][k] * f));
  return fmt::format("#{:02x}{:02x}{:02x}", c[0], c[1], c[2]);
}

}  // namespace ghmdet::viz
