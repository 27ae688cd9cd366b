// gather_detections — the sharded evaluation's last step: every rank has run inference on its
// shard of the validation set, rank 0 gets all of them back in dataset order.
//
// Sharding convention (data/shard_sampler.h): rank r of W visited dataset images r, r + W,
// r + 2W, ... in that order, so image i is rank (i mod W)'s result number (i div W). Each rank
// serialises its results (ImageMeta fields, then boxes float32 [K,4], scores float32 [K],
// labels int64 [K]) into bytes, one all-gather moves them, and rank 0 interleaves them.
// Returns the full list on rank 0 and an empty one elsewhere. Detections must be on the CPU
// (run_inference's default). Invariant: the result on rank 0 equals what one process running
// the whole set would return, image for image, bit for bit.
#pragma once

#include <vector>

#include "ghmdet/engine/distributed/process_group.h"
#include "ghmdet/engine/inference.h"

namespace ghmdet {

std::vector<ImageDetections> gather_detections(DistributedContext& context,
                                               const std::vector<ImageDetections>& local);

// The byte format, exposed for the round-trip test.
std::vector<uint8_t> serialize_detections(const std::vector<ImageDetections>& detections);
std::vector<ImageDetections> deserialize_detections(const std::vector<uint8_t>& bytes);

}  // namespace ghmdet
