// Input pipeline throughput at the reference's training scale: COCO-like 640x480 JPEGs rescaled
// to 1333x800 (keep ratio), normalised, flipped, padded, collated in batches of 2; one image
// through get() on one thread, and the DataLoader with 0, 1 and 2 workers.
#include <benchmark/benchmark.h>

#include <opencv2/imgcodecs.hpp>

#include <filesystem>
#include <fstream>

#include "common/run_benchmarks.h"
#include "ghmdet/data/coco_dataset.h"
#include "ghmdet/data/data_loader.h"
#include "ghmdet/data/random_draw.h"

namespace {

namespace fs = std::filesystem;

// 16 photo-like JPEGs (smooth gradients + noise, so the codec does real work) and their COCO file.
std::shared_ptr<ghmdet::CocoDataset> dataset() {
  static std::shared_ptr<ghmdet::CocoDataset> ds = [] {
    const fs::path dir = fs::temp_directory_path() / "ghmdet_bench_loader";
    fs::create_directories(dir);
    std::string images, anns;
    uint64_t s = 1;
    for (int i = 0; i < 16; ++i) {
      const int w = i % 4 == 3 ? 480 : 640, h = i % 4 == 3 ? 640 : 480;
      cv::Mat img(h, w, CV_8UC3);
      for (int y = 0; y < h; ++y)
        for (int x = 0; x < w; ++x) {
          s = ghmdet::mix64(s);
          img.at<cv::Vec3b>(y, x) = cv::Vec3b(uchar((x + i * 9) % 256), uchar((y * 2) % 256), uchar((x + y) / 5 % 256 ^ (s & 15)));
        }
      const std::string name = std::to_string(i) + ".jpg";
      cv::imwrite((dir / name).string(), img, {cv::IMWRITE_JPEG_QUALITY, 90});
      images += std::string(i ? "," : "") + "{\"id\":" + std::to_string(i + 1) + ",\"file_name\":\"" + name +
                "\",\"width\":" + std::to_string(w) + ",\"height\":" + std::to_string(h) + "}";
      anns += std::string(i ? "," : "") + "{\"id\":" + std::to_string(i + 1) + ",\"image_id\":" + std::to_string(i + 1) +
              ",\"category_id\":1,\"bbox\":[10,20,100,80],\"area\":8000,\"iscrowd\":0}";
    }
    std::ofstream(dir / "ann.json") << "{\"images\":[" << images << "],\"annotations\":[" << anns
                                    << "],\"categories\":[{\"id\":1,\"name\":\"x\"}]}";
    ghmdet::DatasetOptions o;
    o.ann_files = {(dir / "ann.json").string()};
    o.img_prefixes = {dir.string()};
    return std::make_shared<ghmdet::CocoDataset>(o);
  }();
  return ds;
}

void BM_GetOneImage(benchmark::State& state) {
  auto ds = dataset();
  int64_t i = 0;
  for (auto _ : state) {
    auto s = ds->get(i++ % ds->size(), 0);
    benchmark::DoNotOptimize(s.image.data_ptr());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_GetOneImage)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_Loader(benchmark::State& state) {
  auto ds = dataset();
  ghmdet::GroupSamplerOptions so;
  auto sampler = std::make_shared<ghmdet::GroupSampler>(*ds, so);
  ghmdet::DataLoaderOptions o;
  o.num_workers = state.range(0);
  ghmdet::DataLoader loader(ds, sampler, o);
  int64_t images = 0, epoch = 0;
  for (auto _ : state) {
    loader.set_epoch(epoch++);
    while (auto b = loader.next()) images += b->size();
  }
  state.SetItemsProcessed(images);
}
BENCHMARK(BM_Loader)->Arg(0)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime()->MinTime(2.0);

}  // namespace

int main(int argc, char** argv) { return ghmdet::bench::run_benchmarks(argc, argv); }
