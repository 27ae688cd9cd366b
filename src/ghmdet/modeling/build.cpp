#include "ghmdet/modeling/build.h"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <spdlog/spdlog.h>

#include <filesystem>

#include "ghmdet/core/inference_dtype.h"
#include "ghmdet/losses/build.h"
#include "ghmdet/modeling/retinanet.h"
#include "ghmdet/structures/conventions.h"

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
                  "loss_bbox", "norm_cfg"});
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
  if (cfg.has("norm_cfg") && !cfg["norm_cfg"].is_null()) {
    const auto norm = cfg["norm_cfg"];
    norm.check_keys({"type", "num_groups", "requires_grad"});
    if (norm.get<std::string>("type") != "GN")
      throw norm["type"].error("only GN (GroupNorm) is supported in the head");
    if (!norm.get<bool>("requires_grad", true)) throw norm["requires_grad"].error("frozen GroupNorm is not supported");
    o.norm_groups(norm.get<int64_t>("num_groups", 32));
    if (o.norm_groups() < 1 || o.feat_channels() % o.norm_groups() != 0)
      throw norm["num_groups"].error(fmt::format("must divide feat_channels ({})", o.feat_channels()));
  }
  return o;
}

}  // namespace ghmdet

namespace ghmdet {
namespace {

// Every key but `type`, as numbers (bools as 0/1): the losses' mmdetection-style parameters.
LossParams loss_params(const Config& cfg) {
  LossParams params;
  for (const auto& key : cfg.keys()) {
    if (key == "type") continue;
    const auto text = cfg[key].node().Scalar();
    if (text == "true" || text == "True")
      params[key] = 1.0;
    else if (text == "false" || text == "False")
      params[key] = 0.0;
    else
      params[key] = cfg.get<double>(key);
  }
  return params;
}

template <class F>
auto rethrow_at(const Config& cfg, F&& make) -> decltype(make()) {
  try {
    return make();
  } catch (const Error& e) {
    throw cfg.error(e.what());
  }
}

DenseHeadSettings dense_settings(const Config& head, const Config& train_cfg, const Config& test_cfg,
                                 const DetectorConventions& conv) {
  DenseHeadSettings s;
  s.conventions = conv.name;
  s.octave_base_scale = head.get<double>("octave_base_scale", 4.0);
  s.scales_per_octave = head.get<int64_t>("scales_per_octave", 3);
  s.ratios = head.get<std::vector<double>>("anchor_ratios", s.ratios);
  s.strides = head.get<std::vector<int64_t>>("anchor_strides", s.strides);
  if (head.has("anchor_base_sizes") && !head["anchor_base_sizes"].is_null()) {
    s.base_sizes = head.get<std::vector<int64_t>>("anchor_base_sizes");
    if (s.base_sizes.size() != s.strides.size())
      throw head["anchor_base_sizes"].error(
          fmt::format("{} base sizes for {} anchor_strides", s.base_sizes.size(), s.strides.size()));
    for (auto b : s.base_sizes)
      if (b <= 0) throw head["anchor_base_sizes"].error("base sizes must be positive");
    if (head.has("anchor_sizes"))
      throw head["anchor_base_sizes"].error("cannot be combined with anchor_sizes (explicit sizes)");
  }
  if (head.has("anchor_sizes")) {
    const auto sizes = head["anchor_sizes"];
    for (size_t l = 0; l < sizes.size(); ++l) s.sizes.push_back(sizes.at(l).as<std::vector<double>>());
    if (s.sizes.size() != s.strides.size())
      throw sizes.error(fmt::format("{} levels of sizes for {} anchor_strides", s.sizes.size(), s.strides.size()));
  }
  s.target_means = head.get<std::vector<double>>("target_means", s.target_means);
  s.target_stds = head.get<std::vector<double>>("target_stds", s.target_stds);
  if (s.target_means.size() != 4) throw head["target_means"].error("expected 4 numbers");
  if (s.target_stds.size() != 4) throw head["target_stds"].error("expected 4 numbers");

  if (!train_cfg.is_null()) {
    train_cfg.check_keys({"assigner", "allowed_border", "pos_weight", "debug", "smoothl1_beta"});
    if (train_cfg.has("assigner")) {
      const auto a = train_cfg["assigner"];
      a.check_keys({"type", "pos_iou_thr", "neg_iou_thr", "min_pos_iou", "ignore_iof_thr", "gt_max_assign_all"});
      if (a.get<std::string>("type") != "MaxIoUAssigner")
        throw a["type"].error("unsupported assigner (supported: MaxIoUAssigner)");
      if (!a.get<bool>("gt_max_assign_all", true))
        throw a["gt_max_assign_all"].error("only gt_max_assign_all: true is supported");
      s.pos_iou_thr = a.get<double>("pos_iou_thr", s.pos_iou_thr);
      s.neg_iou_thr = a.get<double>("neg_iou_thr", s.neg_iou_thr);
      s.min_pos_iou = a.get<double>("min_pos_iou", s.min_pos_iou);
      s.ignore_iof_thr = a.get<double>("ignore_iof_thr", s.ignore_iof_thr);
    }
    s.allowed_border = train_cfg.get<int64_t>("allowed_border", s.allowed_border);
    s.pos_weight = train_cfg.get<double>("pos_weight", s.pos_weight);
    if (s.allowed_border >= 0)
      throw train_cfg["allowed_border"].error("only allowed_border -1 (no border test) is supported");
  }

  s.nms_pre = conv.nms_pre;
  s.score_thr = conv.score_thr;
  s.nms_iou_thr = conv.nms_iou_thr;
  s.max_per_img = conv.max_per_img;
  if (!test_cfg.is_null()) {
    test_cfg.check_keys({"nms_pre", "min_bbox_size", "score_thr", "nms", "max_per_img", "dtype"});
    s.nms_pre = test_cfg.get<int64_t>("nms_pre", s.nms_pre);
    s.min_bbox_size = test_cfg.get<double>("min_bbox_size", s.min_bbox_size);
    s.score_thr = test_cfg.get<double>("score_thr", s.score_thr);
    s.max_per_img = test_cfg.get<int64_t>("max_per_img", s.max_per_img);
    if (test_cfg.has("nms")) {
      const auto n = test_cfg["nms"];
      n.check_keys({"type", "iou_thr", "iou_threshold"});
      if (n.get<std::string>("type", "nms") != "nms") throw n["type"].error("unsupported NMS (supported: nms)");
      s.nms_iou_thr = n.has("iou_thr") ? n.get<double>("iou_thr") : n.get<double>("iou_threshold", s.nms_iou_thr);
    }
  }
  return s;
}

// The detector with freshly initialised weights (model.pretrained is not read).
std::shared_ptr<RetinaNetImpl> build_initialised_detector(const Config& model_cfg, const Config& train_cfg,
                                                          const Config& test_cfg) {
  model_cfg.check_keys({"type", "pretrained", "conventions", "class_names", "backbone", "neck", "bbox_head"});
  expect_type(model_cfg, "RetinaNet");
  const auto conv_name = model_cfg.get<std::string>("conventions", "legacy");
  const auto conv = model_cfg.has("conventions")
                        ? rethrow_at(model_cfg["conventions"], [&] { return DetectorConventions::preset(conv_name); })
                        : DetectorConventions::preset(conv_name);

  auto backbone = build_resnet_options(model_cfg["backbone"]);
  auto neck = build_fpn_options(model_cfg["neck"], conv.p6_from_p5_relu);
  const auto head_cfg = model_cfg["bbox_head"];
  auto head = build_retina_head_options(head_cfg);

  // The three modules must agree on channel counts.
  const int64_t expansion = backbone.depth() >= 50 ? 4 : 1;
  std::vector<int64_t> produced;
  for (auto i : backbone.out_indices()) produced.push_back((backbone.base_channels() << i) * expansion);
  if (produced != neck.in_channels())
    throw model_cfg["neck"]["in_channels"].error(
        fmt::format("does not match the backbone's outputs [{}]", fmt::join(produced, ", ")));
  if (neck.out_channels() != head.in_channels())
    throw head_cfg["in_channels"].error(
        fmt::format("is {} but the neck outputs {} channels", head.in_channels(), neck.out_channels()));

  auto dense = dense_settings(head_cfg, train_cfg, test_cfg, conv);
  if (static_cast<int64_t>(dense.strides.size()) != neck.num_outs())
    throw head_cfg["anchor_strides"].error(
        fmt::format("{} strides for {} FPN outputs", dense.strides.size(), neck.num_outs()));

  std::shared_ptr<ClassificationLossImpl> loss_cls;
  std::shared_ptr<RegressionLossImpl> loss_bbox;
  if (head_cfg.has("loss_cls")) {
    const auto c = head_cfg["loss_cls"];
    loss_cls = rethrow_at(c, [&] { return make_classification_loss(c.get<std::string>("type"), loss_params(c)); });
  }
  if (head_cfg.has("loss_bbox")) {
    const auto c = head_cfg["loss_bbox"];
    loss_bbox = rethrow_at(c, [&] { return make_regression_loss(c.get<std::string>("type"), loss_params(c)); });
  }

  RetinaNetOptions options(backbone, neck, head, dense);
  if (!test_cfg.is_null() && test_cfg.has("dtype")) {
    const auto d = test_cfg["dtype"];
    options.inference_dtype(rethrow_at(d, [&] { return parse_inference_dtype(d.as<std::string>()); }));
  }
  options.class_names(model_cfg.get<std::vector<std::string>>("class_names", {}));
  if (!options.class_names().empty() && static_cast<int64_t>(options.class_names().size()) != head.num_classes())
    throw model_cfg["class_names"].error(fmt::format("{} names for num_classes {}", options.class_names().size(),
                                                     head.num_classes()));
  return std::make_shared<RetinaNetImpl>(options, loss_cls, loss_bbox);
}

}  // namespace

std::shared_ptr<RetinaNetImpl> build_detector(const Config& model_cfg, const Config& train_cfg,
                                              const Config& test_cfg) {
  auto model = build_initialised_detector(model_cfg, train_cfg, test_cfg);
  const auto pretrained = model_cfg.get<std::string>("pretrained", "");
  if (!pretrained.empty()) {
    const auto summary = rethrow_at(model_cfg["pretrained"], [&] { return model->load_pretrained_backbone(pretrained); });
    spdlog::info("backbone weights from {}{}{}", pretrained, summary.empty() ? "" : ":\n", summary);
  }
  return model;
}

void check_detector_config(const Config& model_cfg, const Config& train_cfg, const Config& test_cfg) {
  build_initialised_detector(model_cfg, train_cfg, test_cfg);
  const auto pretrained = model_cfg.get<std::string>("pretrained", "");
  std::error_code ec;
  if (!pretrained.empty() && !std::filesystem::is_regular_file(pretrained, ec))
    throw model_cfg["pretrained"].error(fmt::format("{}: file not found", pretrained));
}

}  // namespace ghmdet
