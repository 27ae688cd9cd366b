// ATen's autocast switches across libtorch versions, for one device type at a time.
//
// libtorch 1.13 has one function per device (set_cpu_enabled / set_enabled for CUDA,
// set_autocast_cpu_dtype / set_autocast_gpu_dtype, ...); libtorch 2.4 replaced them with
// functions taking an at::DeviceType and deprecated the old names (later releases may drop
// them). Only kCPU and kCUDA are supported; another device type is a ghmdet::Error.
#pragma once

#include <ATen/autocast_mode.h>
#include <torch/version.h>

#include <string>

#include "ghmdet/core/error.h"

namespace ghmdet::autocast_compat {

#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 4)
#define GHMDET_AUTOCAST_PER_DEVICE_API 1
#else
#define GHMDET_AUTOCAST_PER_DEVICE_API 0
#endif

inline void require_supported(at::DeviceType device) {
  if (device != at::kCPU && device != at::kCUDA) {
    throw Error("autocast: device type " + c10::DeviceTypeName(device) +
                " is not supported (cpu or cuda)");
  }
}

inline bool is_enabled(at::DeviceType device) {
  require_supported(device);
#if GHMDET_AUTOCAST_PER_DEVICE_API
  return at::autocast::is_autocast_enabled(device);
#else
  return device == at::kCPU ? at::autocast::is_cpu_enabled() : at::autocast::is_enabled();
#endif
}

inline void set_enabled(at::DeviceType device, bool enabled) {
  require_supported(device);
#if GHMDET_AUTOCAST_PER_DEVICE_API
  at::autocast::set_autocast_enabled(device, enabled);
#else
  if (device == at::kCPU) {
    at::autocast::set_cpu_enabled(enabled);
  } else {
    at::autocast::set_enabled(enabled);
  }
#endif
}

inline at::ScalarType dtype(at::DeviceType device) {
  require_supported(device);
#if GHMDET_AUTOCAST_PER_DEVICE_API
  return at::autocast::get_autocast_dtype(device);
#else
  return device == at::kCPU ? at::autocast::get_autocast_cpu_dtype()
                            : at::autocast::get_autocast_gpu_dtype();
#endif
}

inline void set_dtype(at::DeviceType device, at::ScalarType type) {
  require_supported(device);
#if GHMDET_AUTOCAST_PER_DEVICE_API
  at::autocast::set_autocast_dtype(device, type);
#else
  if (device == at::kCPU) {
    at::autocast::set_autocast_cpu_dtype(type);
  } else {
    at::autocast::set_autocast_gpu_dtype(type);
  }
#endif
}

#undef GHMDET_AUTOCAST_PER_DEVICE_API

}  // namespace ghmdet::autocast_compat
