#include "ghmdet/viz/report_figures.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <set>

#include "ghmdet/viz/bar_chart.h"
#include "ghmdet/viz/line_plot.h"
#include "ghmdet/viz/palette.h"

namespace ghmdet::viz {

namespace {

// Up to `n` evenly spaced indices of [0, size), first and last included.
std::vector<size_t> spread(size_t size, size_t n) {
  std::vector<size_t> out;
  if (size == 0) return out;
  if (size <= n) {
    for (size_t i = 0; i < size; ++i) out.push_back(i);
    return out;
  }
  for (size_t k = 0; k < n; ++k) {
    const size_t i = static_cast<size_t>(std::llround(static_cast<double>(k) * (size - 1) / (n - 1)));
    if (out.empty() || out.back() != i) out.push_back(i);
  }
  return out;
}

// Legend-only entries telling which line style is which run (the sample shows the style).
// Only when the plot holds the second run's lines.
void add_run_key(LinePlot& plot, const RunData& a, const RunData* b) {
  if (!b) return;
  bool dashed = false;
  for (const auto& s : plot.series) dashed = dashed || s.dashed;
  if (!dashed) return;
  Series sa;
  sa.name = a.name;
  sa.colour = "#555555";
  Series sb = sa;
  sb.name = b->name;
  sb.dashed = true;
  plot.series.push_back(sa);
  plot.series.push_back(sb);
}

// "GHMC" or "GHMC vs FocalLoss": the losses behind a role in the one or two runs.
std::string role_title(const std::string& loss_a, const std::string& loss_b) {
  return loss_b.empty() || loss_b == loss_a ? loss_a : loss_a + " vs " + loss_b;
}

// The gradient norm each loss records (losses/grad_norm_capture.h).
std::string g_formula(const std::string& loss) {
  if (loss == "GHMC" || loss == "FocalLoss") return "|p − p*|";
  if (loss == "GHMR") return "|d| / √(d² + μ²)";
  if (loss == "SmoothL1Loss") return "min(|d| / β, 1)";
  return "";
}

std::string g_label(const std::string& loss) {
  const std::string f = g_formula(loss);
  return f.empty() ? "gradient norm g" : "gradient norm g = " + f;
}

const RoleGradNorms* role_of(const GradNormRecord& r, const std::string& role) {
  const auto it = r.roles.find(role);
  return it == r.roles.end() ? nullptr : &it->second;
}

// Fraction of valid elements per linear bin, drawn as the histogram's outline: a bin with
// elements is a flat segment over its width, an empty one a gap (no zero on a log axis).
Series linear_density(const LevelGradNorms& l) {
  Series s;
  const size_t n = l.density.size();
  s.steps = true;
  s.step_end = 1.0;
  for (size_t i = 0; i < n; ++i) {
    s.x.push_back(static_cast<double>(i) / static_cast<double>(n));
    s.y.push_back(l.valid > 0 ? static_cast<double>(l.density[i]) / static_cast<double>(l.valid) : NAN);
  }
  return s;
}

Series log_density(const LevelGradNorms& l, double lo, double hi) {
  Series s;
  const size_t n = l.log_density.size();
  const double w = (hi - lo) / static_cast<double>(std::max<size_t>(1, n));
  s.steps = true;
  s.step_end = std::pow(10.0, hi);
  for (size_t i = 0; i < n; ++i) {
    s.x.push_back(std::pow(10.0, lo + static_cast<double>(i) * w));
    s.y.push_back(l.valid > 0 ? static_cast<double>(l.log_density[i]) / static_cast<double>(l.valid) : NAN);
  }
  return s;
}

// All levels of a record summed into one histogram.
LevelGradNorms sum_levels(const RoleGradNorms& r) {
  LevelGradNorms all;
  for (const auto& l : r.levels) {
    all.valid += l.valid;
    all.below_log += l.below_log;
    if (all.density.size() < l.density.size()) all.density.resize(l.density.size(), 0);
    if (all.log_density.size() < l.log_density.size()) all.log_density.resize(l.log_density.size(), 0);
    for (size_t i = 0; i < l.density.size(); ++i) all.density[i] += l.density[i];
    for (size_t i = 0; i < l.log_density.size(); ++i) all.log_density[i] += l.log_density[i];
  }
  return all;
}

std::set<std::string> roles_in(const RunData& run) {
  std::set<std::string> out;
  for (const auto& r : run.grad_norms) for (const auto& [k, v] : r.roles) out.insert(k);
  return out;
}

// The last record of a run that has `role`.
const GradNormRecord* last_with(const RunData& run, const std::string& role) {
  for (auto it = run.grad_norms.rbegin(); it != run.grad_norms.rend(); ++it) {
    if (role_of(*it, role)) return &*it;
  }
  return nullptr;
}

void gradient_figures(const RunData& a, const RunData* b, std::vector<Figure>& out) {
  std::set<std::string> roles = roles_in(a);
  if (b) for (const auto& r : roles_in(*b)) roles.insert(r);
  for (const std::string role : {"cls", "reg"}) {
    if (!roles.count(role)) continue;
    const GradNormRecord* la = last_with(a, role);
    const GradNormRecord* lb = b ? last_with(*b, role) : nullptr;
    const GradNormRecord* lead = la ? la : lb;
    const RoleGradNorms& lead_role = *role_of(*lead, role);
    const std::string loss_a = la ? role_of(*la, role)->loss : "";
    const std::string loss_b = lb ? role_of(*lb, role)->loss : "";
    const std::string title = role_title(la ? loss_a : loss_b, la ? loss_b : "");
    // The x axis: g of the first run's loss, and the second's when it is another quantity.
    std::string x_label = g_label(lead_role.loss);
    if (la && lb && g_label(loss_a) != g_label(loss_b))
      x_label = "g — solid: " + g_formula(loss_a) + ", dashed: " + g_formula(loss_b);

    // Figure 1 of the paper: per level at the last record, linear g, log fraction.
    for (const bool log_x : {false, true}) {
      LinePlot p;
      p.title = fmt::format("Gradient-norm density, {} — iter. {}", title, lead->global_iter);
      p.x_label = log_x ? x_label + " (log scale)" : x_label;
      p.y_label = "fraction of elements";
      p.y_scale = ScaleKind::kLog;
      p.x_scale = log_x ? ScaleKind::kLog : ScaleKind::kLinear;
      p.x_domain = log_x ? std::make_pair(std::pow(10.0, lead->log10_lo), std::pow(10.0, lead->log10_hi))
                         : std::make_pair(0.0, 1.0);
      p.legend_title = "FPN level";
      auto add = [&](const GradNormRecord* rec, const RunData& run, bool dashed) {
        if (!rec) return;
        const auto* rr = role_of(*rec, role);
        for (size_t j = 0; j <= rr->levels.size(); ++j) {
          // All levels first, wide and grey, so that the levels stay visible over it.
          const bool all = j == 0;
          const size_t k = j - 1;
          const LevelGradNorms l = all ? sum_levels(*rr) : rr->levels[k];
          Series s = log_x ? log_density(l, rec->log10_lo, rec->log10_hi) : linear_density(l);
          s.name = dashed ? "" : (all ? "all levels" : level_name(k));
          s.colour = all ? "#9a9a9a" : categorical_colour(k);
          s.width = all ? 4.0 : 1.6;
          s.dashed = dashed;
          p.series.push_back(std::move(s));
        }
      };
      add(la, a, false);
      if (b) add(lb, *b, true);
      add_run_key(p, a, b);
      Figure f;
      f.id = fmt::format("gradnorm_{}_{}", role, log_x ? "log" : "levels");
      f.section = "gradients";
      f.caption = log_x
                      ? "The same densities over log10 g: the mass of very easy elements (g near 0) that "
                        "a linear axis hides in its first bin."
                      : "Fraction of (valid) elements per gradient-norm bin of width 0.01 at the last "
                        "recorded iteration, one line per FPN level and all levels together (the GHM "
                        "paper's Figure 1): the easy elements near g = 0 dominate, and a bump near g = 1 "
                        "marks the outliers.";
      f.svg = render(p);
      out.push_back(std::move(f));
    }

    // Each level over training.
    const size_t levels = lead_role.levels.size();
    for (size_t k = 0; k < levels; ++k) {
      LinePlot p;
      p.title = fmt::format("{} over training, {}", level_name(k), title);
      p.x_label = x_label;
      p.y_label = "fraction of elements";
      p.y_scale = ScaleKind::kLog;
      p.x_domain = std::make_pair(0.0, 1.0);
      p.height = 340;
      p.legend_title = "iteration";
      std::vector<const GradNormRecord*> recs;
      for (const auto& r : a.grad_norms) if (role_of(r, role) && role_of(r, role)->levels.size() > k) recs.push_back(&r);
      const auto picks = spread(recs.size(), 5);
      std::vector<int64_t> iters;
      for (size_t j = 0; j < picks.size(); ++j) {
        const auto* rec = recs[picks[j]];
        Series s = linear_density(role_of(*rec, role)->levels[k]);
        s.name = fmt::format("{}", rec->global_iter);
        s.colour = sequential_colour(picks.size() > 1 ? 0.85 * j / (picks.size() - 1) : 0.0);
        s.width = 1.6;
        iters.push_back(rec->global_iter);
        p.series.push_back(std::move(s));
      }
      if (b) {
        // The compared run's records nearest to the same iterations, dashed in the same colours
        // (its own spread when the first run has none).
        std::vector<const GradNormRecord*> brecs, chosen;
        for (const auto& r : b->grad_norms) if (role_of(r, role) && role_of(r, role)->levels.size() > k) brecs.push_back(&r);
        if (iters.empty()) {
          for (size_t i : spread(brecs.size(), 5)) chosen.push_back(brecs[i]);
        } else if (!brecs.empty()) {
          for (int64_t it : iters) {
            const GradNormRecord* best = brecs.front();
            for (const auto* r : brecs)
              if (std::llabs(r->global_iter - it) < std::llabs(best->global_iter - it)) best = r;
            chosen.push_back(best);
          }
        }
        for (size_t j = 0; j < chosen.size(); ++j) {
          Series s = linear_density(role_of(*chosen[j], role)->levels[k]);
          s.colour = sequential_colour(chosen.size() > 1 ? 0.85 * j / (chosen.size() - 1) : 0.0);
          s.dashed = true;
          s.width = 1.6;
          if (iters.empty()) s.name = fmt::format("{}", chosen[j]->global_iter);
          p.series.push_back(std::move(s));
        }
      }
      bool any = false;
      for (const auto& s : p.series)
        for (double v : s.y) any = any || (std::isfinite(v) && v > 0);
      if (!any) continue;  // no valid element at this level in any record (e.g. no positive)
      add_run_key(p, a, b);
      Figure f;
      f.id = fmt::format("gradnorm_{}_{}", role, level_name(k));
      f.section = "gradients";
      f.caption = fmt::format("{}: the gradient-norm density at successive recorded iterations (dark = early).",
                              level_name(k));
      f.svg = render(p);
      out.push_back(std::move(f));
    }

    // GHM bins: weights and EMA counts, when the loss has them.
    const auto has_ghm = [&](const GradNormRecord* rec) {
      return rec && !role_of(*rec, role)->levels.empty() && role_of(*rec, role)->levels[0].ghm.has_value();
    };
    if (has_ghm(la) || has_ghm(lb)) {
      for (const bool ema : {false, true}) {
        LinePlot p;
        const GradNormRecord* shown = has_ghm(la) ? la : lb;
        const std::string loss = role_of(*shown, role)->loss;
        p.title = ema ? fmt::format("EMA of the bin counts, {} — iter. {}", loss, shown->global_iter)
                      : fmt::format("Weight β per GHM bin, {} — iter. {}", loss, shown->global_iter);
        p.x_label = g_label(role_of(*shown, role)->loss) + " (GHM bins)";
        p.y_label = ema ? "acc_sum (elements per bin, EMA)" : "weight β = tot / (acc_sum · n)";
        p.y_scale = ScaleKind::kLog;
        p.x_domain = std::make_pair(0.0, 1.0);
        p.legend_title = "FPN level";
        bool any = false;
        auto add = [&](const GradNormRecord* rec, bool dashed) {
          if (!has_ghm(rec)) return;
          const auto* rr = role_of(*rec, role);
          for (size_t k = 0; k < rr->levels.size(); ++k) {
            if (!rr->levels[k].ghm) continue;
            const auto& g = *rr->levels[k].ghm;
            const auto& values = ema ? g.acc_sum : g.beta;
            // A level without elements in any bin (no positive box at P7) has nothing to draw.
            if (std::none_of(values.begin(), values.end(), [](double v) { return v > 0; })) continue;
            Series s;
            const size_t bins = g.counts.size();
            for (size_t i = 0; i < bins; ++i) {
              // GHM-R's last edge is 1000; on the plot every bin is 1/bins wide.
              s.x.push_back(static_cast<double>(i) / static_cast<double>(bins));
              s.y.push_back(values[i] > 0 ? values[i] : NAN);
            }
            s.steps = true;
            s.step_end = 1.0;
            s.name = dashed ? "" : level_name(k);
            s.colour = categorical_colour(k);
            s.dashed = dashed;
            p.series.push_back(std::move(s));
            any = true;
          }
        };
        add(la, false);
        if (b) add(lb, true);
        if (!any) continue;
        add_run_key(p, a, b);
        Figure f;
        f.id = fmt::format("ghm_{}_{}", ema ? "ema" : "beta", role);
        f.section = "gradients";
        f.caption = ema ? "The exponential moving average of the number of elements per GHM bin (the loss's "
                          "acc_sum buffer) after the last recorded iteration; the weights divide by it."
                        : "The weight each element of a bin receives: crowded bins (the many easy "
                          "elements, and the outliers) are down-weighted, sparse bins up-weighted. Empty "
                          "bins get no weight and leave a gap.";
        f.svg = render(p);
        out.push_back(std::move(f));
      }
    }
  }
}

void training_figures(const RunData& a, const RunData* b, std::vector<Figure>& out) {
  if (a.train.empty() && (!b || b->train.empty())) return;
  std::vector<std::string> keys;
  auto collect = [&](const RunData& r) {
    for (const auto& t : r.train)
      for (const auto& [k, v] : t.losses)
        if (std::find(keys.begin(), keys.end(), k) == keys.end()) keys.push_back(k);
  };
  collect(a);
  if (b) collect(*b);
  // The terms alphabetically, their sum "loss" last.
  std::sort(keys.begin(), keys.end(), [](const std::string& x, const std::string& y) {
    return (x == "loss") != (y == "loss") ? y == "loss" : x < y;
  });
  LinePlot loss;
  loss.title = "Training losses";
  loss.x_label = "iteration";
  loss.y_label = "loss (mean over the logging interval)";
  loss.y_include_zero = true;
  loss.legend_title = "term";
  LinePlot lr;
  lr.title = "Learning rate";
  lr.x_label = "iteration";
  lr.y_label = "learning rate";
  lr.y_include_zero = true;
  auto add = [&](const RunData& r, bool dashed) {
    for (size_t k = 0; k < keys.size(); ++k) {
      Series s;
      for (const auto& t : r.train) {
        const auto it = t.losses.find(keys[k]);
        if (it == t.losses.end()) continue;
        s.x.push_back(static_cast<double>(t.global_iter));
        s.y.push_back(it->second);
      }
      s.name = dashed ? "" : keys[k];
      s.colour = keys[k] == "loss" ? "#000000" : categorical_colour(k);
      s.dashed = dashed;
      loss.series.push_back(std::move(s));
    }
    Series s;
    for (const auto& t : r.train) {
      s.x.push_back(static_cast<double>(t.global_iter));
      s.y.push_back(t.lr);
    }
    s.name = r.name;
    s.dashed = dashed;
    s.colour = categorical_colour(0);
    lr.series.push_back(std::move(s));
  };
  add(a, false);
  if (b) add(*b, true);
  add_run_key(loss, a, b);
  out.push_back({"loss", "training", "Each loss term and their sum, as logged (metrics.jsonl), against the iteration.",
                 render(loss)});
  out.push_back({"lr", "training", "The learning rate of the logged iterations (warm-up, then steps).", render(lr)});
}

void evaluation_figures(const RunData& a, const RunData* b, std::vector<Figure>& out) {
  const bool any_val = !a.val.empty() || (b && !b->val.empty());
  if (any_val) {
    static const std::vector<std::string> kShown = {"bbox_mAP", "bbox_mAP_50", "bbox_mAP_75", "mAP"};
    LinePlot p;
    p.title = "AP per evaluated epoch";
    p.x_label = "epoch";
    p.x_integer = true;
    p.y_label = "AP";
    p.y_include_zero = true;
    p.legend_title = "metric";
    auto add = [&](const RunData& r, bool dashed) {
      for (size_t k = 0; k < kShown.size(); ++k) {
        Series s;
        for (const auto& v : r.val) {
          const auto it = v.metrics.find(kShown[k]);
          if (it == v.metrics.end()) continue;
          s.x.push_back(static_cast<double>(v.epoch));
          s.y.push_back(it->second);
        }
        if (s.x.empty()) continue;
        s.name = dashed ? "" : kShown[k];
        s.colour = categorical_colour(k);
        s.markers = true;
        s.dashed = dashed;
        p.series.push_back(std::move(s));
      }
    };
    add(a, false);
    if (b) add(*b, true);
    add_run_key(p, a, b);
    out.push_back({"ap", "evaluation",
                   "AP on the validation set after each evaluated epoch (bbox_mAP = COCO AP@[.5:.95], _50 and _75 at "
                   "IoU 0.5 and 0.75; mAP = VOC's).",
                   render(p)});
  }
  const PerClassRecord* pa = a.per_class.empty() ? nullptr : &a.per_class.back();
  const PerClassRecord* pb = b && !b->per_class.empty() ? &b->per_class.back() : nullptr;
  if (!pa && !pb) return;
  const PerClassRecord& lead = pa ? *pa : *pb;
  const bool coco = lead.metric == "bbox";
  BarChart bars;
  bars.title = fmt::format("Per-class {} — epoch {}", coco ? "AP@[.5:.95]" : "AP@0.5", lead.epoch);
  bars.y_label = coco ? "AP@[.5:.95]" : "AP@0.5";
  for (const auto& c : lead.classes) bars.categories.push_back(c.name);
  auto add_bars = [&](const PerClassRecord* r, const RunData& run, size_t colour) {
    if (!r) return;
    BarSeries s;
    s.name = run.name;
    s.colour = categorical_colour(colour);
    for (const auto& name : bars.categories) {
      double v = -1;
      for (const auto& c : r->classes) if (c.name == name) v = coco ? c.ap : c.ap50;
      s.values.push_back(v);
    }
    bars.series.push_back(std::move(s));
  };
  add_bars(pa, a, 0);
  if (b) add_bars(pb, *b, 1);
  out.push_back({"per_class_ap", "evaluation",
                 "AP of each class at the last evaluation (no bar: the class has no ground truth).", render(bars)});

  LinePlot pr;
  pr.title = fmt::format("Precision–recall at IoU {} — epoch {}", lead.iou, lead.epoch);
  pr.x_label = "recall";
  pr.y_label = "precision";
  pr.x_domain = std::make_pair(0.0, 1.0);
  pr.y_domain = std::make_pair(0.0, 1.0);
  pr.legend_title = "class";
  pr.height = 460;
  auto add_pr = [&](const PerClassRecord* r, bool dashed) {
    if (!r) return;
    for (size_t k = 0; k < r->classes.size(); ++k) {
      Series s;
      s.x = r->classes[k].recall;
      s.y = r->classes[k].precision;
      s.name = dashed ? "" : r->classes[k].name;
      s.colour = categorical_colour(k);
      s.width = 1.6;
      s.dashed = dashed;
      pr.series.push_back(std::move(s));
    }
  };
  add_pr(pa, false);
  if (b) add_pr(pb, true);
  add_run_key(pr, a, b);
  out.push_back({"pr_curves", "evaluation",
                 coco ? "COCO's interpolated precision at 101 recall levels, IoU 0.5, per class."
                      : "Precision against recall, detections in score order, IoU 0.5, per class.",
                 render(pr)});
}

}  // namespace

std::string level_name(size_t index) { return fmt::format("P{}", index + 3); }

std::vector<Figure> report_figures(const RunData& run, const RunData* compare) {
  std::vector<Figure> out;
  gradient_figures(run, compare, out);
  training_figures(run, compare, out);
  evaluation_figures(run, compare, out);
  return out;
}

}  // namespace ghmdet::viz
