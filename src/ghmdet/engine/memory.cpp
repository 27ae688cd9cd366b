#include "ghmdet/engine/memory.h"

#include <dlfcn.h>
#include <unistd.h>

#include <array>
#include <cstdint>
#include <cstdio>

namespace ghmdet {

namespace {

double resident_mib() {
  std::FILE* f = std::fopen("/proc/self/statm", "r");
  if (f == nullptr) return -1.0;
  long size = 0;
  long resident = 0;
  const int n = std::fscanf(f, "%ld %ld", &size, &resident);
  std::fclose(f);
  if (n != 2) return -1.0;
  return static_cast<double>(resident) * static_cast<double>(sysconf(_SC_PAGESIZE)) /
         (1024.0 * 1024.0);
}

// The leading fields of c10::cuda::CUDACachingAllocator::DeviceStats (libtorch 1.13): eight
// arrays of 3 counters {current, peak, allocated, freed}; the tail is padding so the callee may
// write a larger struct. The allocator's library is looked up at run time, so this file links
// against a CPU-only libtorch too; a libtorch whose symbol differs just reports -1.
struct StatMirror {
  int64_t current, peak, allocated, freed;
};
struct DeviceStatsMirror {
  std::array<StatMirror, 3> allocation, segment, active, inactive_split, allocated_bytes;
  std::array<StatMirror, 3> reserved_bytes, active_bytes, inactive_split_bytes;
  std::array<int64_t, 512> tail;
};
using GetDeviceStats = DeviceStatsMirror (*)(int);

double cuda_peak_allocated_mib(int index) {
  static const auto fn = reinterpret_cast<GetDeviceStats>(
      dlsym(RTLD_DEFAULT, "_ZN3c104cuda20CUDACachingAllocator14getDeviceStatsEi"));
  if (fn == nullptr) return -1.0;
  const DeviceStatsMirror stats = fn(index);
  return static_cast<double>(stats.allocated_bytes[0].peak) / (1024.0 * 1024.0);
}

}  // namespace

double memory_mib(const torch::Device& device) {
  if (device.is_cuda()) return cuda_peak_allocated_mib(device.has_index() ? device.index() : 0);
  if (device.is_cpu()) return resident_mib();
  return -1.0;
}

}  // namespace ghmdet
