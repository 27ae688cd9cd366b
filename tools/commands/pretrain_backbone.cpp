// `ghmdet pretrain-backbone CONFIG --out FILE [--iters N] [--seed S] [--device D] [--cfg-options]`:
// the backbone of CONFIG learns to classify the objects of CONFIG's training set (crops of the
// ground-truth boxes), and is saved with torchvision ResNet names, ready for
// `model.pretrained=FILE` — a stand-in for ImageNet weights where none are at hand.
#include "../cli_support.h"
#include "../command.h"

namespace ghmdet::cli {
namespace {

struct PretrainArgs {
  std::string config, device;
  std::vector<std::string> overrides;
  PretrainRequest request;
};

std::function<int()> setup(CLI::App& sub) {
  auto a = std::make_shared<PretrainArgs>();
  sub.add_option("config", a->config, "Config file (YAML): model.backbone and data.train are used")->required();
  sub.add_option("--out", a->request.out, "Where the backbone weights go (.pth)")->required();
  sub.add_option("--iters", a->request.iterations, "Classification iterations (one detection batch each)")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  sub.add_option("--lr", a->request.lr, "Peak learning rate (linear warm-up, cosine decay)")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  sub.add_option("--seed", a->request.seed, "Random seed")->capture_default_str();
  sub.add_option("--device", a->device, "cpu, cuda or cuda:N (default: cuda:0 when present, else cpu)");
  sub.add_option("--cfg-options", a->overrides, "Config overrides key.path=value (YAML values)");
  return [a] {
    a->request.device = device_from_flag(a->device);
    pretrain_backbone(load_config(a->config, a->overrides), a->request);
    return 0;
  };
}

}  // namespace
}  // namespace ghmdet::cli

GHMDET_REGISTER_COMMAND("pretrain-backbone",
                        "Pretrain a config's backbone by classifying its training objects (ImageNet stand-in)",
                        ghmdet::cli::setup);
