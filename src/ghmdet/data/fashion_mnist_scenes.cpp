#include "ghmdet/data/fashion_mnist_scenes.h"

#include <unistd.h>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "ghmdet/core/error.h"
#include "ghmdet/data/idx_file.h"
#include "ghmdet/data/random_draw.h"

namespace ghmdet {

const std::array<const char*, 10> kFashionMnistClasses = {
    "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"};

namespace fs = std::filesystem;

namespace {

constexpr int kInkThreshold = 32;  // grey level that counts as part of the item

// A small platform-independent generator (std:: distributions differ between libraries).
class Rng {
 public:
  explicit Rng(uint64_t seed) : state_(mix64(seed)) {}
  uint64_t next() { return state_ = mix64(state_); }
  double uniform(double lo = 0, double hi = 1) { return lo + (hi - lo) * uniform01(next()); }
  int64_t integer(int64_t lo, int64_t hi) {  // inclusive
    return lo + static_cast<int64_t>(next() % static_cast<uint64_t>(hi - lo + 1));
  }
  cv::Vec3f colour() { return {static_cast<float>(uniform(0, 255)), static_cast<float>(uniform(0, 255)),
                               static_cast<float>(uniform(0, 255))}; }

 private:
  uint64_t state_;
};

struct Split {
  IdxArray images, labels;
  int64_t count() const { return images.shape[0]; }
};

Split load_split(const std::string& source, const std::string& prefix) {
  Split s;
  s.images = read_idx_file((fs::path(source) / (prefix + "-images-idx3-ubyte.gz")).string());
  s.labels = read_idx_file((fs::path(source) / (prefix + "-labels-idx1-ubyte.gz")).string());
  if (s.images.shape.size() != 3 || s.images.shape[1] != 28 || s.images.shape[2] != 28)
    throw Error(source + "/" + prefix + "-images-idx3-ubyte.gz: expected [N, 28, 28] images");
  if (s.labels.shape.size() != 1 || s.labels.shape[0] != s.images.shape[0])
    throw Error(source + "/" + prefix + "-labels-idx1-ubyte.gz: label count differs from the image count");
  return s;
}

cv::Mat background(Rng& rng, int h, int w) {
  cv::Mat bg(h, w, CV_32FC3);
  const cv::Vec3f a = rng.colour(), b = rng.colour();
  const int kind = static_cast<int>(rng.integer(0, 3));
  const double angle = rng.uniform(0, 2 * M_PI), ca = std::cos(angle), sa = std::sin(angle);
  const double period = rng.uniform(6, 24);
  const double noise = rng.uniform(5, 40);
  for (int y = 0; y < h; ++y) {
    for (int x = 0; x < w; ++x) {
      double t = 0;
      const double u = (x * ca + y * sa);
      switch (kind) {
        case 0: t = std::clamp(u / std::max(h, w) * 0.5 + 0.5, 0.0, 1.0); break;    // gradient
        case 1: t = 0.5; break;                                                   // flat + noise
        case 2: t = std::fmod(std::abs(u), period) < period / 2 ? 0.15 : 0.85; break;  // stripes
        default: t = ((x / static_cast<int>(period)) + (y / static_cast<int>(period))) % 2 ? 0.2 : 0.8;  // checks
      }
      const double n = (rng.uniform() - 0.5) * 2 * noise;
      cv::Vec3f& px = bg.at<cv::Vec3f>(y, x);
      for (int c = 0; c < 3; ++c)
        px[c] = static_cast<float>(std::clamp(a[c] * (1 - t) + b[c] * t + n, 0.0, 255.0));
    }
  }
  return bg;
}

struct Box {
  int x1, y1, x2, y2;  // inclusive pixels
  double iou(const Box& o) const {
    const int iw = std::min(x2, o.x2) - std::max(x1, o.x1) + 1, ih = std::min(y2, o.y2) - std::max(y1, o.y1) + 1;
    if (iw <= 0 || ih <= 0) return 0;
    const double inter = double(iw) * ih;
    const double ua = double(x2 - x1 + 1) * (y2 - y1 + 1) + double(o.x2 - o.x1 + 1) * (o.y2 - o.y1 + 1) - inter;
    return inter / ua;
  }
};

struct Item {
  Box box;
  int label;
};

// Composes one scene; returns the image (BGR uint8) and its items.
cv::Mat compose(const Split& split, Rng& rng, const FashionMnistScenesOptions& o, std::vector<Item>& items) {
  const int h = static_cast<int>(o.height), w = static_cast<int>(o.width);
  cv::Mat canvas = background(rng, h, w);
  const cv::Scalar mean_bg = cv::mean(canvas);
  const int n = static_cast<int>(rng.integer(o.min_items, o.max_items));
  const int min_side = std::min(h, w);
  for (int k = 0; k < n; ++k) {
    const int64_t idx = rng.integer(0, split.count() - 1);
    const int label = split.labels.data[idx];
    const int size = static_cast<int>(rng.integer(std::max<int64_t>(12, min_side * 15 / 100),
                                                  std::max<int64_t>(14, min_side * 50 / 100)));
    cv::Mat grey(28, 28, CV_8UC1, const_cast<uint8_t*>(split.images.data.data() + idx * 784));
    cv::Mat item;
    cv::resize(grey, item, cv::Size(size, size), 0, 0, cv::INTER_LINEAR);
    // Ink extent inside the item patch.
    int ix1 = size, iy1 = size, ix2 = -1, iy2 = -1;
    for (int y = 0; y < size; ++y)
      for (int x = 0; x < size; ++x)
        if (item.at<uint8_t>(y, x) >= kInkThreshold) {
          ix1 = std::min(ix1, x), iy1 = std::min(iy1, y), ix2 = std::max(ix2, x), iy2 = std::max(iy2, y);
        }
    if (ix2 < 0) continue;  // an all-dark item: nothing to see
    bool placed = false;
    Box box{};
    int ox = 0, oy = 0;
    for (int attempt = 0; attempt < 30 && !placed; ++attempt) {
      ox = static_cast<int>(rng.integer(-ix1, w - 1 - ix2));
      oy = static_cast<int>(rng.integer(-iy1, h - 1 - iy2));
      box = {ox + ix1, oy + iy1, ox + ix2, oy + iy2};
      placed = std::all_of(items.begin(), items.end(), [&](const Item& it) {
        // Overlap allowed, hiding not: limited IoU and no box inside another.
        const bool inside = box.x1 >= it.box.x1 && box.x2 <= it.box.x2 && box.y1 >= it.box.y1 && box.y2 <= it.box.y2;
        const bool covers = it.box.x1 >= box.x1 && it.box.x2 <= box.x2 && it.box.y1 >= box.y1 && it.box.y2 <= box.y2;
        return box.iou(it.box) <= 0.3 && !inside && !covers;
      });
    }
    if (!placed) continue;
    // A tint far from the background's mean colour, so the item stands out.
    cv::Vec3f tint;
    for (int attempt = 0; attempt < 20; ++attempt) {
      tint = rng.colour();
      double d = 0;
      for (int c = 0; c < 3; ++c) d += std::abs(tint[c] - mean_bg[c]);
      if (d > 220) break;
    }
    const double shade = rng.uniform(0.75, 1.0);
    for (int y = std::max(0, -oy); y < size && oy + y < h; ++y)
      for (int x = std::max(0, -ox); x < size && ox + x < w; ++x) {
        const float a = static_cast<float>(item.at<uint8_t>(y, x) / 255.0 * shade);
        cv::Vec3f& px = canvas.at<cv::Vec3f>(oy + y, ox + x);
        px = px * (1 - a) + tint * a;
      }
    items.push_back({box, label});
  }
  cv::Mat out;
  canvas.convertTo(out, CV_8UC3);
  return out;
}

void write_text(const fs::path& path, const std::string& text) {
  std::ofstream f(path, std::ios::binary);
  f << text;
  if (!f) throw Error(path.string() + ": cannot write");
}

std::string voc_xml(const std::string& file, int w, int h, const std::vector<Item>& items) {
  std::string s = "<annotation>\n  <folder>VOC2007</folder>\n  <filename>" + file + "</filename>\n  <size><width>" +
                  std::to_string(w) + "</width><height>" + std::to_string(h) + "</height><depth>3</depth></size>\n";
  for (const Item& it : items) {
    s += "  <object><name>" + std::string(kFashionMnistClasses[it.label]) +
         "</name><difficult>0</difficult><bndbox><xmin>" + std::to_string(it.box.x1 + 1) + "</xmin><ymin>" +
         std::to_string(it.box.y1 + 1) + "</ymin><xmax>" + std::to_string(it.box.x2 + 1) + "</xmax><ymax>" +
         std::to_string(it.box.y2 + 1) + "</ymax></bndbox></object>\n";
  }
  return s + "</annotation>\n";
}

int64_t write_split(const Split& split, const std::string& name, int64_t count, uint64_t stream,
                    const FashionMnistScenesOptions& o, const fs::path& root) {
  const fs::path img_dir = root / name, voc = root / "VOCdevkit" / "VOC2007";
  nlohmann::ordered_json coco;
  coco["info"] = {{"description", "Fashion-MNIST detection scenes (" + name + ")"}, {"seed", o.seed}};
  coco["images"] = nlohmann::json::array();
  coco["annotations"] = nlohmann::json::array();
  coco["categories"] = nlohmann::json::array();
  for (int c = 0; c < 10; ++c)
    coco["categories"].push_back({{"id", c + 1}, {"name", kFashionMnistClasses[c]}, {"supercategory", "clothing"}});
  std::string list;
  int64_t ann_id = 0;
  const std::vector<int> jpeg_params = {cv::IMWRITE_JPEG_QUALITY, o.jpeg_quality};
  for (int64_t i = 0; i < count; ++i) {
    Rng rng(draw_key(o.seed, static_cast<int64_t>(stream), i, 0));
    std::vector<Item> items;
    const cv::Mat img = compose(split, rng, o, items);
    char stem[32];
    std::snprintf(stem, sizeof(stem), "%06lld", static_cast<long long>(i));
    const std::string file = std::string(stem) + ".jpg";
    if (!cv::imwrite((img_dir / file).string(), img, jpeg_params))
      throw Error((img_dir / file).string() + ": cannot write the image");
    const std::string voc_id = std::string(stem) + "_" + name;
    std::error_code ec;
    fs::create_hard_link(img_dir / file, voc / "JPEGImages" / (voc_id + ".jpg"), ec);
    if (ec) fs::copy_file(img_dir / file, voc / "JPEGImages" / (voc_id + ".jpg"));
    write_text(voc / "Annotations" / (voc_id + ".xml"), voc_xml(voc_id + ".jpg", img.cols, img.rows, items));
    list += voc_id + "\n";
    coco["images"].push_back({{"id", i + 1}, {"file_name", file}, {"width", img.cols}, {"height", img.rows}});
    for (const Item& it : items) {
      const int bw = it.box.x2 - it.box.x1 + 1, bh = it.box.y2 - it.box.y1 + 1;
      coco["annotations"].push_back({{"id", ++ann_id},
                                     {"image_id", i + 1},
                                     {"category_id", it.label + 1},
                                     {"bbox", {it.box.x1, it.box.y1, bw, bh}},
                                     {"area", bw * bh},
                                     {"iscrowd", 0},
                                     {"segmentation", nlohmann::json::array()}});
    }
  }
  write_text(root / "annotations" / ("instances_" + name + ".json"), coco.dump());
  write_text(voc / "ImageSets" / "Main" / (name + ".txt"), list);
  return ann_id;
}

}  // namespace

FashionMnistScenesSummary make_fashion_mnist_scenes(const FashionMnistScenesOptions& o) {
  if (o.out.empty()) throw Error("make-dataset: --out is required");
  if (o.train < 0 || o.val < 0) throw Error("make-dataset: --train and --val must be >= 0");
  if (o.height < 32 || o.width < 32) throw Error("make-dataset: --size must be at least 32x32");
  if (o.min_items < 1 || o.max_items < o.min_items)
    throw Error("make-dataset: need 1 <= --min-items <= --max-items");
  const fs::path out = fs::absolute(o.out);
  if (fs::exists(out) && !o.overwrite) throw Error(out.string() + ": already exists (use --overwrite)");

  const Split train = load_split(o.source, "train");
  const Split val = load_split(o.source, "t10k");

  const fs::path tmp = out.string() + ".tmp-" + std::to_string(::getpid());
  fs::remove_all(tmp);
  try {
    for (const char* d : {"train", "val", "annotations", "VOCdevkit/VOC2007/JPEGImages",
                          "VOCdevkit/VOC2007/Annotations", "VOCdevkit/VOC2007/ImageSets/Main"})
      fs::create_directories(tmp / d);
    FashionMnistScenesSummary summary;
    summary.train_images = o.train;
    summary.val_images = o.val;
    summary.train_boxes = write_split(train, "train", o.train, 1, o, tmp);
    summary.val_boxes = write_split(val, "val", o.val, 2, o, tmp);
    if (fs::exists(out)) {
      const fs::path old = out.string() + ".old-" + std::to_string(::getpid());
      fs::rename(out, old);
      fs::rename(tmp, out);
      fs::remove_all(old);
    } else {
      fs::create_directories(out.parent_path());
      fs::rename(tmp, out);
    }
    return summary;
  } catch (...) {
    std::error_code ec;
    fs::remove_all(tmp, ec);
    throw;
  }
}

}  // namespace ghmdet
