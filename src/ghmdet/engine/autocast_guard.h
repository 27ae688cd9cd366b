// AutocastGuard — a scope in which ATen's autocast runs eligible ops of one device type in a
// lower-precision dtype, as Python's `with torch.autocast(device_type, dtype)`.
//
// Inside the scope, the ops on autocast's lower-precision list (convolutions, matmul, linear)
// take their inputs in `dtype` (float16 or bfloat16) and return that dtype; ops on its float32
// list run in float32; the rest run in their inputs' dtype. Parameters are never converted: the
// casts are temporaries that autograd differentiates through, so master weights and their
// gradients stay float32.
// Invariants: on destruction the device's previous enabled flag and dtype are back, whatever
// was set before (guards nest); leaving the outermost autocast scope clears autocast's cache of
// cast weights, which would otherwise hand the next step the weights of before an optimizer
// step. Construct and destroy on the same thread (autocast's state is thread-local).
#pragma once

#include <ATen/ATen.h>

namespace ghmdet {

class AutocastGuard {
 public:
  // device: at::kCPU or at::kCUDA; anything else is a ghmdet::Error (nothing changed).
  AutocastGuard(at::DeviceType device, at::ScalarType dtype);
  ~AutocastGuard();

  AutocastGuard(const AutocastGuard&) = delete;
  AutocastGuard& operator=(const AutocastGuard&) = delete;

 private:
  at::DeviceType device_;
  bool was_enabled_;
  at::ScalarType was_dtype_;
};

}  // namespace ghmdet
