// PickleWriter — serialises a PickleValue tree as the pickle (protocol 2) that torch.save writes.
//
// Dicts with `ordered` become collections.OrderedDict (with their `attributes` as BUILD state),
// tensors become torch._utils._rebuild_tensor_v2 over a persistent-id storage
// ('storage', torch.<T>Storage, key, 'cpu', numel), exactly what Python's torch.load and our
// Unpickler understand. Each tensor gets its own storage (key "0", "1", ...): a contiguous CPU
// copy collected in storages(), to be written as the records data/<key> by the caller.
// Global and Storage values, BigInt and dtypes without a torch storage class (complex, ...)
// throw ghmdet::Error.
#pragma once

#include <torch/torch.h>

#include <string>
#include <vector>

#include "ghmdet/io/pickle_value.h"

namespace ghmdet {

class PickleWriter {
 public:
  // Returns the pickle bytes of `root` (ending with STOP).
  std::string write(const PickleValue& root);
  const std::vector<torch::Tensor>& storages() const { return storages_; }

 private:
  void value(const PickleValue& v, int depth);
  void op(uint8_t code) { out_.push_back(static_cast<char>(code)); }
  void global(const char* module, const char* name);
  void integer(int64_t v);
  void string(const std::string& s);
  void tensor(const torch::Tensor& t);

  std::string out_;
  std::vector<torch::Tensor> storages_;
};

}  // namespace ghmdet
