// broadcast_module_state — makes every rank start from rank 0's weights and buffers (DDP's
// construction-time broadcast), so a different initialisation seed, or a rank that resumed
// from another file, cannot make the replicas drift apart from step 0.
//
// Parameters and buffers are flattened per dtype into one tensor each (a handful of
// collectives instead of one per tensor), broadcast from rank 0 and copied back in place.
// Buffers include the GHM state (acc_sum): after the broadcast every rank starts from rank 0's
// histogram EMA, as a checkpoint restores it. No-op with one process.
#pragma once

#include <torch/torch.h>

#include "ghmdet/engine/distributed/process_group.h"

namespace ghmdet {

void broadcast_module_state(DistributedContext& context, torch::nn::Module& module);

}  // namespace ghmdet
