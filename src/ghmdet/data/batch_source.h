// BatchSource — what the engine pulls batches from: an epoch-aware stream of Batch.
//
// set_epoch(e) re-seeds the sampler for epoch e (deterministic for a given seed, as the
// reference's samplers are), then next() yields that epoch's batches in order and returns
// std::nullopt at its end. batches_per_epoch() is known before the epoch starts (for ETA and
// the learning-rate schedule). Implementations may decode ahead on worker threads; a worker's
// error is rethrown by next() as ghmdet::Error naming the file.
#pragma once

#include <cstdint>
#include <optional>

#include "ghmdet/structures/batch.h"

namespace ghmdet {

class BatchSource {
 public:
  virtual ~BatchSource() = default;
  virtual void set_epoch(int64_t epoch) = 0;
  virtual std::optional<Batch> next() = 0;
  virtual int64_t batches_per_epoch() const = 0;
};

}  // namespace ghmdet
