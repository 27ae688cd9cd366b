// make_detector_weights CONFIG OUT [key.path=value ...]: the freshly initialised weights of the
// config's detector (with the overrides) as a GHMDet checkpoint, for the CLI tests of weight
// loading: built with the config as is, it covers that config's model; built with another
// num_classes, one head layer has the wrong shape.
#include <exception>
#include <iostream>
#include <string>
#include <vector>

#include "ghmdet/core/config.h"
#include "ghmdet/io/checkpoint.h"
#include "ghmdet/modeling/build.h"
#include "ghmdet/modeling/retinanet.h"

int main(int argc, char** argv) {
  if (argc < 3) {
    std::cerr << "usage: make_detector_weights CONFIG OUT [key.path=value ...]\n";
    return 2;
  }
  try {
    const std::vector<std::string> overrides(argv + 3, argv + argc);
    const ghmdet::Config cfg = ghmdet::Config::load(argv[1], overrides);
    torch::manual_seed(0);
    auto model = ghmdet::build_detector(cfg["model"], ghmdet::Config(), cfg["test_cfg"]);
    ghmdet::Checkpoint checkpoint;
    for (const auto& p : model->named_parameters()) checkpoint.model.insert(p.key(), p.value().detach());
    for (const auto& b : model->named_buffers()) checkpoint.model.insert(b.key(), b.value());
    ghmdet::save_checkpoint(argv[2], checkpoint);
    std::cout << checkpoint.model.size() << " tensors written to " << argv[2] << "\n";
  } catch (const std::exception& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
