// Loading a COCO train2017-sized annotation file. The file is generated first (once) with
// realistic content: ~118k images, ~860k annotations with polygon segmentations, 80 categories
// with COCO's id gaps, written in COCO's own compact style, to GHMDET_BENCH_COCO_JSON (default
// /tmp/ghmdet_bench_instances.json) at GHMDET_BENCH_COCO_MB megabytes (default 450).
#include <benchmark/benchmark.h>
#include <sys/resource.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "ghmdet/core/runtime.h"
#include "ghmdet/data/coco_dataset.h"
#include "ghmdet/data/coco_json.h"
#include "ghmdet/data/random_draw.h"

namespace {

std::string bench_path() {
  const char* p = std::getenv("GHMDET_BENCH_COCO_JSON");
  return p ? p : (std::filesystem::temp_directory_path() / "ghmdet_bench_instances.json").string();
}

void generate(const std::string& path, double target_mb) {
  FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) throw std::runtime_error("cannot write " + path);
  uint64_t state = 7;
  auto rnd = [&] { return ghmdet::uniform01(state = ghmdet::mix64(state)); };
  const int64_t images = 118287;
  std::fprintf(f, "{\"info\": {\"description\": \"COCO 2017 Dataset (synthetic)\", \"year\": 2017}, \"licenses\": [], \"images\": [");
  for (int64_t i = 0; i < images; ++i) {
    std::fprintf(f, "%s{\"license\": 3, \"file_name\": \"%012lld.jpg\", \"coco_url\": \"http://images.cocodataset.org/train2017/%012lld.jpg\", \"height\": %d, \"width\": %d, \"date_captured\": \"2013-11-14 11:18:45\", \"flickr_url\": \"http://farm1.staticflickr.com/1/%lld.jpg\", \"id\": %lld}",
                 i ? ", " : "", (long long)(i + 1), (long long)(i + 1), 360 + int(rnd() * 280), 480 + int(rnd() * 160),
                 (long long)(i * 7919), (long long)(i + 1));
  }
  std::fprintf(f, "], \"annotations\": [");
  // Polygon length chosen so the whole file reaches the target size.
  const double bytes_per_ann = (target_mb * 1e6 - images * 230.0) / 860001.0;
  const int points = std::max(4, int((bytes_per_ann - 230) / 11.5));
  for (int64_t a = 0; a < 860001; ++a) {
    const double x = rnd() * 500, y = rnd() * 350, w = 1 + rnd() * 200, h = 1 + rnd() * 200;
    std::fprintf(f, "%s{\"segmentation\": [[", a ? ", " : "");
    for (int k = 0; k < points; ++k) std::fprintf(f, "%s%.2f, %.2f", k ? ", " : "", x + rnd() * w, y + rnd() * h);
    const int cat = 1 + int(rnd() * 80);
    std::fprintf(f, "]], \"area\": %.5f, \"iscrowd\": %d, \"image_id\": %lld, \"bbox\": [%.2f, %.2f, %.2f, %.2f], \"category_id\": %d, \"id\": %lld}",
                 w * h * 0.6, rnd() < 0.01 ? 1 : 0, (long long)(1 + int64_t(rnd() * images)), x, y, w, h,
                 cat + (cat > 11) + (cat > 24) + (cat > 26) + (cat > 40), (long long)(a + 1));
  }
  std::fprintf(f, "], \"categories\": [");
  for (int c = 0; c < 80; ++c) {
    const int id = 1 + c + (c + 1 > 11) + (c + 1 > 24) + (c + 1 > 26) + (c + 1 > 40);
    std::fprintf(f, "%s{\"supercategory\": \"thing\", \"id\": %d, \"name\": \"class%d\"}", c ? ", " : "", id, id);
  }
  std::fprintf(f, "]}");
  std::fclose(f);
}

void BM_ReadCocoJson(benchmark::State& state) {
  const std::string path = bench_path();
  const double mb = static_cast<double>(std::filesystem::file_size(path)) / 1e6;
  size_t anns = 0;
  for (auto _ : state) {
    const ghmdet::CocoJson coco = ghmdet::read_coco_json(path);
    anns = coco.annotations.size();
    benchmark::DoNotOptimize(anns);
  }
  struct rusage usage {};
  getrusage(RUSAGE_SELF, &usage);
  state.counters["file_MB"] = mb;
  state.counters["annotations"] = static_cast<double>(anns);
  state.counters["peak_RSS_MB"] = static_cast<double>(usage.ru_maxrss) / 1024.0;
  state.counters["MB/s"] = benchmark::Counter(mb * static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_ReadCocoJson)->Unit(benchmark::kMillisecond)->Iterations(3)->UseRealTime();

// The whole CocoDataset construction (read + per-image records + training filter).
void BM_CocoDataset(benchmark::State& state) {
  ghmdet::DatasetOptions o;
  o.ann_files = {bench_path()};
  o.img_prefixes = {"train2017"};
  int64_t images = 0;
  for (auto _ : state) {
    ghmdet::CocoDataset ds(o);
    images = ds.size();
  }
  struct rusage usage {};
  getrusage(RUSAGE_SELF, &usage);
  state.counters["images"] = static_cast<double>(images);
  state.counters["peak_RSS_MB"] = static_cast<double>(usage.ru_maxrss) / 1024.0;
}
BENCHMARK(BM_CocoDataset)->Unit(benchmark::kMillisecond)->Iterations(1)->UseRealTime();

}  // namespace

int main(int argc, char** argv) {
  ghmdet::init_runtime();
  const std::string path = bench_path();
  if (!std::filesystem::exists(path)) {
    const char* mb = std::getenv("GHMDET_BENCH_COCO_MB");
    generate(path, mb ? std::atof(mb) : 450.0);
  }
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
