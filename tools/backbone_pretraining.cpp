// `pretrain_backbone` of cli_support.h: the config's backbone, its training data, crop pretraining;
// and the `backbone_pretraining` config section that asks for it before training.
#include <fmt/format.h>

#include <filesystem>
#include <iostream>

#include "cli_support.h"
#include "ghmdet/core/error.h"
#include "ghmdet/data/build.h"
#include "ghmdet/engine/crop_pretraining.h"
#include "ghmdet/engine/determinism.h"
#include "ghmdet/modeling/build.h"

namespace fs = std::filesystem;

namespace ghmdet::cli {

double pretrain_backbone(const Config& cfg, const PretrainRequest& request) {
  if (request.out.empty()) throw Error("pretrain: no output file given");
  seed_everything(request.seed);
  // Every stage learns here, with batch statistics: what the detector freezes later is its own choice.
  auto options = build_resnet_options(cfg["model"]["backbone"]).frozen_stages(-1).norm_eval(false);
  ResNet backbone(options);
  const int64_t num_classes = cfg["model"]["bbox_head"].get<int64_t>("num_classes");

  // A pretraining batch may hold more scenes than a detection batch: crops are cheap.
  const Config data = request.imgs_per_gpu > 0
                          ? Config::from_string(cfg["data"].dump(), cfg.file(),
                                                {"imgs_per_gpu=" + std::to_string(request.imgs_per_gpu)})
                          : cfg["data"];
  auto dataset = make_dataset(data["train"]);
  LoaderSetup setup;
  setup.seed = request.seed;
  setup.device = request.device;
  auto loader = make_data_loader(dataset, data, setup);

  CropPretrainingOptions o;
  o.iterations(request.iterations).lr(request.lr).optimizer(request.optimizer).weight_decay(request.weight_decay);
  o.crop_size(request.crop_size).device(request.device);
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
  if (const auto skipped = dataset->skipped_images(); !skipped.empty())
    std::cout << fmt::format("  skipped {} unreadable training images (data.train.skip_corrupt_images): {}\n",
                             skipped.size(), fmt::join(skipped, ", "));
  return result.final_accuracy;
}

PretrainRequest pretrain_request_from(const Config& cfg) {
  PretrainRequest r;
  if (!cfg.has("backbone_pretraining") || cfg["backbone_pretraining"].is_null()) return r;
  const Config p = cfg["backbone_pretraining"];
  p.check_keys({"iterations", "optimizer", "lr", "weight_decay", "imgs_per_gpu", "crop_size"});
  r.iterations = p.get<int64_t>("iterations", r.iterations);
  r.optimizer = p.get<std::string>("optimizer", r.optimizer);
  r.lr = p.get<double>("lr", r.lr);
  r.weight_decay = p.get<double>("weight_decay", r.weight_decay);
  r.imgs_per_gpu = p.get<int64_t>("imgs_per_gpu", r.imgs_per_gpu);
  r.crop_size = p.get<int64_t>("crop_size", r.crop_size);
  if (r.iterations < 1) throw p["iterations"].error("must be at least 1");
  if (r.optimizer != "sgd" && r.optimizer != "adamw")
    throw p["optimizer"].error(fmt::format("unknown optimizer '{}' (expected sgd or adamw)", r.optimizer));
  if (!(r.lr > 0)) throw p["lr"].error("must be positive");
  if (r.weight_decay < 0) throw p["weight_decay"].error("must not be negative");
  if (r.imgs_per_gpu < 0) throw p["imgs_per_gpu"].error("must not be negative");
  if (r.crop_size < 8) throw p["crop_size"].error("must be at least 8");
  return r;
}

bool backbone_pretraining_wanted(const Config& cfg) {
  if (!cfg.has("backbone_pretraining") || cfg["backbone_pretraining"].is_null()) return false;
  const auto is_set = [](const Config& c, const std::string& key) {
    return c.has(key) && !c[key].is_null() && !c.get<std::string>(key).empty();
  };
  return !is_set(cfg["model"], "pretrained") && !is_set(cfg, "load_from") && !is_set(cfg, "resume_from");
}

std::string pretrained_backbone_override(const Config& cfg, const torch::Device& device, uint64_t seed) {
  if (!backbone_pretraining_wanted(cfg)) return "";
  PretrainRequest request = pretrain_request_from(cfg);
  const fs::path out = fs::path(cfg.get<std::string>("work_dir")) / "backbone_pretrained.pth";
  if (fs::is_regular_file(out)) {
    std::cout << "using the pretrained backbone " << out.string() << " of an earlier run (delete it to pretrain again)\n";
  } else {
    request.out = out.string();
    request.device = device;
    request.seed = seed;
    pretrain_backbone(cfg, request);
  }
  return Config::string_override("model.pretrained", out.string());
}

}  // namespace ghmdet::cli
