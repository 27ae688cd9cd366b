#include "ghmdet/modeling/build.h"

#include <fmt/format.h>

namespace ghmdet {
namespace {

void expect_type(const Config& cfg, const std::string& want) {
  const auto type = cfg.get<std::string>("type");
  if (type != want)
    throw cfg["type"].error(fmt::format("unsupported type '{}' (supported: {})", type, want));
}

}  // namespace

ResNetOptions build_resnet_options(const Config& cfg) {
  cfg.check_keys({"type", "depth", "num_stages", "out_indices", "frozen_stages", "norm_eval",
                  "style", "norm_cfg", "base_channels"});
  expect_type(cfg, "ResNet");
  const auto style = cfg.get<std::string>("style", "pytorch");
  if (style != "pytorch")
    throw cfg["style"].error(fmt::format("unsupported style '{}' (supported: pytorch)", style));
  if (cfg.has("norm_cfg")) {
    const auto norm = cfg["norm_cfg"];
    norm.check_keys({"type", "requires_grad"});
    if (norm.get<std::string>("type") != "BN" || !norm.get<bool>("requires_grad", true))
      throw norm.error("only {type: BN, requires_grad: true} is supported");
  }
  ResNetOptions o;
  o.depth(cfg.get<int64_t>("depth"))
      .num_stages(cfg.get<int64_t>("num_stages", 4))
      .out_indices(cfg.get<std::vector<int64_t>>("out_indices", {0, 1, 2, 3}))
      .frozen_stages(cfg.get<int64_t>("frozen_stages", -1))
      .norm_eval(cfg.get<bool>("norm_eval", true))
      .base_channels(cfg.get<int64_t>("base_channels", 64));
  if (o.depth() != 18 && o.depth() != 34 && o.depth() != 50 && o.depth() != 101)
    throw cfg["depth"].error(fmt::format("unsupported depth {} (valid: 18, 34, 50, 101)", o.depth()));
  if (o.num_stages() < 1 || o.num_stages() > 4)
    throw cfg["num_stages"].error("must be in 1..4");
  for (auto i : o.out_indices())
    if (i < 0 || i >= o.num_stages())
      throw cfg["out_indices"].error(fmt::format("index {} is not among the {} stages", i, o.num_stages()));
  if (o.frozen_stages() > o.num_stages())
    throw cfg["frozen_stages"].error("exceeds num_stages");
  return o;
}

FPNOptions build_fpn_options(const Config& cfg, bool p6_from_p5_relu) {
  cfg.check_keys({"type", "in_channels", "out_channels", "num_outs", "start_level", "end_level",
                  "add_extra_convs", "extra_convs_on_inputs", "relu_before_extra_convs"});
  expect_type(cfg, "FPN");
  if (cfg.get<int64_t>("end_level", -1) != -1)
    throw cfg["end_level"].error("only end_level -1 (all backbone levels) is supported");
  FPNOptions o(cfg.get<std::vector<int64_t>>("in_channels"), cfg.get<int64_t>("out_channels"),
               cfg.get<int64_t>("num_outs"));
  o.start_level(cfg.get<int64_t>("start_level", 0));
  if (o.start_level() < 0 || o.start_level() >= static_cast<int64_t>(o.in_channels().size()))
    throw cfg["start_level"].error("must index one of in_channels");
  if (o.num_outs() < static_cast<int64_t>(o.in_channels().size()) - o.start_level())
    throw cfg["num_outs"].error("is smaller than the number of levels used");

  // add_extra_convs: a bool (mmdetection v1, with extra_convs_on_inputs) or v2's strings.
  ExtraConvSource source = ExtraConvSource::kNone;
  if (cfg.has("add_extra_convs") && !cfg["add_extra_convs"].is_null()) {
    const auto node = cfg["add_extra_convs"];
    const auto text = node.node().Scalar();
    if (text == "on_input") {
      source = ExtraConvSource::kInput;
    } else if (text == "on_output") {
      source = ExtraConvSource::kOutput;
    } else if (text == "on_lateral") {
      throw node.error("add_extra_convs 'on_lateral' is not supported (on_input, on_output, true, false)");
    } else if (cfg.get<bool>("add_extra_convs")) {
      const bool on_inputs = cfg.get<bool>("extra_convs_on_inputs", !p6_from_p5_relu);
      source = on_inputs ? ExtraConvSource::kInput : ExtraConvSource::kOutput;
    }
  }
  o.extra_source(source);
  o.relu_before_extra_convs(cfg.get<bool>("relu_before_extra_convs", p6_from_p5_relu));
  return o;
}

RetinaHeadOptions build_retina_head_options(const Config& cfg) {
  cfg.check_keys({"type", "num_classes", "in_channels", "stacked_convs", "feat_channels",
                  "octave_base_scale", "scales_per_octave", "anchor_ratios", "anchor_strides",
                  "anchor_sizes", "anchor_base_sizes", "target_means", "target_stds", "loss_cls",
                  "loss_bbox"});
  expect_type(cfg, "RetinaHead");
  RetinaHeadOptions o(cfg.get<int64_t>("num_classes"), cfg.get<int64_t>("in_channels"));
  if (o.num_classes() < 1) throw cfg["num_classes"].error("must be at least 1");
  o.stacked_convs(cfg.get<int64_t>("stacked_convs", 4)).feat_channels(cfg.get<int64_t>("feat_channels", 256));
  const auto ratios = cfg.get<std::vector<double>>("anchor_ratios", {0.5, 1.0, 2.0});
  int64_t per_ratio = cfg.get<int64_t>("scales_per_octave", 3);
  if (cfg.has("anchor_sizes")) {
    const auto sizes = cfg["anchor_sizes"];
    if (!sizes.is_sequence() || sizes.size() == 0) throw sizes.error("expected a list of per-level size lists");
    per_ratio = static_cast<int64_t>(sizes.at(0).as<std::vector<double>>().size());
    for (size_t l = 1; l < sizes.size(); ++l)
      if (static_cast<int64_t>(sizes.at(l).as<std::vector<double>>().size()) != per_ratio)
        throw sizes.at(l).error("every level needs the same number of sizes");
  }
  o.num_anchors(per_ratio * static_cast<int64_t>(ratios.size()));
  return o;
}

}  // namespace ghmdet
