// write_report — `ghmdet report`: one self-contained HTML page about a training run (and
// optionally a second one overlaid on the same axes), plus every figure as a standalone SVG.
//
//   out_dir/report.html     inline SVG figures, inline CSS, pictures as data: URIs — no
//                           network, no other file needed to view it
//   out_dir/plots/<id>.svg  the same figures, for papers (ids: report_figures.h)
//
// The page: a summary table of the run(s), the gradient-norm figures (the GHM paper's view of
// the problem, per FPN level and over training; GHM bin weights and EMA counts), the training
// curves, the evaluation (AP per epoch, per-class AP table and bars, PR curves), and up to
// `max_pictures` detection pictures per run (work_dir/pictures). Sections whose data is missing
// say so and how to get it. Errors (missing work_dir, malformed files) as run_data.h; an
// unwritable out_dir is an error naming it.
#pragma once

#include <string>
#include <vector>

namespace ghmdet::viz {

struct ReportOptions {
  std::string work_dir;
  std::string compare_dir;  // "" = none
  std::string out_dir;      // "" = work_dir
  size_t max_pictures = 12;
};

struct ReportResult {
  std::string html_path;
  std::vector<std::string> svg_paths;
};

ReportResult write_report(const ReportOptions& options);

}  // namespace ghmdet::viz
