// StopSignal — graceful stop on SIGINT/SIGTERM while training.
//
// While a StopSignal is alive, the first SIGINT or SIGTERM only records the signal (the training
// loop polls requested() between iterations, saves a checkpoint and returns); a second one
// restores the default action and re-raises, so a user can still kill a stuck run. The previous
// handlers come back when the object is destroyed. Process-wide state: at most one StopSignal
// may be alive at a time.
#pragma once

namespace ghmdet {

class StopSignal {
 public:
  StopSignal();
  ~StopSignal();
  StopSignal(const StopSignal&) = delete;
  StopSignal& operator=(const StopSignal&) = delete;

  bool requested() const;
  // The signal number received (0 when none).
  int signal_number() const;
};

}  // namespace ghmdet
