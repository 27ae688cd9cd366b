// GHM-C + GHM-R forward and backward over the 5 FPN levels of one training step, as the head
// calls them, with the gradient-norm capture off (the cost every iteration pays: none) and
// armed (the cost of a recorded iteration). Two sizes:
//   demo — the demo config: 8 images of 160x160, 10 classes (P3..P7 = 20x20 .. 2x2, 9 anchors)
//   coco — 2 images padded to 800x1344, 80 classes (P3..P7 = 100x168 .. 7x11)
// Arg 0 = off, 1 = armed. Targets: ~1% positive anchors, logits around the prior, deltas ~N(0, .5).
#include <benchmark/benchmark.h>
#include <torch/torch.h>

#include <memory>
#include <vector>

#include "ghmdet/losses/ghm_c.h"
#include "ghmdet/losses/ghm_r.h"
#include "ghmdet/losses/grad_norm_capture.h"

namespace {

struct Level {
  torch::Tensor logits, labels, label_weight, deltas, target_deltas, bbox_weight;
};

std::vector<Level> make_levels(int64_t images, int64_t classes, const std::vector<std::pair<int64_t, int64_t>>& sizes) {
  torch::manual_seed(0);
  std::vector<Level> out;
  for (auto [h, w] : sizes) {
    const int64_t n = images * h * w * 9;
    Level l;
    l.logits = torch::randn({n, classes}) * 2 - 4.6;
    l.labels = torch::where(torch::rand({n}) < 0.01, torch::randint(0, classes, {n}, torch::kLong),
                            torch::full({n}, classes, torch::kLong));
    l.label_weight = (torch::rand({n}) > 0.01).to(torch::kFloat);
    l.deltas = torch::randn({n, 4}) * 0.5;
    l.target_deltas = torch::randn({n, 4}) * 0.5;
    l.bbox_weight = (l.labels < classes).to(torch::kFloat).unsqueeze(1).expand({n, 4}).contiguous();
    out.push_back(l);
  }
  return out;
}

void run_step(benchmark::State& state, const std::vector<Level>& levels) {
  ghmdet::GHMC ghmc(ghmdet::GHMCOptions().bins(30).momentum(0.75));
  ghmdet::GHMR ghmr(ghmdet::GHMROptions().mu(0.02).bins(10).momentum(0.7).loss_weight(10.0));
  auto capture = std::make_shared<ghmdet::GradNormCapture>();
  ghmc->grad_norm_capture = capture;
  ghmr->grad_norm_capture = capture;
  const bool armed = state.range(0) == 1;
  for (auto _ : state) {
    if (armed) capture->arm();
    torch::Tensor total;
    std::vector<torch::Tensor> leaves;
    for (const auto& l : levels) {
      auto x = l.logits.detach().requires_grad_(true);
      auto d = l.deltas.detach().requires_grad_(true);
      leaves.push_back(x);
      auto lc = ghmc->forward(x, l.labels, l.label_weight);
      auto lb = ghmr->forward(d, l.target_deltas, l.bbox_weight);
      total = total.defined() ? total + lc + lb : lc + lb;
    }
    total.backward();
    capture->disarm();
    benchmark::DoNotOptimize(capture->take());
  }
}

void BM_Demo(benchmark::State& state) {
  static const auto levels = make_levels(8, 10, {{20, 20}, {10, 10}, {5, 5}, {3, 3}, {2, 2}});
  run_step(state, levels);
}
void BM_Coco(benchmark::State& state) {
  static const auto levels = make_levels(2, 80, {{100, 168}, {50, 84}, {25, 42}, {13, 21}, {7, 11}});
  run_step(state, levels);
}

// The binning pass alone over 32 M values spread like COCO's g (most near 0.01).
void BM_HistogramOnly(benchmark::State& state) {
  static const auto g = (torch::randn({32 << 20}) * 2 - 4.6).sigmoid();
  static const auto valid = torch::ones({32 << 20}, torch::kBool);
  for (auto _ : state) benchmark::DoNotOptimize(ghmdet::grad_norm_histogram(g, valid));
}

void BM_SigmoidOnly(benchmark::State& state) {
  static const auto x = torch::randn({32 << 20}) * 2 - 4.6;
  for (auto _ : state) benchmark::DoNotOptimize(x.sigmoid());
}

}  // namespace

BENCHMARK(BM_HistogramOnly)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_SigmoidOnly)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Demo)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond)->MinTime(2.0);
BENCHMARK(BM_Coco)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond)->MinTime(2.0);
BENCHMARK_MAIN();
