// RetinaNet end to end: torchvision parity of the final detections (tiny model fixture), the
// builder, and the training losses.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "fixture_tensors.h"
#include "tiny_torchvision_fixture.h"
#include "ghmdet/core/autocast_compat.h"
#include "ghmdet/core/config.h"
#include "ghmdet/io/checkpoint.h"
#include "ghmdet/losses/build.h"
#include "ghmdet/modeling/build.h"
#include "ghmdet/modeling/retinanet.h"

namespace ghmdet {
namespace {

using testing::fixture_batch;
using testing::load_fixture;
using testing::load_into;
using testing::tiny_torchvision_options;

// One-to-one matches between `got` and the expected rows (same label, score within 1e-4, box
// within 1e-2 px). Near-equal scores may legitimately come out in another order.
int64_t count_matched(const Detections& got, const torch::Tensor& boxes, const torch::Tensor& scores,
                      const torch::Tensor& labels) {
  std::vector<bool> used(got.size(), false);
  int64_t matched = 0;
  for (int64_t k = 0; k < boxes.size(0); ++k) {
    for (int64_t j = 0; j < got.size(); ++j) {
      if (used[j] || got.labels[j].item<int64_t>() != labels[k].item<int64_t>()) continue;
      if (std::abs(got.scores[j].item<float>() - scores[k].item<float>()) > 1e-4) continue;
      if ((got.boxes[j] - boxes[k]).abs().max().item<float>() > 1e-2) continue;
      used[j] = true;
      ++matched;
      break;
    }
  }
  return matched;
}

class TinyTorchvisionParity : public ::testing::TestWithParam<bool> {};

TEST_P(TinyTorchvisionParity, DetectionsMatch) {
  auto fx = load_fixture("tiny_retinanet");
  RetinaNet model(tiny_torchvision_options(GetParam()), nullptr, nullptr);
  load_into(*model, fx, "");
  model->eval();
  auto batch = fixture_batch(fx);
  auto out = model->forward(batch.images);
  for (int l = 0; l < 5; ++l) {
    EXPECT_TRUE(torch::allclose(out.cls_scores[l], fx.at("cls." + std::to_string(l)), 1e-4, 1e-5)) << l;
    EXPECT_TRUE(torch::allclose(out.bbox_preds[l], fx.at("reg." + std::to_string(l)), 1e-4, 1e-5)) << l;
  }
  auto dets = model->predict(batch);
  ASSERT_EQ(dets.size(), 2u);
  for (int i = 0; i < 2; ++i) {
    const auto p = "det." + std::to_string(i) + ".";
    const auto& want_boxes = fx.at(p + "boxes");
    ASSERT_EQ(dets[i].size(), want_boxes.size(0)) << "image " << i;
    EXPECT_EQ(count_matched(dets[i], want_boxes, fx.at(p + "scores"), fx.at(p + "labels").to(torch::kInt64)),
              want_boxes.size(0))
        << "image " << i;
  }
}

INSTANTIATE_TEST_SUITE_P(MemoryFormat, TinyTorchvisionParity, ::testing::Values(false, true));

const char* kTinyLegacyConfig = R"(
model:
  type: RetinaNet
  conventions: legacy
  class_names: [a, b, c]
  backbone: {type: ResNet, depth: 18, base_channels: 8, num_stages: 4, out_indices: [0, 1, 2, 3],
             frozen_stages: 1, norm_eval: true, style: pytorch}
  neck: {type: FPN, in_channels: [8, 16, 32, 64], out_channels: 16, start_level: 1,
         add_extra_convs: true, num_outs: 5}
  bbox_head:
    type: RetinaHead
    num_classes: 3
    in_channels: 16
    stacked_convs: 2
    feat_channels: 16
    octave_base_scale: 4
    scales_per_octave: 3
    anchor_ratios: [0.5, 1.0, 2.0]
    anchor_strides: [8, 16, 32, 64, 128]
    target_means: [0.0, 0.0, 0.0, 0.0]
    target_stds: [1.0, 1.0, 1.0, 1.0]
    loss_cls: {type: GHMC, bins: 30, momentum: 0.75, use_sigmoid: true, loss_weight: 1.0}
    loss_bbox: {type: GHMR, mu: 0.02, bins: 10, momentum: 0.7, loss_weight: 10.0}
train_cfg:
  assigner: {type: MaxIoUAssigner, pos_iou_thr: 0.5, neg_iou_thr: 0.4, min_pos_iou: 0, ignore_iof_thr: -1}
  allowed_border: -1
  pos_weight: -1
  debug: false
test_cfg: {nms_pre: 1000, min_bbox_size: 0, score_thr: 0.05, nms: {type: nms, iou_thr: 0.5}, max_per_img: 100}
)";

Batch tiny_training_batch() {
  torch::manual_seed(7);
  Batch b;
  b.images = torch::randn({2, 3, 64, 96});
  const std::vector<std::array<int64_t, 2>> shapes = {{64, 96}, {50, 60}};
  for (int i = 0; i < 2; ++i) {
    ImageMeta m;
    m.img_shape = m.ori_shape = shapes[i];
    m.pad_shape = {(shapes[i][0] + 31) / 32 * 32, (shapes[i][1] + 31) / 32 * 32};
    b.metas.push_back(m);
  }
  b.gt_boxes = {torch::tensor({{4.f, 6.f, 40.f, 50.f}, {30.f, 10.f, 90.f, 40.f}}), torch::tensor({{10.f, 10.f, 45.f, 30.f}})};
  b.gt_labels = {torch::tensor({0, 2}, torch::kInt64), torch::tensor({1}, torch::kInt64)};
  b.gt_boxes_ignore = {torch::zeros({0, 4}), torch::zeros({0, 4})};
  return b;
}

TEST(RetinaNet, AnchorBaseSizesAreCheckedAgainstTheStrides) {
  auto with = [](const std::string& line) {
    std::string text = kTinyLegacyConfig;
    const std::string key = "    anchor_strides: [8, 16, 32, 64, 128]\n";
    text.replace(text.find(key), key.size(), key + line);
    auto cfg = Config::from_string(text);
    return build_detector(cfg["model"], cfg["train_cfg"], cfg["test_cfg"]);
  };
  EXPECT_NO_THROW(with("    anchor_base_sizes: [16, 16, 32, 64, 128]\n"));
  try {
    with("    anchor_base_sizes: [8, 16]\n");
    FAIL() << "2 base sizes for 5 strides accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("anchor_base_sizes"), std::string::npos) << e.what();
  }
  EXPECT_THROW(with("    anchor_base_sizes: [0, 16, 32, 64, 128]\n"), Error);
  try {
    with("    anchor_base_sizes: [16, 16, 32, 64, 128]\n"
         "    anchor_sizes: [[32, 40, 50], [64, 80, 101], [128, 161, 203], [256, 322, 406], [512, 645, 812]]\n");
    FAIL() << "anchor_base_sizes with anchor_sizes accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("anchor_base_sizes"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("anchor_sizes"), std::string::npos) << e.what();
  }
}

TEST(RetinaNet, BuildFromConfigTrainsAndPredicts) {
  auto cfg = Config::from_string(kTinyLegacyConfig);
  auto model = build_detector(cfg["model"], cfg["train_cfg"], cfg["test_cfg"]);
  EXPECT_EQ(model->num_classes(), 3);
  EXPECT_EQ(model->class_names(), (std::vector<std::string>{"a", "b", "c"}));
  auto buffers = model->named_buffers();
  EXPECT_TRUE(buffers.contains("bbox_head.loss_cls.acc_sum"));
  EXPECT_TRUE(buffers.contains("bbox_head.loss_bbox.acc_sum"));
  EXPECT_EQ(model->named_parameters()["neck.fpn_convs.3.conv.weight"].size(1), 64);  // P6 on C5

  model->train();
  auto batch = tiny_training_batch();
  auto losses = model->loss(batch);
  ASSERT_EQ(losses.size(), 2u);
  auto total = losses.at("loss_cls") + losses.at("loss_bbox");
  EXPECT_TRUE(torch::isfinite(total).item<bool>());
  EXPECT_GT(losses.at("loss_cls").item<float>(), 0.f);
  EXPECT_GT(losses.at("loss_bbox").item<float>(), 0.f);
  total.backward();
  auto params = model->named_parameters();
  EXPECT_FALSE(params["backbone.layer1.0.conv1.weight"].grad().defined());
  ASSERT_TRUE(params["backbone.layer2.0.conv1.weight"].grad().defined());
  EXPECT_GT(params["bbox_head.retina_reg.weight"].grad().abs().sum().item<float>(), 0.f);
  EXPECT_GT(params["backbone.layer2.0.bn1.weight"].grad().abs().sum().item<float>(), 0.f);
  // GHM state moved: the 5 level calls went into the shared objects.
  EXPECT_GT(model->named_buffers()["bbox_head.loss_cls.acc_sum"].sum().item<float>(), 0.f);

  model->eval();
  auto dets = model->predict(batch);
  ASSERT_EQ(dets.size(), 2u);
  EXPECT_LE(dets[0].size(), 100);
  if (dets[1].size() > 0) {
    EXPECT_LE(dets[1].boxes.select(1, 2).max().item<float>(), 59.f);  // clipped to img_shape - 1
    EXPECT_LT(dets[1].labels.max().item<int64_t>(), 3);
  }
}

// The head's loss wiring: with focal + smooth L1 (sums over anchors divided by one shared
// avg_factor) the sum of the 5 per-level calls must equal ONE call over all levels' rows, as
// long as rows are matched to targets in the same order. An independent flattening of the
// outputs (a loop over image, level, y, x, anchor) checks the head's permutes and slicing.
TEST(RetinaNet, FocalLossWiringMatchesOneCallOverAllAnchors) {
  std::string text = kTinyLegacyConfig;
  text.replace(text.find("{type: GHMC"), text.find("\n", text.find("{type: GHMC")) - text.find("{type: GHMC"),
               "{type: FocalLoss, use_sigmoid: true, gamma: 2.0, alpha: 0.25, loss_weight: 1.0}");
  text.replace(text.find("{type: GHMR"), text.find("\n", text.find("{type: GHMR")) - text.find("{type: GHMR"),
               "{type: SmoothL1Loss, beta: 0.11, loss_weight: 1.0}");
  auto cfg = Config::from_string(text);
  auto model = build_detector(cfg["model"], cfg["train_cfg"], cfg["test_cfg"]);
  model->train();
  auto batch = tiny_training_batch();
  torch::NoGradGuard no_grad;
  auto losses = model->loss(batch);

  // Same outputs, flattened by hand: rows per image, then levels, then (y, x, a).
  auto out = model->forward(batch.images);
  const int64_t C = 3, A = 9;
  std::vector<torch::Tensor> cls_rows, reg_rows;
  for (int64_t i = 0; i < 2; ++i)
    for (size_t l = 0; l < out.cls_scores.size(); ++l) {
      auto c = out.cls_scores[l][i].contiguous();  // [A*C, H, W]
      auto r = out.bbox_preds[l][i].contiguous();
      const int64_t H = c.size(1), W = c.size(2);
      cls_rows.push_back(c.view({A, C, H, W}).permute({2, 3, 0, 1}).reshape({-1, C}));
      reg_rows.push_back(r.view({A, 4, H, W}).permute({2, 3, 0, 1}).reshape({-1, 4}));
    }
  auto all_cls = torch::cat(cls_rows), all_reg = torch::cat(reg_rows);

  // Targets per level from the targets layer, re-ordered image-major over all levels.
  DenseHeadTargets dense(model->options.dense(), C);
  auto anchors = dense.anchors(out.cls_scores, {batch.images.size(2), batch.images.size(3)});
  auto t = dense.targets(anchors, out.cls_scores, batch);
  std::vector<torch::Tensor> lab, lw, bt, bw;
  for (int64_t i = 0; i < 2; ++i)
    for (size_t l = 0; l < anchors.size(); ++l) {
      const int64_t n = anchors[l].size(0);
      lab.push_back(t.labels[l].narrow(0, i * n, n));
      lw.push_back(t.label_weights[l].narrow(0, i * n, n));
      bt.push_back(t.bbox_targets[l].narrow(0, i * n, n));
      bw.push_back(t.bbox_weights[l].narrow(0, i * n, n));
    }
  auto focal = make_classification_loss("FocalLoss", {{"gamma", 2.0}, {"alpha", 0.25}});
  auto sl1 = make_regression_loss("SmoothL1Loss", {{"beta", 0.11}});
  auto want_cls = focal->forward(all_cls, torch::cat(lab), torch::cat(lw), t.num_total_pos);
  auto want_reg = sl1->forward(all_reg, torch::cat(bt), torch::cat(bw), t.num_total_pos);
  EXPECT_GT(torch::cat(bw).sum().item<float>(), 0.f);  // there are positives
  // avg_factor = Σ_images max(#pos, 1)
  EXPECT_DOUBLE_EQ(t.num_total_pos, std::max(1.0, 0.25 * torch::cat(bw).narrow(0, 0, all_reg.size(0) / 2).sum().item<double>()) +
                                        std::max(1.0, 0.25 * torch::cat(bw).narrow(0, all_reg.size(0) / 2, all_reg.size(0) / 2).sum().item<double>()));
  EXPECT_NEAR(losses.at("loss_cls").item<double>(), want_cls.item<double>(), 1e-5 * want_cls.item<double>());
  EXPECT_NEAR(losses.at("loss_bbox").item<double>(), want_reg.item<double>(), 1e-5 * want_reg.item<double>());
}

// model.pretrained naming a whole detector's checkpoint (mmdetection's layout: backbone.*,
// neck.*, bbox_head.* under 'state_dict'): the backbone takes the backbone.* weights, prefix
// stripped, and the neck and head keep their own initialisation.
TEST(RetinaNet, PretrainedBackboneFromWholeDetectorCheckpoint) {
  torch::manual_seed(1);
  auto cfg = Config::from_string(kTinyLegacyConfig);
  auto source = build_detector(cfg["model"], cfg["train_cfg"], cfg["test_cfg"]);
  {
    // BN weights, biases and running statistics start as constants: make every backbone value
    // one the loaded model could not have by itself.
    torch::NoGradGuard no_grad;
    for (auto& item : source->named_parameters()) item.value().uniform_(0.5, 1.5);
    for (auto& item : source->named_buffers())
      if (item.value().is_floating_point()) item.value().uniform_(0.5, 1.5);
  }
  Checkpoint ckpt;
  for (const auto& item : source->named_parameters()) ckpt.model.insert(item.key(), item.value().detach());
  for (const auto& item : source->named_buffers()) ckpt.model.insert(item.key(), item.value());
  ASSERT_TRUE(ckpt.model.contains("neck.lateral_convs.0.conv.weight"));
  const auto path = (std::filesystem::path(::testing::TempDir()) / "ghmdet_whole_detector.pth").string();
  save_checkpoint(path, ckpt);

  torch::manual_seed(2);
  std::string text = kTinyLegacyConfig;
  text.insert(text.find("  type: RetinaNet\n"), "  pretrained: " + path + "\n");
  auto with_pretrained = Config::from_string(text);
  auto model = build_detector(with_pretrained["model"], with_pretrained["train_cfg"], with_pretrained["test_cfg"]);
  std::filesystem::remove(path);

  auto want = source->named_parameters();
  auto got = model->named_parameters();
  for (const char* key : {"backbone.conv1.weight", "backbone.layer1.0.conv1.weight", "backbone.layer4.1.bn2.bias"})
    EXPECT_TRUE(torch::equal(got[key], want[key])) << key;
  EXPECT_TRUE(torch::equal(model->named_buffers()["backbone.layer3.0.bn1.running_mean"],
                           source->named_buffers()["backbone.layer3.0.bn1.running_mean"]));
  EXPECT_FALSE(torch::equal(got["neck.lateral_convs.0.conv.weight"], want["neck.lateral_convs.0.conv.weight"]));
  EXPECT_FALSE(torch::equal(got["bbox_head.cls_convs.0.conv.weight"], want["bbox_head.cls_convs.0.conv.weight"]));
}

// check_detector_config: the builder's checks without reading model.pretrained, which must
// only name a file; the errors are the builder's.
TEST(RetinaNet, CheckDetectorConfigWithoutReadingWeights) {
  const auto check = [](const std::string& text) {
    const auto cfg = Config::from_string(text, "tiny.yaml");
    check_detector_config(cfg["model"], cfg["train_cfg"], cfg["test_cfg"]);
  };
  EXPECT_NO_THROW(check(kTinyLegacyConfig));
  const auto message = [&](const std::string& from, const std::string& to) {
    std::string text = kTinyLegacyConfig;
    text.replace(text.find(from), from.size(), to);
    try {
      check(text);
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("<no error>");
  };
  EXPECT_NE(message("bins: 30", "bins: 0").find("tiny.yaml:22:15: model.bbox_head.loss_cls: GHMC: bins must be >= 1"),
            std::string::npos)
      << message("bins: 30", "bins: 0");
  EXPECT_NE(message("momentum: 0.7,", "momentum: 1.5,").find("model.bbox_head.loss_bbox: GHMR: momentum must be in [0, 1)"),
            std::string::npos);
  // An empty file is "a file": its contents are build_detector's to judge, later.
  const auto empty = (std::filesystem::path(::testing::TempDir()) / "ghmdet_empty_weights.pth").string();
  { std::ofstream touch(empty); }
  EXPECT_EQ(message("  type: RetinaNet\n", "  pretrained: " + empty + "\n  type: RetinaNet\n"), "<no error>");
  std::filesystem::remove(empty);
  EXPECT_NE(message("  type: RetinaNet\n", "  pretrained: " + empty + "\n  type: RetinaNet\n")
                .find("model.pretrained: " + empty + ": file not found"),
            std::string::npos);
}

// fp16 training on the CPU runs the detector's loss under bfloat16 autocast (engine/
// autocast_guard.h, set here through the compat functions it uses): the GHM losses come out
// float32, close to float32's, and every gradient reaches the float32 parameters finite.
std::pair<double, double> losses_and_gradient_checks(const std::string& text, bool bf16) {
  const auto cfg = Config::from_string(text);
  torch::manual_seed(0);
  auto model = build_detector(cfg["model"], cfg["train_cfg"], cfg["test_cfg"]);
  model->train();
  const auto batch = tiny_training_batch();
  const at::ScalarType before = autocast_compat::dtype(at::kCPU);
  if (bf16) {
    autocast_compat::set_dtype(at::kCPU, at::kBFloat16);
    autocast_compat::set_enabled(at::kCPU, true);
  }
  auto losses = model->loss(batch);
  autocast_compat::set_enabled(at::kCPU, false);
  autocast_compat::set_dtype(at::kCPU, before);
  at::autocast::clear_cache();
  for (const auto& [name, value] : losses) EXPECT_EQ(value.scalar_type(), at::kFloat) << name;
  (losses.at("loss_cls") + losses.at("loss_bbox")).backward();
  for (const auto& p : model->named_parameters()) {
    if (!p.value().grad().defined()) continue;
    EXPECT_EQ(p.value().grad().scalar_type(), at::kFloat) << p.key();
    EXPECT_TRUE(torch::isfinite(p.value().grad()).all().item<bool>()) << p.key() << (bf16 ? " (bf16)" : "");
  }
  return {losses.at("loss_cls").item<double>(), losses.at("loss_bbox").item<double>()};
}

TEST(RetinaNet, LossUnderBfloat16AutocastIsFloat32AndCloseToFloat32) {
  const auto fp32 = losses_and_gradient_checks(kTinyLegacyConfig, false);
  const auto bf16 = losses_and_gradient_checks(kTinyLegacyConfig, true);
  // One forward from the same weights through a frozen-BN backbone: bf16 rounding (2^-9 relative
  // per operand, float32 accumulation) moves the outputs by well under 1 %; 2 % on the losses.
  EXPECT_NEAR(bf16.first, fp32.first, 0.02 * fp32.first);
  EXPECT_NEAR(bf16.second, fp32.second, 0.02 * fp32.second);
  EXPECT_NE(bf16.first, fp32.first) << "identical losses: the model did not run in bfloat16";
}

// The demo's variant: BatchNorm in training mode and GroupNorm in the head's towers (run in
// float32 on bf16 conv outputs, conv_module.h). From random weights bf16 moves its outputs by 3-6 % (measured), so only finiteness and dtypes
// are checked here; tests/cli/train_fp16.cmake compares training runs.
TEST(RetinaNet, DemoVariantUnderBfloat16AutocastHasFiniteGradients) {
  std::string text = kTinyLegacyConfig;
  const auto replace = [&](const std::string& from, const std::string& to) {
    ASSERT_NE(text.find(from), std::string::npos) << from;
    text.replace(text.find(from), from.size(), to);
  };
  replace("frozen_stages: 1, norm_eval: true", "frozen_stages: -1, norm_eval: false");
  replace("    feat_channels: 16\n", "    feat_channels: 16\n    norm_cfg: {type: GN, num_groups: 4}\n");
  losses_and_gradient_checks(text, true);
}

}  // namespace
}  // namespace ghmdet
