// parallel_for_dynamic — run f(i) for i in [0, n) on a few threads that take the next index
// as they finish, because evaluation work per category is very uneven (COCO's "person" holds a
// quarter of all boxes), which a static split would leave on one thread.
//
// f must not throw across threads: the first exception is kept and rethrown on the caller's
// thread after all workers have stopped.
#pragma once

#include <atomic>
#include <cstdint>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

namespace ghmdet::detail {

template <typename F>
void parallel_for_dynamic(int64_t n, int num_threads, F&& f) {
  if (num_threads <= 1 || n <= 1) {
    for (int64_t i = 0; i < n; ++i) f(i);
    return;
  }
  std::atomic<int64_t> next{0};
  std::exception_ptr error;
  std::mutex error_mutex;
  auto worker = [&] {
    for (int64_t i = next++; i < n; i = next++) {
      try {
        f(i);
      } catch (...) {
        std::lock_guard<std::mutex> lock(error_mutex);
        if (!error) error = std::current_exception();
        next = n;
      }
    }
  };
  const int64_t count = std::min<int64_t>(num_threads, n);
  std::vector<std::thread> threads;
  threads.reserve(count - 1);
  for (int64_t t = 1; t < count; ++t) threads.emplace_back(worker);
  worker();
  for (auto& t : threads) t.join();
  if (error) std::rethrow_exception(error);
}

}  // namespace ghmdet::detail
