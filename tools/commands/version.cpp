// `ghmdet version`: the library version and the libtorch it runs on.
#include <torch/torch.h>

#include <iostream>

#include "../command.h"

GHMDET_REGISTER_COMMAND("version", "Print the GHMDet and libtorch versions, and the devices seen",
                        [](CLI::App&) -> std::function<int()> {
                          return [] {
                            std::cout << "ghmdet 0.1.0, libtorch " << TORCH_VERSION
                                      << ", CUDA devices: " << torch::cuda::device_count() << "\n";
                            return 0;
                          };
                        });
