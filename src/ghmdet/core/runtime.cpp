#include "ghmdet/core/runtime.h"

#include "ghmdet/core/error.h"

#include <cstdlib>
#include <thread>

namespace ghmdet {

int init_runtime(int num_threads) {
  if (num_threads <= 0) {
    if (const char* env = std::getenv("OMP_NUM_THREADS"); env && std::atoi(env) > 0) {
      num_threads = std::atoi(env);
    } else {
      num_threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    }
  }
  torch::set_num_threads(num_threads);
  return torch::get_num_threads();
}

torch::Device parse_device(const std::string& text, const std::string& what) {
  if (text == "cpu") return torch::Device(torch::kCPU);
  if (text.rfind("cuda", 0) == 0) {
    if (!torch::cuda::is_available()) {
      throw Error(what + ": '" + text + "' asked for, but this libtorch has no usable CUDA device");
    }
    if (text == "cuda") return torch::Device(torch::kCUDA, 0);
    if (text.size() > 5 && text[4] == ':') {
      const std::string index = text.substr(5);
      if (!index.empty() && index.find_first_not_of("0123456789") == std::string::npos) {
        const int i = std::stoi(index);
        if (i >= cuda_device_count()) {
          throw Error(what + ": '" + text + "' but only " + std::to_string(cuda_device_count()) +
                      " CUDA device(s) exist");
        }
        return torch::Device(torch::kCUDA, static_cast<c10::DeviceIndex>(i));
      }
    }
  }
  throw Error(what + ": expected 'cpu', 'cuda' or 'cuda:N', got '" + text + "'");
}

int64_t cuda_device_count() { return static_cast<int64_t>(torch::cuda::device_count()); }

}  // namespace ghmdet
