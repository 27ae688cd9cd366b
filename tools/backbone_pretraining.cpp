// `pretrain_backbone` of cli_support.h: the config's backbone, its training data, crop pretraining.
#include <fmt/format.h>

#include <filesystem>
#include <iostream>

#include "cli_support.h"
#include "ghmdet/core/error.h"
#include "ghmdet/data/build.h"
#include "ghmdet/engine/crop_pretraining.h"
#include "ghmdet/engine/determinism.h"
#include "ghmdet/modeling/build.h"

namespace ghmdet::cli {

double pretrain_backbone(const Config& cfg, const PretrainRequest& request) {
  if (request.out.empty()) throw Error("pretrain: no output file given");
  seed_everything(request.seed);
  // Every stage learns here, with batch statistics: what the detector freezes later is its own choice.
  auto options = build_resnet_options(cfg["model"]["backbone"]).frozen_stages(-1).norm_eval(false);
  ResNet backbone(options);
  const int64_t num_classes = cfg["model"]["bbox_head"].get<int64_t>("num_classes");

  const Config data = cfg["data"];
  auto dataset = make_dataset(data["train"]);
  LoaderSetup setup;
  setup.seed = request.seed;
  setup.device = request.device;
  auto loader = make_data_loader(dataset, data, setup);

  CropPretrainingOptions o;
  o.iterations(request.iterations).lr(request.lr).device(request.device);
  o.warmup_iters(std::min<int64_t>(o.warmup_iters(), request.iterations / 4));
  std::cout << fmt::format("pretraining the ResNet-{} backbone on object crops of {} training images "
                           "({} iterations)\n",
                           options.depth(), dataset->size(), o.iterations())
            << std::flush;
  const CropPretrainingBackbone trained{*backbone, [&](const torch::Tensor& x) { return backbone->forward(x).back(); },
                                       backbone->out_channels().back()};
  const auto result = pretrain_on_crops(trained, num_classes, *loader, o, [](const CropPretrainingProgress& p) {
    std::cout << fmt::format("  crops [{}/{}]  loss {:.4f}  accuracy {:.3f}\n", p.iteration, p.iterations, p.loss,
                             p.accuracy)
              << std::flush;
  });
  const auto parent = std::filesystem::path(request.out).parent_path();
  if (!parent.empty()) std::filesystem::create_directories(parent);
  save_backbone_weights(*backbone, request.out,
                        {{"crop_pretraining", {{"iterations", result.iterations},
                                               {"crops", result.crops},
                                               {"final_accuracy", result.final_accuracy},
                                               {"seconds", result.seconds}}}});
  std::cout << fmt::format("  {} crops in {:.0f} s, last accuracy {:.3f}; backbone saved to {}\n", result.crops,
                           result.seconds, result.final_accuracy, request.out);
  return result.final_accuracy;
}

}  // namespace ghmdet::cli
