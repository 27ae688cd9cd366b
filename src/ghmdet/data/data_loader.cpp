#include "ghmdet/data/data_loader.h"

#include <opencv2/core/utility.hpp>

#include <algorithm>

#include "ghmdet/core/error.h"
#include "ghmdet/data/collate.h"

namespace ghmdet {

DataLoader::DataLoader(std::shared_ptr<const Dataset> dataset, std::shared_ptr<const Sampler> sampler,
                       DataLoaderOptions options)
    : dataset_(std::move(dataset)), sampler_(std::move(sampler)), options_(options) {
  TORCH_CHECK(dataset_ && sampler_, "DataLoader needs a dataset and a sampler");
  if (options_.batch_size < 1) throw Error("data loader: imgs_per_gpu must be >= 1");
  if (options_.num_workers < 0) throw Error("data loader: workers_per_gpu must be >= 0");
  options_.prefetch = std::max<int64_t>(options_.prefetch, 1);
  // The workers are the parallelism: OpenCV's own thread pool inside each of them would only
  // oversubscribe the cores the training step needs (mmdetection sets cv2.setNumThreads(0) too).
  if (options_.num_workers > 0) cv::setNumThreads(0);
  for (int64_t w = 0; w < options_.num_workers; ++w) workers_.emplace_back([this] { worker_loop(); });
}

DataLoader::~DataLoader() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
  }
  work_cv_.notify_all();
  for (auto& t : workers_) t.join();
}

int64_t DataLoader::batches_per_epoch() const {
  return (sampler_->size() + options_.batch_size - 1) / options_.batch_size;
}

void DataLoader::set_epoch(int64_t epoch) {
  std::vector<int64_t> order = sampler_->indices(epoch);
  {
    std::lock_guard<std::mutex> lock(mutex_);
    ++generation_;
    epoch_ = epoch;
    order_ = std::move(order);
    num_batches_ = (static_cast<int64_t>(order_.size()) + options_.batch_size - 1) / options_.batch_size;
    next_claim_ = 0;
    next_return_ = 0;
    ready_.clear();
    started_ = true;
  }
  work_cv_.notify_all();
}

void DataLoader::worker_loop() {
  std::unique_lock<std::mutex> lock(mutex_);
  while (true) {
    work_cv_.wait(lock, [&] {
      return stop_ || (started_ && next_claim_ < num_batches_ && next_claim_ < next_return_ + options_.prefetch);
    });
    if (stop_) return;
    const int64_t k = next_claim_++;
    const int64_t generation = generation_, epoch = epoch_;
    const int64_t begin = k * options_.batch_size;
    const int64_t end = std::min<int64_t>(begin + options_.batch_size, static_cast<int64_t>(order_.size()));
    const std::vector<int64_t> indices(order_.begin() + begin, order_.begin() + end);
    lock.unlock();

    Slot slot;
    try {
      std::vector<Sample> samples;
      samples.reserve(indices.size());
      for (int64_t i : indices) {
        if (stop_.load()) break;  // shutting down: give up between images
        samples.push_back(dataset_->get(i, epoch));
      }
      if (samples.size() == indices.size()) slot.batch = collate(std::move(samples), options_.device.is_cuda());
    } catch (...) {
      slot.error = std::current_exception();
    }

    lock.lock();
    if (generation == generation_ && !stop_) {
      ready_[k] = std::move(slot);
      done_cv_.notify_all();
    }
  }
}

std::optional<Batch> DataLoader::next() {
  std::unique_lock<std::mutex> lock(mutex_);
  if (!started_) {
    lock.unlock();
    set_epoch(0);
    lock.lock();
  }
  if (next_return_ >= num_batches_) return std::nullopt;
  const int64_t k = next_return_;
  Slot slot;
  if (workers_.empty()) {
    const int64_t begin = k * options_.batch_size;
    const int64_t end = std::min<int64_t>(begin + options_.batch_size, static_cast<int64_t>(order_.size()));
    const std::vector<int64_t> indices(order_.begin() + begin, order_.begin() + end);
    const int64_t epoch = epoch_;
    ++next_return_;
    lock.unlock();
    std::vector<Sample> samples;
    for (int64_t i : indices) samples.push_back(dataset_->get(i, epoch));
    return collate(std::move(samples), options_.device.is_cuda());
  }
  done_cv_.wait(lock, [&] { return ready_.count(k) > 0; });
  slot = std::move(ready_[k]);
  ready_.erase(k);
  ++next_return_;
  lock.unlock();
  work_cv_.notify_all();
  if (slot.error) {
    try {
      std::rethrow_exception(slot.error);
    } catch (const Error&) {
      throw;
    } catch (const std::exception& e) {
      throw Error("data loader: batch " + std::to_string(k) + ": " + e.what());
    }
  }
  return std::move(slot.batch);
}

}  // namespace ghmdet
