// DataLoader — the parallel BatchSource: worker threads decode and transform batches ahead of
// the training loop.
//
// Threading model: `num_workers` threads live as long as the loader. Batch k of the epoch is the
// k-th chunk of batch_size indices of the sampler's order; workers claim batches in increasing k
// but at most `prefetch` batches beyond the one the consumer is waiting for, so memory stays
// bounded; next() hands batches out strictly in k order (deterministic whatever the timing).
// A worker's exception is stored in its batch's slot and rethrown by next() for that batch
// (a ghmdet::Error naming the file). set_epoch() abandons whatever the previous epoch had in
// flight (the consumer may stop early); the destructor stops and joins the workers without
// waiting for undelivered batches. num_workers == 0 decodes in next() on the caller's thread.
// Images are allocated in pinned memory when `device` is CUDA. With workers, OpenCV's internal
// threading is switched off process-wide (cv::setNumThreads(0)), as mmdetection does.
#pragma once

#include <atomic>
#include <condition_variable>
#include <exception>
#include <map>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "ghmdet/data/batch_source.h"
#include "ghmdet/data/dataset.h"
#include "ghmdet/data/sampler.h"

namespace ghmdet {

struct DataLoaderOptions {
  int64_t batch_size = 2;   // images per batch (imgs_per_gpu)
  int64_t num_workers = 2;  // decoding threads (workers_per_gpu)
  int64_t prefetch = 4;     // batches decoded ahead of the consumer, at most
  torch::Device device = torch::kCPU;  // where the batches will go (pinning only)
};

class DataLoader : public BatchSource {
 public:
  DataLoader(std::shared_ptr<const Dataset> dataset, std::shared_ptr<const Sampler> sampler,
             DataLoaderOptions options);
  ~DataLoader() override;
  DataLoader(const DataLoader&) = delete;
  DataLoader& operator=(const DataLoader&) = delete;

  void set_epoch(int64_t epoch) override;
  std::optional<Batch> next() override;
  int64_t batches_per_epoch() const override;

  const Dataset& dataset() const { return *dataset_; }

 private:
  struct Slot {
    std::optional<Batch> batch;
    std::exception_ptr error;
  };
  void worker_loop();

  std::shared_ptr<const Dataset> dataset_;
  std::shared_ptr<const Sampler> sampler_;
  DataLoaderOptions options_;

  std::mutex mutex_;
  std::condition_variable work_cv_;  // workers wait for claimable batches
  std::condition_variable done_cv_;  // the consumer waits for its batch
  std::atomic<bool> stop_{false};
  bool started_ = false;
  int64_t generation_ = 0;  // bumped by set_epoch; stale results are dropped
  int64_t epoch_ = 0;
  std::vector<int64_t> order_;  // this epoch's sampler indices
  int64_t num_batches_ = 0;
  int64_t next_claim_ = 0;   // next batch a worker takes
  int64_t next_return_ = 0;  // next batch next() returns
  std::map<int64_t, Slot> ready_;
  std::vector<std::thread> workers_;
};

}  // namespace ghmdet
