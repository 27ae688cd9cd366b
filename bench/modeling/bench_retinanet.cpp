// R50-FPN RetinaNet on CPU (compare with scripts/bench/retinanet_side_by_side.py):
//  * BM_Forward/H/W/channels_last: backbone + neck + head only, batch 1, no grad;
//  * BM_Predict/H/W: RetinaNet::predict, batch 1, torchvision conventions (91 classes, score
//    0.05, top 1000 per level, NMS 0.5, 300 per image) — what torchvision's model([img]) does
//    after its transform. Randomly initialised like torchvision's side of the comparison (prior
//    bias: few scores pass 0.05, so post-processing is cheap on both sides);
//  * BM_TrainStep/H/W/B/bf16: loss (the paper's GHM-C + GHM-R, frozen_stages 1, norm_eval) +
//    backward + SGD step, batch B with 3 boxes per image; bf16 = 1: the loss under bfloat16
//    autocast, as training with `fp16` runs on a CPU (engine/mixed_precision.h).
// CPU time is the whole process's (all intra-op threads), as Python's time.process_time() on the
// torchvision side; on a shared machine it is the figure to compare (wall time measures the load).
#include <benchmark/benchmark.h>
#include <torch/torch.h>

#include <map>
#include <optional>
#include <string>

#include "common/run_benchmarks.h"
#include "ghmdet/core/config.h"
#include "ghmdet/engine/autocast_guard.h"
#include "ghmdet/modeling/build.h"
#include "ghmdet/modeling/retinanet.h"

namespace {

using namespace ghmdet;

std::string model_yaml(const std::string& conventions, int num_classes, const std::string& losses) {
  return R"(
model:
  type: RetinaNet
  conventions: )" + conventions + R"(
  backbone: {type: ResNet, depth: 50, num_stages: 4, out_indices: [0, 1, 2, 3], frozen_stages: 1, norm_eval: true, style: pytorch}
  neck: {type: FPN, in_channels: [256, 512, 1024, 2048], out_channels: 256, start_level: 1, add_extra_convs: true, num_outs: 5}
  bbox_head:
    type: RetinaHead
    num_classes: )" + std::to_string(num_classes) + R"(
    in_channels: 256
    stacked_convs: 4
    feat_channels: 256
    octave_base_scale: 4
    scales_per_octave: 3
    anchor_ratios: [0.5, 1.0, 2.0]
    anchor_strides: [8, 16, 32, 64, 128]
)" + losses + R"(
train_cfg:
  assigner: {type: MaxIoUAssigner, pos_iou_thr: 0.5, neg_iou_thr: 0.4, min_pos_iou: 0, ignore_iof_thr: -1}
  allowed_border: -1
  pos_weight: -1
test_cfg: {nms_pre: 1000, min_bbox_size: 0, score_thr: 0.05, nms: {type: nms, iou_thr: 0.5}, max_per_img: 300}
)";
}

std::shared_ptr<RetinaNetImpl> make_model(const std::string& yaml) {
  auto cfg = Config::from_string(yaml);
  return build_detector(cfg["model"], cfg["train_cfg"], cfg["test_cfg"]);
}

Batch make_batch(int64_t n, int64_t h, int64_t w) {
  torch::manual_seed(0);
  Batch b;
  b.images = torch::randn({n, 3, h, w});
  for (int64_t i = 0; i < n; ++i) {
    ImageMeta m;
    m.ori_shape = m.img_shape = m.pad_shape = {h, w};
    b.metas.push_back(m);
    auto xy = torch::rand({3, 2}) * (std::min(h, w) - 220);
    auto wh = 40 + torch::rand({3, 2}) * 160;
    b.gt_boxes.push_back(torch::cat({xy, xy + wh}, 1));
    b.gt_labels.push_back(torch::randint(0, 80, {3}, torch::kInt64));
    b.gt_boxes_ignore.push_back(torch::zeros({0, 4}));
  }
  return b;
}

void BM_Forward(benchmark::State& state) {
  torch::NoGradGuard no_grad;
  auto model = make_model(model_yaml("torchvision", 91, ""));
  if (state.range(2) == 0) {
    model->options.channels_last(false);
    for (auto& p : model->parameters()) p.set_data(p.contiguous());
  }
  model->eval();
  auto x = torch::randn({1, 3, state.range(0), state.range(1)});
  for (auto _ : state) {
    auto out = model->forward(x);
    benchmark::DoNotOptimize(out.cls_scores[0].data_ptr());
  }
  state.SetLabel(state.range(2) ? "channels_last" : "contiguous");
}

void BM_Predict(benchmark::State& state) {
  auto model = make_model(model_yaml("torchvision", 91, ""));
  model->eval();
  auto batch = make_batch(1, state.range(0), state.range(1));
  for (auto _ : state) {
    auto dets = model->predict(batch);
    benchmark::DoNotOptimize(dets[0].boxes.data_ptr());
  }
}

void BM_TrainStep(benchmark::State& state) {
  auto model = make_model(model_yaml("legacy", 80, R"(    loss_cls: {type: GHMC, bins: 30, momentum: 0.75, use_sigmoid: true, loss_weight: 1.0}
    loss_bbox: {type: GHMR, mu: 0.02, bins: 10, momentum: 0.7, loss_weight: 10.0})"));
  model->train();
  std::vector<torch::Tensor> params;
  for (auto& p : model->parameters())
    if (p.requires_grad()) params.push_back(p);
  torch::optim::SGD sgd(params, torch::optim::SGDOptions(0.001).momentum(0.9).weight_decay(1e-4));
  auto batch = make_batch(state.range(2), state.range(0), state.range(1));
  const bool bf16 = state.range(3) != 0;
  for (auto _ : state) {
    std::map<std::string, torch::Tensor> losses;
    {
      std::optional<AutocastGuard> autocast;
      if (bf16) autocast.emplace(at::kCPU, at::kBFloat16);
      losses = model->loss(batch);
    }
    auto total = losses.at("loss_cls") + losses.at("loss_bbox");
    sgd.zero_grad();
    total.backward();
    sgd.step();
  }
  state.SetLabel(bf16 ? "bf16 autocast" : "float32");
}

BENCHMARK(BM_Forward)->Args({800, 1216, 0})->Args({800, 1216, 1})->Args({512, 512, 0})->Args({512, 512, 1})
    ->Unit(benchmark::kMillisecond)->Iterations(3)->UseRealTime()->MeasureProcessCPUTime();
BENCHMARK(BM_Predict)->Args({800, 1216})->Args({512, 512})->Unit(benchmark::kMillisecond)->Iterations(3)->UseRealTime()->MeasureProcessCPUTime();
BENCHMARK(BM_TrainStep)->Args({512, 512, 2, 0})->Args({512, 512, 2, 1})->Unit(benchmark::kMillisecond)->Iterations(3)->UseRealTime()->MeasureProcessCPUTime();

}  // namespace

int main(int argc, char** argv) { return ghmdet::bench::run_benchmarks(argc, argv); }
