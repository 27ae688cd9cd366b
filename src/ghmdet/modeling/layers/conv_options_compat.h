// torch::nn::Conv2dOptions' variant fields (padding, padding_mode) across libtorch versions:
// libtorch 1.13 holds them in c10::variant (its own implementation, read with c10::get_if);
// libtorch 2.x replaced c10::variant with std::variant and removed c10::get_if.
//
//   if (const auto* pad = option_if<torch::ExpandingArray<2>>(options.padding())) ...
//
// Null when the option holds another alternative (a padding mode such as torch::kSame).
#pragma once

#include <torch/torch.h>
#include <torch/version.h>

#include <variant>

namespace ghmdet {

template <typename T, typename Variant>
const T* option_if(const Variant& value) {
#if TORCH_VERSION_MAJOR >= 2
  return std::get_if<T>(&value);
#else
  return c10::get_if<T>(&value);
#endif
}

}  // namespace ghmdet
