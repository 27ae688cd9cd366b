#include "ghmdet/viz/scale.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace ghmdet::viz {

double nice_step(double span, int target) {
  if (!(span > 0) || !std::isfinite(span)) return 1.0;
  const double raw = span / std::max(1, target);
  const double mag = std::pow(10.0, std::floor(std::log10(raw)));
  const double f = raw / mag;
  const double nice = f < 1.5 ? 1 : f < 3.5 ? 2 : f < 7.5 ? 5 : 10;
  return nice * mag;
}

std::string format_tick(double v, double step) {
  if (std::abs(v) < step * 1e-9) return "0";
  const double a = std::abs(v);
  if (a >= 1e6 || a < 1e-4) return fmt::format("{:.0e}", v);
  const int decimals = std::max(0, static_cast<int>(std::ceil(-std::log10(step) - 1e-9)));
  if (decimals == 0 && a >= 10000) {
    // Thousands separators keep iteration counts readable ("12,000").
    std::string digits = fmt::format("{:.0f}", a), out;
    for (size_t i = 0; i < digits.size(); ++i) {
      if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
      out += digits[i];
    }
    return (v < 0 ? "-" : "") + out;
  }
  return fmt::format("{:.{}f}", v, decimals);
}

std::string format_power_of_ten(int k) {
  if (k >= 0 && k <= 3) return fmt::format("{:.0f}", std::pow(10.0, k));
  if (k < 0 && k >= -3) return fmt::format("{:.{}f}", std::pow(10.0, k), -k);
  static const char* const kSup[10] = {"⁰", "¹", "²", "³", "⁴", "⁵", "⁶", "⁷", "⁸", "⁹"};
  std::string out = "10";
  if (k < 0) out += "⁻";
  for (char c : std::to_string(std::abs(k))) out += kSup[c - '0'];
  return out;
}

Scale::Scale(ScaleKind kind, double lo, double hi, double range_lo, double range_hi)
    : kind_(kind), lo_(lo), hi_(hi), r0_(range_lo), r1_(range_hi) {
  if (kind_ == ScaleKind::kLog) {
    if (!(lo_ > 0) || !std::isfinite(lo_)) lo_ = 0.1;
    if (!(hi_ > lo_) || !std::isfinite(hi_)) hi_ = lo_ * 10;
  } else {
    if (!std::isfinite(lo_)) lo_ = 0;
    if (!std::isfinite(hi_)) hi_ = lo_ + 1;
    if (!(hi_ > lo_)) {
      // A constant series: a unit-wide window around it.
      const double pad = lo_ == 0 ? 1.0 : std::abs(lo_) * 0.5;
      lo_ -= pad;
      hi_ += pad;
    }
  }
}

Scale Scale::fit(ScaleKind kind, const std::vector<double>& values, double range_lo,
                 double range_hi, bool include_zero, int target_ticks) {
  double lo = INFINITY, hi = -INFINITY;
  for (double v : values) {
    if (!std::isfinite(v) || (kind == ScaleKind::kLog && v <= 0)) continue;
    lo = std::min(lo, v);
    hi = std::max(hi, v);
  }
  if (kind == ScaleKind::kLog) {
    if (!(lo <= hi)) return Scale(kind, 0.1, 1, range_lo, range_hi);
    double l = std::pow(10.0, std::floor(std::log10(lo) + 1e-9));
    double h = std::pow(10.0, std::ceil(std::log10(hi) - 1e-9));
    if (!(h > l)) h = l * 10;
    return Scale(kind, l, h, range_lo, range_hi);
  }
  if (!(lo <= hi)) return Scale(kind, 0, 1, range_lo, range_hi);
  if (include_zero) {
    lo = std::min(lo, 0.0);
    hi = std::max(hi, 0.0);
  }
  // All zero with zero included (AP of an untrained model): [0, 1] rather than [-1, 1].
  if (hi == lo && lo == 0 && include_zero) return Scale(kind, 0, 1, range_lo, range_hi);
  if (hi == lo) return Scale(kind, lo, hi, range_lo, range_hi);  // widened by the constructor
  const double step = nice_step(hi - lo, target_ticks);
  return Scale(kind, std::floor(lo / step + 1e-9) * step, std::ceil(hi / step - 1e-9) * step,
               range_lo, range_hi);
}

double Scale::operator()(double v) const {
  double t;
  if (kind_ == ScaleKind::kLog) {
    if (!(v > 0)) return r0_;
    t = (std::log10(v) - std::log10(lo_)) / (std::log10(hi_) - std::log10(lo_));
  } else {
    t = (v - lo_) / (hi_ - lo_);
  }
  return r0_ + t * (r1_ - r0_);
}

std::vector<double> Scale::ticks(int target) const {
  std::vector<double> out;
  if (kind_ == ScaleKind::kLog) {
    const int k0 = static_cast<int>(std::ceil(std::log10(lo_) - 1e-9));
    const int k1 = static_cast<int>(std::floor(std::log10(hi_) + 1e-9));
    const int decades = k1 - k0 + 1;
    const int every = std::max(1, (decades + target - 1) / std::max(1, target));
    for (int k = k0; k <= k1; ++k) {
      if ((k - k0) % every == 0) out.push_back(std::pow(10.0, k));
    }
    if (std::log10(hi_) - std::log10(lo_) < 2.0 + 1e-9) {
      // Too few decades to read values off: the 2x and 5x steps too.
      for (int k = k0 - 1; k <= k1; ++k) {
        for (double m : {2.0, 5.0}) {
          const double v = m * std::pow(10.0, k);
          if (v >= lo_ * (1 - 1e-9) && v <= hi_ * (1 + 1e-9)) out.push_back(v);
        }
      }
      std::sort(out.begin(), out.end());
    }
    return out;
  }
  double step = nice_step(hi_ - lo_, target);
  if (integer_) step = std::max(1.0, std::round(step));
  const double first = std::ceil(lo_ / step - 1e-9) * step;
  for (double v = first; v <= hi_ + step * 1e-9; v += step) {
    out.push_back(std::abs(v) < step * 1e-9 ? 0.0 : v);
    if (out.size() > 100) break;
  }
  return out;
}

std::string Scale::label(double v) const {
  if (kind_ == ScaleKind::kLog) {
    const double k = std::log10(v);
    if (std::abs(k - std::round(k)) < 1e-9) return format_power_of_ten(static_cast<int>(std::round(k)));
    const double a = std::abs(v);
    if (a >= 0.001 && a < 1e5) return fmt::format("{}", std::round(v * 1e6) / 1e6);
    return fmt::format("{:.0e}", v);
  }
  return format_tick(v, integer_ ? 1.0 : nice_step(hi_ - lo_, 6));
}

}  // namespace ghmdet::viz
