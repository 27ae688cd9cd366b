#include "ghmdet/core/host_sync_counter.h"

#include <torch/version.h>

#include <string>

// libtorch 2.x's warning handler takes a c10::Warning (1.x's took a message and a location).
#if defined(GHMDET_TORCH_HAS_CUDA) && TORCH_VERSION_MAJOR >= 2
#define GHMDET_COUNT_HOST_SYNCS 1
#include <c10/cuda/CUDAFunctions.h>
#include <c10/util/Exception.h>
#endif

namespace ghmdet {

#ifdef GHMDET_COUNT_HOST_SYNCS

namespace {

// libtorch's message for a synchronising call in sync debug mode (c10/cuda/CUDAFunctions.cpp).
constexpr const char* kSyncMessage = "called a synchronizing CUDA operation";

class CountingHandler : public c10::WarningHandler {
 public:
  explicit CountingHandler(c10::WarningHandler* next) : next_(next) {}
  void process(const c10::Warning& warning) override {
    if (warning.msg().find(kSyncMessage) != std::string::npos) ++count;
    else if (next_) next_->process(warning);
  }
  int64_t count = 0;

 private:
  c10::WarningHandler* next_;
};

}  // namespace

struct HostSyncCounter::State {
  explicit State(Mode mode)
      : previous_mode(c10::cuda::warning_state().get_sync_debug_mode()),
        handler(c10::WarningUtils::get_warning_handler()),
        guard(&handler) {
    c10::cuda::warning_state().set_sync_debug_mode(
        mode == kForbid ? c10::cuda::SyncDebugMode::L_ERROR : c10::cuda::SyncDebugMode::L_WARN);
  }
  ~State() { c10::cuda::warning_state().set_sync_debug_mode(previous_mode); }
  c10::cuda::SyncDebugMode previous_mode;
  CountingHandler handler;
  c10::WarningUtils::WarningHandlerGuard guard;
};

HostSyncCounter::HostSyncCounter(Mode mode) : state_(std::make_unique<State>(mode)) {}
HostSyncCounter::~HostSyncCounter() = default;
int64_t HostSyncCounter::count() const { return state_->handler.count; }
bool HostSyncCounter::available() { return true; }

#else

struct HostSyncCounter::State {};
HostSyncCounter::HostSyncCounter(Mode) {}
HostSyncCounter::~HostSyncCounter() = default;
int64_t HostSyncCounter::count() const { return 0; }
bool HostSyncCounter::available() { return false; }

#endif

}  // namespace ghmdet
