// COCO bbox evaluation on a generated val2017-sized set: 5,000 images, 80 categories, ~36k gts
// (COCO val2017 has 36,781), 100 detections per image (500k, what a detector with
// max_per_img 100 writes). Also the results file round trip at that size.
#include <benchmark/benchmark.h>

#include <filesystem>
#include <random>

#include "common/run_benchmarks.h"
#include "ghmdet/evaluation/coco_eval.h"
#include "ghmdet/evaluation/results_io.h"

namespace {

struct Generated {
  ghmdet::CocoJson gt;
  std::vector<ghmdet::CocoDetection> dets;
};

const Generated& val2017_like() {
  static const Generated g = [] {
    Generated out;
    std::mt19937_64 rng(2019);
    std::uniform_real_distribution<double> u(0, 1);
    const int num_images = 5000, num_cats = 80;
    for (int c = 1; c <= num_cats; ++c)
      out.gt.categories.push_back({c + (c > 11) + (c > 25), "c" + std::to_string(c), ""});
    auto random_cat = [&] {
      // A skewed category distribution, "person" (index 0) a quarter of all boxes.
      const double r = u(rng);
      const int idx = r < 0.25 ? 0 : 1 + static_cast<int>(u(rng) * (num_cats - 1));
      return out.gt.categories[idx].id;
    };
    int64_t ann_id = 1;
    for (int i = 0; i < num_images; ++i) {
      const int64_t image_id = 100000 + 13 * i;
      out.gt.images.push_back({image_id, std::to_string(image_id) + ".jpg", 640, 480});
      const int num_gts = static_cast<int>(u(rng) * 15.7);  // mean ~7.35
      std::vector<ghmdet::CocoDetection> image_dets;
      for (int k = 0; k < num_gts; ++k) {
        const double size = std::exp(std::log(4.0) + u(rng) * (std::log(400.0) - std::log(4.0)));
        const double w = size * (0.6 + 0.8 * u(rng)), h = size * (0.6 + 0.8 * u(rng));
        const double x = u(rng) * 600, y = u(rng) * 450;
        const int64_t cat = random_cat();
        out.gt.annotations.push_back(
            {ann_id++, image_id, cat, {x, y, w, h}, w * h * 0.8, u(rng) < 0.01, false});
        for (int j = 0; j < 3; ++j) {
          const double jx = (u(rng) - 0.5) * 0.3 * w, jy = (u(rng) - 0.5) * 0.3 * h;
          image_dets.push_back({image_id, cat, {x + jx, y + jy, w, h}, u(rng)});
        }
      }
      while (image_dets.size() < 100) {
        const double size = 8 + u(rng) * 300;
        image_dets.push_back(
            {image_id, random_cat(), {u(rng) * 600, u(rng) * 450, size, size * 0.8}, u(rng) * 0.5});
      }
      std::sort(image_dets.begin(), image_dets.end(),
                [](const auto& a, const auto& b) { return a.score > b.score; });
      image_dets.resize(100);
      out.dets.insert(out.dets.end(), image_dets.begin(), image_dets.end());
    }
    return out;
  }();
  return g;
}

void BM_CocoEval(benchmark::State& state) {
  const auto& g = val2017_like();
  const int threads = static_cast<int>(state.range(0));
  double ap = 0;
  for (auto _ : state) {
    const auto r = ghmdet::evaluate_coco_bbox(g.gt, g.dets, {threads});
    // (No DoNotOptimize on the double: with this GCC its "+m,r" asm operand garbled the value;
    // the call cannot be elided anyway, it lives in another translation unit.)
    ap = r.stats[0];
  }
  state.counters["images"] = static_cast<double>(g.gt.images.size());
  state.counters["gts"] = static_cast<double>(g.gt.annotations.size());
  state.counters["dets"] = static_cast<double>(g.dets.size());
  state.SetLabel("AP=" + std::to_string(ap));
}
BENCHMARK(BM_CocoEval)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_ResultsFileRoundTrip(benchmark::State& state) {
  const auto& g = val2017_like();
  const auto path = (std::filesystem::temp_directory_path() / "ghmdet_bench_results.json").string();
  for (auto _ : state) {
    ghmdet::write_coco_results(path, g.dets);
    auto back = ghmdet::read_coco_results(path);
    benchmark::DoNotOptimize(back.data());
  }
  state.counters["MB"] = static_cast<double>(std::filesystem::file_size(path)) / 1e6;
  std::filesystem::remove(path);
}
BENCHMARK(BM_ResultsFileRoundTrip)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

int main(int argc, char** argv) { return ghmdet::bench::run_benchmarks(argc, argv); }
