// The tiny torchvision RetinaNet of the `tiny_retinanet` fixture (scripts/fixtures/
// make_model_fixtures.py): its options in GHMDet terms (R50-style bottlenecks of 8 base
// channels, FPN of 16 channels from C3-C5 with P6/P7 on P5, 5 classes, torchvision conventions,
// 300 detections per image) and the fixture's input as a Batch (two images, their sizes).
#pragma once

#include "fixture_tensors.h"
#include "ghmdet/modeling/retinanet.h"
#include "ghmdet/structures/batch.h"

namespace ghmdet::testing {

RetinaNetOptions tiny_torchvision_options(bool channels_last);
Batch fixture_batch(const FixtureTensors& fx);

}  // namespace ghmdet::testing
