#include "ghmdet/losses/kernels/buffer_pool.h"

#include <mutex>
#include <vector>

namespace ghmdet::loss_kernels {

namespace {

constexpr size_t kMaxBuffers = 8;
constexpr int64_t kMinBytes = int64_t{1} << 20;

struct Pool {
  std::mutex mutex;
  std::vector<torch::Tensor> buffers;  // each the only owner of its TensorImpl
};

Pool& pool() {
  static Pool* p = new Pool();  // never destroyed: buffers may be handed out during exit
  return *p;
}

bool is_free(const torch::Tensor& t) { return t.storage().use_count() == 1; }

// A new TensorImpl over the buffer's storage, so the caller's tensor and the pool's never share
// sizes/strides metadata.
torch::Tensor share(const torch::Tensor& buffer) {
  return torch::empty({0}, buffer.options()).set_(buffer.storage(), 0, buffer.sizes(),
                                                  buffer.strides());
}

}  // namespace

torch::Tensor reusable_empty(torch::IntArrayRef sizes, const torch::TensorOptions& options) {
  int64_t numel = 1;
  for (int64_t s : sizes) numel *= s;
  const int64_t bytes = numel * static_cast<int64_t>(c10::elementSize(
                                    c10::typeMetaToScalarType(options.dtype())));
  if (bytes < kMinBytes) return torch::empty(sizes, options);
  Pool& p = pool();
  std::lock_guard<std::mutex> lock(p.mutex);
  for (auto& b : p.buffers) {
    if (b.sizes() == sizes && b.dtype() == options.dtype() && b.device() == options.device() &&
        is_free(b)) {
      return share(b);
    }
  }
  auto fresh = torch::empty(sizes, options);
  if (p.buffers.size() >= kMaxBuffers) {
    // Replace a free buffer (the oldest one); when all are in use, do not cache the new one.
    for (auto it = p.buffers.begin(); it != p.buffers.end(); ++it) {
      if (is_free(*it)) {
        p.buffers.erase(it);
        break;
      }
    }
  }
  if (p.buffers.size() < kMaxBuffers) {
    p.buffers.push_back(fresh);
    return share(fresh);
  }
  return fresh;
}

}  // namespace ghmdet::loss_kernels
