// HostSyncCounter — counts, while it is alive, the host synchronisations with a CUDA device made
// on the calling thread: device-to-host copies (.item(), nonzero(), a tensor copied to the CPU),
// blocking host-to-device copies and stream synchronisations. It uses libtorch's CUDA sync debug
// mode (Python's torch.cuda.set_sync_debug_mode), so it sees exactly what libtorch flags.
//
//   HostSyncCounter counter;                       // mode kCount: each sync counted
//   auto losses = model->loss(batch);
//   counter.count();                               // 1: the loss's avg_factor
//   { HostSyncCounter forbid(HostSyncCounter::kForbid); total.backward(); }  // a sync throws
//
// kCount counts on the constructing thread only (libtorch's warning handler is per thread; the
// autograd engine runs CUDA backward on a thread of its own): check a backward with kForbid,
// whose error reaches the caller from any thread. Not nestable. Without a CUDA libtorch 2.x
// available() is false and nothing is counted.
#pragma once

#include <cstdint>
#include <memory>

namespace ghmdet {

class HostSyncCounter {
 public:
  enum Mode { kCount, kForbid };
  explicit HostSyncCounter(Mode mode = kCount);
  ~HostSyncCounter();
  HostSyncCounter(const HostSyncCounter&) = delete;
  HostSyncCounter& operator=(const HostSyncCounter&) = delete;

  int64_t count() const;
  static bool available();

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace ghmdet
