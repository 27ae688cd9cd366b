// Colours of the plots: a categorical palette of ten (mostly Okabe-Ito, distinguishable with the
// common colour-vision deficiencies) for series that are different things, and a sequential ramp
// (viridis-like, dark to light) for series that are the same thing at successive times.
#pragma once

#include <string>

namespace ghmdet::viz {

// "#rrggbb" for series i (cycles after 10).
std::string categorical_colour(size_t i);
// "#rrggbb" at t in [0, 1] (clamped) along the ramp; perceptually ordered, t = 0 darkest.
std::string sequential_colour(double t);

}  // namespace ghmdet::viz
