// NMS on 5k boxes (ours vs a tensor-op loop and a plain scalar loop), RetinaNet post-processing
// of one 800x1216 image (80 classes), and per-image anchor targets at that size.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <numeric>

#include "common/run_benchmarks.h"
#include "ghmdet/ops/nms.h"
#include "ghmdet/ops/post_processing.h"
#include "ghmdet/structures/boxes.h"
#include "ghmdet/targets/anchor_generator.h"
#include "ghmdet/targets/anchor_targets.h"

namespace {

using namespace ghmdet;

// Boxes like a detector's candidates: clustered, so NMS removes a realistic share.
std::pair<torch::Tensor, torch::Tensor> candidates(int64_t n) {
  torch::manual_seed(0);
  auto centres = torch::rand({n / 20 + 1, 2}) * 1000;
  auto c = centres.index_select(0, torch::randint(centres.size(0), {n})) + torch::randn({n, 2}) * 8;
  auto wh = torch::rand({n, 2}) * 150 + 10;
  auto boxes = torch::cat({c - wh / 2, c + wh / 2}, 1);
  return {boxes, torch::rand({n})};
}

// The common libtorch port: IoU of the best box with the rest as tensor ops, one sync per step.
torch::Tensor nms_tensor_ops(const torch::Tensor& boxes, const torch::Tensor& scores, double thr) {
  auto order = std::get<1>(scores.sort(0, true));
  std::vector<int64_t> keep;
  while (order.numel() > 0) {
    const int64_t i = order[0].item<int64_t>();
    keep.push_back(i);
    if (order.numel() == 1) break;
    auto rest = order.narrow(0, 1, order.numel() - 1);
    auto iou = box_iou(boxes[i].unsqueeze(0), boxes.index_select(0, rest), 0).squeeze(0);
    order = rest.masked_select(iou <= thr);
  }
  return torch::tensor(keep);
}

// Plain greedy loop over the original (unsorted, array-of-structs) layout with a flag array.
torch::Tensor nms_scalar_naive(const torch::Tensor& boxes, const torch::Tensor& scores, double thr) {
  const int64_t n = boxes.size(0);
  auto b = boxes.accessor<float, 2>();
  auto s = scores.accessor<float, 1>();
  std::vector<int64_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](int64_t x, int64_t y) { return s[x] > s[y]; });
  std::vector<uint8_t> dead(n, 0);
  std::vector<int64_t> keep;
  for (int64_t a = 0; a < n; ++a) {
    const int64_t i = order[a];
    if (dead[i]) continue;
    keep.push_back(i);
    for (int64_t c = a + 1; c < n; ++c) {
      const int64_t j = order[c];
      if (dead[j]) continue;
      const float w = std::max(0.f, std::min(b[i][2], b[j][2]) - std::max(b[i][0], b[j][0]));
      const float h = std::max(0.f, std::min(b[i][3], b[j][3]) - std::max(b[i][1], b[j][1]));
      const float inter = w * h;
      const float ai = (b[i][2] - b[i][0]) * (b[i][3] - b[i][1]);
      const float aj = (b[j][2] - b[j][0]) * (b[j][3] - b[j][1]);
      if (inter / (ai + aj - inter) > thr) dead[j] = 1;
    }
  }
  return torch::tensor(keep);
}

void BM_Nms(benchmark::State& st) {
  auto [boxes, scores] = candidates(st.range(0));
  for (auto _ : st) benchmark::DoNotOptimize(nms(boxes, scores, NmsOptions().iou_threshold(0.5)));
  st.counters["kept"] = static_cast<double>(nms(boxes, scores).size(0));
}
void BM_NmsScalarNaive(benchmark::State& st) {
  auto [boxes, scores] = candidates(st.range(0));
  for (auto _ : st) benchmark::DoNotOptimize(nms_scalar_naive(boxes, scores, 0.5));
}
void BM_NmsTensorOps(benchmark::State& st) {
  auto [boxes, scores] = candidates(st.range(0));
  for (auto _ : st) benchmark::DoNotOptimize(nms_tensor_ops(boxes, scores, 0.5));
}
void BM_BatchedNms80(benchmark::State& st) {
  auto [boxes, scores] = candidates(st.range(0));
  auto idxs = torch::randint(80, {st.range(0)});
  for (auto _ : st) benchmark::DoNotOptimize(batched_nms(boxes, scores, idxs));
}
BENCHMARK(BM_Nms)->Arg(5000)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_NmsScalarNaive)->Arg(5000)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_NmsTensorOps)->Arg(5000)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_BatchedNms80)->Arg(5000)->Unit(benchmark::kMillisecond);

const std::vector<Size2> kLevels{{100, 152}, {50, 76}, {25, 38}, {13, 19}, {7, 10}};

void post_process_bench(benchmark::State& st, const std::string& preset) {
  auto conv = DetectorConventions::preset(preset);
  AnchorGenerator gen(AnchorGeneratorOptions::from_conventions(conv));
  auto anchors = gen.grid_anchors(kLevels, {800, 1216}, torch::kCPU);
  torch::manual_seed(1);
  std::vector<torch::Tensor> cls, reg;
  for (auto [h, w] : kLevels) {
    cls.push_back(torch::randn({9 * 80, h, w}) * 1.5 - 5.0);  // a few % above 0.05
    reg.push_back(torch::randn({9 * 4, h, w}) * 0.2);
  }
  ImageMeta meta;
  meta.img_shape = {800, 1199};
  meta.ori_shape = {480, 719};
  meta.scale_factor = 800.0 / 480.0;
  DeltaBoxCoder coder(DeltaBoxCoderOptions::from_conventions(conv));
  auto opts = PostProcessOptions::from_conventions(conv);
  int64_t n = 0;
  for (auto _ : st) n = post_process_single(cls, reg, anchors, meta, coder, opts).size();
  st.counters["dets"] = static_cast<double>(n);
}
void BM_PostProcessLegacy(benchmark::State& st) { post_process_bench(st, "legacy"); }
void BM_PostProcessTorchvision(benchmark::State& st) { post_process_bench(st, "torchvision"); }
BENCHMARK(BM_PostProcessLegacy)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_PostProcessTorchvision)->Unit(benchmark::kMillisecond);

void BM_AnchorTargets800x1216(benchmark::State& st) {
  auto conv = DetectorConventions::preset("legacy");
  AnchorGenerator gen(AnchorGeneratorOptions::from_conventions(conv));
  MaxIoUAssigner assigner(MaxIoUAssignerOptions::from_conventions(conv));
  DeltaBoxCoder coder(DeltaBoxCoderOptions::from_conventions(conv));
  torch::manual_seed(2);
  const int64_t g = st.range(0);
  auto xy = torch::rand({g, 2}) * 900;
  auto gts = torch::cat({xy, xy + torch::rand({g, 2}) * 300 + 8}, 1);
  auto labels = torch::randint(80, {g});
  for (auto _ : st) {
    auto anchors = torch::cat(gen.grid_anchors(kLevels, {800, 1216}, torch::kCPU));
    auto valid = torch::cat(gen.valid_flags(kLevels, {800, 1216}, {800, 1216}, torch::kCPU));
    auto t = anchor_targets_single(anchors, valid, gts, labels, {}, 80, assigner, coder);
    benchmark::DoNotOptimize(t.labels);
  }
}
// The pieces of anchor targets: the [G, A] IoU matrix and the assignment on it.
std::pair<torch::Tensor, torch::Tensor> anchors_and_gts(int64_t g) {
  AnchorGenerator gen(AnchorGeneratorOptions::from_conventions(DetectorConventions::preset("legacy")));
  auto anchors = torch::cat(gen.grid_anchors(kLevels, {800, 1216}, torch::kCPU));
  torch::manual_seed(2);
  auto xy = torch::rand({g, 2}) * 900;
  return {anchors, torch::cat({xy, xy + torch::rand({g, 2}) * 300 + 8}, 1)};
}
void BM_BoxIou800x1216(benchmark::State& st) {
  auto [anchors, gts] = anchors_and_gts(st.range(0));
  for (auto _ : st) benchmark::DoNotOptimize(box_iou(gts, anchors, 1));
}
// The same on one thread: the side-by-side measure of the kernel's parallel split.
void BM_BoxIou800x1216OneThread(benchmark::State& st) {
  auto [anchors, gts] = anchors_and_gts(st.range(0));
  const int saved = torch::get_num_threads();
  torch::set_num_threads(1);
  for (auto _ : st) benchmark::DoNotOptimize(box_iou(gts, anchors, 1));
  torch::set_num_threads(saved);
}
void BM_Assign800x1216(benchmark::State& st) {
  auto [anchors, gts] = anchors_and_gts(st.range(0));
  MaxIoUAssigner assigner(MaxIoUAssignerOptions::from_conventions(DetectorConventions::preset("legacy")));
  for (auto _ : st) benchmark::DoNotOptimize(assigner.assign(anchors, gts).gt_inds);
}
BENCHMARK(BM_BoxIou800x1216)->Arg(7)->Arg(30)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_BoxIou800x1216OneThread)->Arg(7)->Arg(30)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Assign800x1216)->Arg(7)->Arg(30)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_AnchorTargets800x1216)->Arg(7)->Arg(30)->Unit(benchmark::kMillisecond);

}  // namespace

int main(int argc, char** argv) { return ghmdet::bench::run_benchmarks(argc, argv); }
