// core/parallel_for: covers the range once, in chunks of at least `grain`, on more than one
// thread when torch has more than one (it would silently run on the caller's thread if its
// translation unit lost its OpenMP flag).
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <mutex>
#include <set>
#include <stdexcept>
#include <thread>
#include <vector>

#include "ghmdet/core/parallel_for.h"

namespace ghmdet {
namespace {

struct ThreadCount {
  int saved = torch::get_num_threads();
  explicit ThreadCount(int n) { torch::set_num_threads(n); }
  ~ThreadCount() { torch::set_num_threads(saved); }
};

TEST(ParallelFor, CoversTheRangeOnceInChunksOfAtLeastGrain) {
  ThreadCount threads(2);
  std::vector<int> hits(1000, 0);
  std::mutex m;
  std::vector<std::pair<int64_t, int64_t>> chunks;
  parallel_for(0, 1000, 100, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) ++hits[i];
    std::lock_guard<std::mutex> lock(m);
    chunks.emplace_back(b, e);
  });
  for (int h : hits) ASSERT_EQ(h, 1);
  for (auto [b, e] : chunks) {
    if (e != 1000) {
      EXPECT_GE(e - b, 100);
    }
  }
}

TEST(ParallelFor, RunsOnTwoThreadsWhenTorchHasTwo) {
  ThreadCount threads(2);
  std::set<std::thread::id> ids;
  std::mutex m;
  parallel_for(0, 8, 1, [&](int64_t, int64_t) {
    std::lock_guard<std::mutex> lock(m);
    ids.insert(std::this_thread::get_id());
  });
  EXPECT_EQ(ids.size(), 2u);
}

TEST(ParallelFor, ExceptionsReachTheCaller) {
  ThreadCount threads(2);
  EXPECT_THROW(parallel_for(0, 8, 1, [](int64_t b, int64_t) {
                 if (b > 0) throw std::runtime_error("chunk failed");
               }),
               std::exception);
}

}  // namespace
}  // namespace ghmdet
