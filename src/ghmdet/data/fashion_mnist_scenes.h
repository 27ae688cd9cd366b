// Fashion-MNIST detection scenes — the demo dataset, made on any machine from Debian's
// dataset-fashion-mnist package (28x28 grey photographs of 10 kinds of clothing).
//
// Each scene is a width x height canvas with a varied background (two-colour gradients, noise,
// stripes, checks) and min_items..max_items items, each resized to its own size, tinted with a
// colour that contrasts with the background (the item's grey level is its opacity), placed so
// that items may overlap but never hide one another (pairwise IoU <= 0.3). A box is tight around
// the item's visible-ink pixels (grey >= 32 after resizing). Train scenes draw items from the
// train split, val scenes from the t10k split, so no item appears in both.
//
// Output, written to DIR.tmp-* and renamed to DIR when complete (atomic):
//   train/NNNNNN.jpg, val/NNNNNN.jpg
//   annotations/instances_train.json, annotations/instances_val.json   (COCO; category ids 1..10)
//   VOCdevkit/VOC2007/{JPEGImages,Annotations}/NNNNNN_{train,val}.*, ImageSets/Main/{train,val}.txt
//     (the same pictures, hard-linked when possible; boxes 1-based as VOC writes them)
// Everything is a pure function of the options (same seed -> byte-identical files).
#pragma once

#include <array>
#include <cstdint>
#include <string>

namespace ghmdet {

extern const std::array<const char*, 10> kFashionMnistClasses;

struct FashionMnistScenesOptions {
  std::string source = "/usr/share/datasets/fashion-mnist";
  std::string out;
  int64_t train = 2000;
  int64_t val = 500;
  int64_t height = 160;
  int64_t width = 160;
  int64_t min_items = 2;
  int64_t max_items = 5;
  uint64_t seed = 0;
  int jpeg_quality = 92;
  bool overwrite = false;  // replace an existing DIR (else it is an error)
};

struct FashionMnistScenesSummary {
  int64_t train_images = 0, val_images = 0;
  int64_t train_boxes = 0, val_boxes = 0;
};

FashionMnistScenesSummary make_fashion_mnist_scenes(const FashionMnistScenesOptions& options);

}  // namespace ghmdet
