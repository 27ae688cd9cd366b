#include "tiny_torchvision_fixture.h"

namespace ghmdet::testing {

RetinaNetOptions tiny_torchvision_options(bool channels_last) {
  DenseHeadSettings dense;
  dense.conventions = "torchvision";
  dense.max_per_img = 300;
  RetinaNetOptions o(ResNetOptions().depth(50).base_channels(8).stage_blocks({2, 1, 1, 1}).out_indices({1, 2, 3}),
                     FPNOptions({64, 128, 256}, 16, 5).extra_source(ExtraConvSource::kOutput).relu_before_extra_convs(true),
                     RetinaHeadOptions(5, 16).feat_channels(16), dense);
  o.channels_last(channels_last);
  return o;
}

Batch fixture_batch(const FixtureTensors& fx) {
  Batch b;
  b.images = fx.at("input");
  for (auto& s : fx.meta["image_shapes"]) {
    ImageMeta m;
    m.ori_shape = m.img_shape = m.pad_shape = {s[0].get<int64_t>(), s[1].get<int64_t>()};
    b.metas.push_back(m);
  }
  return b;
}

}  // namespace ghmdet::testing
