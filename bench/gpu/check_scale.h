// The sizes the GPU check runs at. full(): what scripts/gpu-check.sh runs on a GPU (the issue's
// COCO-scale shapes: GHM-C on 2 images at 800x1344 with 80 classes, R50-FPN RetinaNet at
// 800x1333, batch 2). smoke(): the same code paths at toy sizes, for the CPU test that keeps the
// program working (tests/gpu_check).
#pragma once

#include <cstdint>
#include <string>

namespace ghmdet::bench {

struct CheckScale {
  std::string name;
  // CPU vs device, losses: rows x classes (GHM-R: rows x 4).
  int64_t compare_rows, compare_classes;
  // CPU vs device, detector: config (under the source tree) and square image side.
  std::string compare_config;
  int64_t compare_side;
  // Training iterations on generated batches: config, image side, iterations.
  std::string train_config;
  int64_t train_side, train_iters;
  // Loss timings: the anchors of `loss_images` images of loss_h x loss_w, with loss_classes.
  int64_t loss_images, loss_h, loss_w, loss_classes;
  // Training-step and inference timings: the two loss configs, image size, batch.
  std::string step_config_focal, step_config_ghm, infer_config;
  int64_t step_h, step_w, step_batch;
  int warmup, iters;

  static CheckScale full() {
    return {"full", 100000, 80, "configs/torchvision/retinanet_resnet50_fpn_coco.yaml", 512,
            "configs/demo/fashion_mnist_ghm.yaml", 128, 40,
            2, 800, 1344, 80,
            "configs/ghm/retinanet_fl_sl1_r50_fpn_1x_coco.yaml",
            "configs/ghm/retinanet_ghmc_ghmr_r50_fpn_1x_coco.yaml",
            "configs/torchvision/retinanet_resnet50_fpn_coco.yaml", 800, 1333, 2, 3, 10};
  }
  static CheckScale smoke() {
    return {"smoke", 3000, 7, "configs/demo/fashion_mnist_ghm.yaml", 64,
            "configs/demo/fashion_mnist_ghm.yaml", 96, 24,
            1, 64, 96, 7,
            "configs/demo/fashion_mnist_fl.yaml", "configs/demo/fashion_mnist_ghm.yaml",
            "configs/demo/fashion_mnist_ghm.yaml", 64, 96, 2, 1, 2};
  }
};

}  // namespace ghmdet::bench
