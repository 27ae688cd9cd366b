// Fashion-MNIST scenes: determinism, train/val sources kept apart, COCO and VOC outputs that
// agree and load, atomic output.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "ghmdet/core/error.h"
#include "ghmdet/data/coco_json.h"
#include "ghmdet/data/fashion_mnist_scenes.h"
#include "ghmdet/data/idx_file.h"
#include "ghmdet/data/voc_dataset.h"
#include "temp_dir.h"

namespace ghmdet {
namespace {

using testing::TempDir;
namespace fs = std::filesystem;

// Writes an uncompressed IDX pair (zlib reads it transparently) of `n` items, all of class
// `label`: a bright rectangle on black, so every item has ink.
void write_fake_split(const TempDir& dir, const std::string& prefix, int n, uint8_t label) {
  auto be32 = [](std::string& s, uint32_t v) {
    for (int k = 3; k >= 0; --k) s.push_back(static_cast<char>((v >> (8 * k)) & 0xff));
  };
  std::string images("\0\0\x08\x03", 4), labels("\0\0\x08\x01", 4);
  be32(images, n), be32(images, 28), be32(images, 28);
  be32(labels, n);
  for (int i = 0; i < n; ++i) {
    for (int y = 0; y < 28; ++y)
      for (int x = 0; x < 28; ++x) images.push_back(static_cast<char>(y >= 4 && y < 24 && x >= 6 + i % 3 && x < 22 ? 220 : 0));
    labels.push_back(static_cast<char>(label));
  }
  dir.write("src/" + prefix + "-images-idx3-ubyte.gz", images);
  dir.write("src/" + prefix + "-labels-idx1-ubyte.gz", labels);
}

std::string slurp(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::ostringstream s;
  s << f.rdbuf();
  return s.str();
}

FashionMnistScenesOptions fake_options(const TempDir& dir, const std::string& out) {
  FashionMnistScenesOptions o;
  o.source = dir.file("src");
  o.out = dir.file(out);
  o.train = 5;
  o.val = 3;
  o.height = 64;
  o.width = 80;
  o.seed = 3;
  return o;
}

TEST(FashionMnistScenes, DeterministicAndSplitsFromTheirOwnSource) {
  TempDir dir;
  write_fake_split(dir, "train", 7, 4);  // train items are all "Coat"
  write_fake_split(dir, "t10k", 5, 8);   // test items are all "Bag"
  const auto summary = make_fashion_mnist_scenes(fake_options(dir, "a"));
  make_fashion_mnist_scenes(fake_options(dir, "b"));
  auto other = fake_options(dir, "c");
  other.seed = 4;
  make_fashion_mnist_scenes(other);
  EXPECT_EQ(summary.train_images, 5);
  for (const char* f : {"annotations/instances_train.json", "annotations/instances_val.json", "train/000004.jpg",
                        "val/000002.jpg", "VOCdevkit/VOC2007/Annotations/000001_val.xml",
                        "VOCdevkit/VOC2007/ImageSets/Main/train.txt"}) {
    ASSERT_TRUE(fs::exists(dir.path() / "a" / f)) << f;
    EXPECT_EQ(slurp(dir.path() / "a" / f), slurp(dir.path() / "b" / f)) << f;
  }
  EXPECT_NE(slurp(dir.path() / "a/train/000000.jpg"), slurp(dir.path() / "c/train/000000.jpg"));
  // No temporary folder is left behind.
  int entries = 0;
  for (const auto& e : fs::directory_iterator(dir.path())) entries += e.path().filename().string().find(".tmp") != std::string::npos;
  EXPECT_EQ(entries, 0);

  const CocoJson train = read_coco_json(dir.file("a/annotations/instances_train.json"));
  const CocoJson val = read_coco_json(dir.file("a/annotations/instances_val.json"));
  ASSERT_EQ(train.categories.size(), 10u);
  EXPECT_EQ(train.categories[0].name, "T-shirt/top");
  EXPECT_EQ(static_cast<int64_t>(train.annotations.size()), summary.train_boxes);
  EXPECT_GE(train.annotations.size(), 5u);  // at least one item per scene here
  for (const auto& a : train.annotations) EXPECT_EQ(a.category_id, 5);  // Coat
  for (const auto& a : val.annotations) EXPECT_EQ(a.category_id, 9);    // Bag
  std::map<int64_t, int> per_image;
  for (const auto& a : train.annotations) {
    ++per_image[a.image_id];
    EXPECT_GE(a.bbox[0], 0);
    EXPECT_GE(a.bbox[1], 0);
    EXPECT_LE(a.bbox[0] + a.bbox[2], 80);
    EXPECT_LE(a.bbox[1] + a.bbox[3], 64);
    EXPECT_GE(a.bbox[2], 4);
  }
  for (auto& [id, n] : per_image) EXPECT_LE(n, 5);

  // The VOC copy describes the same boxes (1-based there, 0-based after loading).
  DatasetOptions voc;
  voc.ann_files = {dir.file("a/VOCdevkit/VOC2007/ImageSets/Main/train.txt")};
  voc.img_prefixes = {dir.file("a/VOCdevkit/VOC2007")};
  voc.classes.assign(kFashionMnistClasses.begin(), kFashionMnistClasses.end());
  voc.test_mode = true;
  const VOCDataset ds(voc);
  ASSERT_EQ(ds.size(), 5);
  int64_t k = 0;
  for (int64_t i = 0; i < ds.size(); ++i) {
    const auto& boxes = ds.annotations(i).boxes;
    for (int64_t j = 0; j < boxes.size(0); ++j, ++k) {
      const auto& b = train.annotations[k].bbox;
      EXPECT_EQ(boxes[j][0].item<float>(), b[0]);
      EXPECT_EQ(boxes[j][3].item<float>(), b[1] + b[3] - 1);
      EXPECT_EQ(ds.annotations(i).labels[j].item<int64_t>(), 4);
    }
  }
  EXPECT_EQ(k, summary.train_boxes);
}

TEST(FashionMnistScenes, RefusesToOverwriteAndNamesMissingSources) {
  TempDir dir;
  write_fake_split(dir, "train", 3, 1);
  write_fake_split(dir, "t10k", 3, 2);
  auto o = fake_options(dir, "out");
  o.train = 1, o.val = 1;
  make_fashion_mnist_scenes(o);
  EXPECT_THROW(make_fashion_mnist_scenes(o), Error);
  o.overwrite = true;
  EXPECT_NO_THROW(make_fashion_mnist_scenes(o));
  o.source = dir.file("nowhere");
  try {
    make_fashion_mnist_scenes(o);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("train-images-idx3-ubyte.gz: file not found"), std::string::npos) << e.what();
  }
  dir.write("bad/train-images-idx3-ubyte.gz", std::string("\x1f\x8b\x08\x00garbage", 12));
  EXPECT_THROW(read_idx_file(dir.file("bad/train-images-idx3-ubyte.gz")), Error);
}

TEST(FashionMnistScenes, RealFilesWhenInstalled) {
  const std::string source = "/usr/share/datasets/fashion-mnist";
  if (!fs::exists(source + "/t10k-images-idx3-ubyte.gz")) GTEST_SKIP() << "dataset-fashion-mnist not installed";
  const IdxArray images = read_idx_file(source + "/t10k-images-idx3-ubyte.gz");
  EXPECT_EQ(images.shape, (std::vector<int64_t>{10000, 28, 28}));
  const IdxArray labels = read_idx_file(source + "/t10k-labels-idx1-ubyte.gz");
  EXPECT_EQ(labels.shape, (std::vector<int64_t>{10000}));
  EXPECT_EQ(labels.data[0], 9);  // the first test item is an ankle boot
}

}  // namespace
}  // namespace ghmdet
