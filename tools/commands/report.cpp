// `ghmdet report WORK_DIR [--compare WORK_DIR2] [--out DIR] [--max-pictures N]`: a
// self-contained report.html of a training run (gradient-norm densities per FPN level, GHM bin
// weights, loss and lr curves, AP per epoch, per-class AP, PR curves, detection pictures) and
// every figure as plots/<name>.svg; --compare overlays a second run (e.g. focal loss vs GHM).
#include <iostream>

#include "../command.h"
#include "ghmdet/viz/report.h"

namespace ghmdet::cli {
namespace {

std::function<int()> setup(CLI::App& sub) {
  auto o = std::make_shared<viz::ReportOptions>();
  sub.add_option("work_dir", o->work_dir, "The work_dir of a `ghmdet train` run")->required();
  sub.add_option("--compare", o->compare_dir, "A second run's work_dir, drawn dashed on the same axes");
  sub.add_option("--out", o->out_dir, "Where report.html and plots/ go (default: WORK_DIR)");
  sub.add_option("--max-pictures", o->max_pictures, "Detection pictures shown per run")->capture_default_str();
  return [o]() -> int {
    const auto r = viz::write_report(*o);
    std::cout << "report: " << r.html_path << " (" << r.svg_paths.size() << " figures in plots/)\n";
    return 0;
  };
}

}  // namespace
}  // namespace ghmdet::cli

GHMDET_REGISTER_COMMAND("report", "Write report.html (and SVG plots) of a training run; --compare another run",
                        ghmdet::cli::setup);
