// The figures of `ghmdet report`, built from one run (or two, overlaid: the second dashed, the
// same colour meaning the same thing in both). Each figure is a standalone SVG with a stable
// id (its file name under plots/) and a caption; figures whose data a run lacks (no
// ghm_stats.jsonl, no evaluation) are left out, never drawn empty.
//
// Sections and ids:
//   gradients — gradnorm_<role>_levels (the GHM paper's Figure 1: fraction of elements per
//               gradient-norm bin, log y, one line per FPN level at the last record),
//               gradnorm_<role>_log (the same over log10 g), gradnorm_<role>_P<k> (one level
//               over training, successive records dark to light), ghm_beta_<role> (the
//               harmonised weight per GHM bin), ghm_ema_<role> (the EMA bin counts acc_sum);
//               role = cls | reg.
//   training  — loss (each term), lr
//   evaluation — ap (per evaluated epoch), per_class_ap, pr_curves (IoU 0.5, last evaluation)
#pragma once

#include <string>
#include <vector>

#include "ghmdet/viz/run_data.h"

namespace ghmdet::viz {

struct Figure {
  std::string id;       // file stem, unique
  std::string section;  // gradients | training | evaluation
  std::string caption;
  std::string svg;
};

// FPN level names in call order: P3, P4, ... (RetinaNet's first level is P3).
std::string level_name(size_t index);

// `compare` may be null.
std::vector<Figure> report_figures(const RunData& run, const RunData* compare);

}  // namespace ghmdet::viz
