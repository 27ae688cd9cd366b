// collate — stacks samples into a Batch: images padded (zeros, bottom/right) to the largest
// height and width among them; metas and targets passed through unchanged (pad_shape stays the
// per-image 32-padded shape, as the reference). With `pin` the image tensor is allocated in
// pinned host memory so the copy to a CUDA device can be asynchronous.
#pragma once

#include <vector>

#include "ghmdet/data/dataset.h"
#include "ghmdet/structures/batch.h"

namespace ghmdet {

Batch collate(std::vector<Sample> samples, bool pin = false);

}  // namespace ghmdet
