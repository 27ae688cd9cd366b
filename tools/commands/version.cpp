// `ghmdet version`: the library version, the libtorch it runs on, the OpenMP wait policy in
// effect (core/wait_policy.h) and the CPU's bf16 features (core/cpu_features.h).
#include <torch/torch.h>

#include <iostream>

#include "../command.h"
#include "ghmdet/core/cpu_features.h"
#include "ghmdet/core/inference_dtype.h"
#include "ghmdet/core/runtime.h"
#include "ghmdet/core/wait_policy.h"

GHMDET_REGISTER_COMMAND("version", "Print the GHMDet and libtorch versions, and the devices seen",
                        [](CLI::App&) -> std::function<int()> {
                          return [] {
                            std::cout << "ghmdet 0.1.0, libtorch " << TORCH_VERSION
                                      << ", CUDA devices: " << ghmdet::cuda_device_count() << "\n"
                                      << "OpenMP waiting: " << ghmdet::wait_policy_description() << "\n"
                                      << "CPU: " << ghmdet::cpu_features_description() << "; "
                                      << ghmdet::bf16_inference_description() << "\n";
                            return 0;
                          };
                        });
