// Scale — maps a data interval (the domain) onto a pixel interval (the range), linearly or on
// log10, and chooses the axis ticks and their labels.
//
// Invariants: the domain is finite, non-empty (lo < hi) and, for log scales, positive; the
// constructors widen or clamp degenerate input to keep it so. A log scale maps values <= 0 to
// the low end of the range (a zero count sits on the axis instead of disappearing).
// Ticks: linear scales use 1-2-5 steps (about `target` of them, all inside the domain); log
// scales use the decades inside the domain, every k-th decade when there are too many, and the
// 2x and 5x minor steps when the domain spans less than two decades.
#pragma once

#include <string>
#include <vector>

namespace ghmdet::viz {

enum class ScaleKind { kLinear, kLog };

class Scale {
 public:
  Scale(ScaleKind kind, double lo, double hi, double range_lo, double range_hi);

  // The domain that fits the data: linear — from min (or 0 when include_zero) to max, rounded
  // out to the tick step; log — the positive values, rounded out to whole decades. Non-finite
  // values are ignored; no usable value gives [0, 1] (linear) or [0.1, 1] (log).
  static Scale fit(ScaleKind kind, const std::vector<double>& values, double range_lo,
                   double range_hi, bool include_zero = false, int target_ticks = 6);

  double operator()(double v) const;
  std::vector<double> ticks(int target = 6) const;
  // Linear scales: ticks only on whole numbers (a step of at least 1), labels without decimals.
  void set_integer_ticks() { integer_ = true; }
  std::string label(double v) const;

  ScaleKind kind() const { return kind_; }
  double lo() const { return lo_; }
  double hi() const { return hi_; }
  double range_lo() const { return r0_; }
  double range_hi() const { return r1_; }

 private:
  ScaleKind kind_;
  double lo_, hi_, r0_, r1_;
  bool integer_ = false;
};

// A 1-2-5 step close to span / target.
double nice_step(double span, int target);
// "0.25", "1,200", "1e-05" -> a short readable label for a linear tick of step `step`.
std::string format_tick(double v, double step);
// 10 to the power k as "10⁻³" (unicode superscripts); 1, 10, 100 and 0.1 .. 0.001 as decimals.
std::string format_power_of_ten(int k);

}  // namespace ghmdet::viz
