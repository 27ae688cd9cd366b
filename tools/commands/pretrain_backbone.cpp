// `ghmdet pretrain-backbone CONFIG --out FILE [--iters N] [--lr X] [--optimizer sgd|adamw]
//   [--weight-decay X] [--seed S] [--device D] [--cfg-options]`:
// the backbone of CONFIG learns to classify the objects of CONFIG's training set (crops of the
// ground-truth boxes), and is saved with torchvision ResNet names, ready for
// `model.pretrained=FILE` — a stand-in for ImageNet weights where none are at hand. The config's
// `backbone_pretraining` section, when it has one, gives the settings the flags do not.
#include "../cli_support.h"
#include "../command.h"
#include "../config_check.h"

namespace ghmdet::cli {
namespace {

struct PretrainArgs {
  std::string config, device;
  std::vector<std::string> overrides;
  PretrainRequest request;
  CLI::Option *iters_flag = nullptr, *lr_flag = nullptr, *optimizer_flag = nullptr, *weight_decay_flag = nullptr;
};

std::function<int()> setup(CLI::App& sub) {
  auto a = std::make_shared<PretrainArgs>();
  sub.add_option("config", a->config,
                 "Config file (YAML): model.backbone and data.train are used; its backbone_pretraining section "
                 "gives the defaults of the flags below")
      ->required();
  sub.add_option("--out", a->request.out, "Where the backbone weights go (.pth)")->required();
  // The defaults shown are the built-in ones; a config with a backbone_pretraining section
  // replaces them for the flags not given.
  a->iters_flag = sub.add_option("--iters", a->request.iterations, "Classification iterations (one detection batch each)")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  a->lr_flag = sub.add_option("--lr", a->request.lr, "Peak learning rate (linear warm-up, cosine decay)")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  a->optimizer_flag = sub.add_option("--optimizer", a->request.optimizer, "sgd (momentum 0.9) or adamw")
      ->capture_default_str()
      ->check(CLI::IsMember({"sgd", "adamw"}));
  a->weight_decay_flag = sub.add_option("--weight-decay", a->request.weight_decay, "Weight decay")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  sub.add_option("--seed", a->request.seed, "Random seed")->capture_default_str();
  sub.add_option("--device", a->device, "cpu, cuda or cuda:N (default: cuda:0 when present, else cpu)");
  sub.add_option("--cfg-options", a->overrides, "Config overrides key.path=value (YAML values)");
  return [a] {
    const Config cfg = load_config(a->config, a->overrides);
    ConfigUse use;
    use.pretrain_backbone = true;
    check_config(cfg, use);
    // The config's backbone_pretraining section gives the defaults; flags given win.
    PretrainRequest request = pretrain_request_from(cfg);
    request.out = a->request.out;
    request.seed = a->request.seed;
    request.device = device_from_flag(a->device);
    if (a->iters_flag->count()) request.iterations = a->request.iterations;
    if (a->lr_flag->count()) request.lr = a->request.lr;
    if (a->optimizer_flag->count()) request.optimizer = a->request.optimizer;
    if (a->weight_decay_flag->count()) request.weight_decay = a->request.weight_decay;
    pretrain_backbone(cfg, request);
    return 0;
  };
}

}  // namespace
}  // namespace ghmdet::cli

GHMDET_REGISTER_COMMAND("pretrain-backbone",
                        "Pretrain a config's backbone by classifying its training objects (ImageNet stand-in)",
                        ghmdet::cli::setup);
