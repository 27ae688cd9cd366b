// ImageMeta — what the input pipeline did to one image, so that targets and detections can be
// mapped between the network's input and the original picture.
//
// Shapes are (height, width) in pixels. Order of operations: the original image (ori_shape) is
// rescaled by `scale_factor` (one scalar; keep-ratio) to img_shape, optionally flipped
// horizontally, then padded bottom/right to a multiple of the size divisor (pad_shape). A batch
// pads every image further to the largest H and W in the batch; pad_shape is NOT updated for
// that, which is why anchor valid flags use it.
#pragma once

#include <array>
#include <cstdint>
#include <string>

namespace ghmdet {

struct ImageMeta {
  std::string file;                     // image path (for messages, results and pictures)
  int64_t image_id = -1;                // dataset image id (COCO id, or index for VOC)
  std::array<int64_t, 2> ori_shape{0, 0};   // (h, w) of the image as read from disk
  std::array<int64_t, 2> img_shape{0, 0};   // (h, w) after rescaling
  std::array<int64_t, 2> pad_shape{0, 0};   // (h, w) after padding to the size divisor
  double scale_factor = 1.0;            // img = ori * scale_factor
  bool flip = false;                    // flipped horizontally after rescaling
};

}  // namespace ghmdet
