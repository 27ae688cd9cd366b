// GHMDet's own checkpoint files: model weights, optimizer state and run metadata in one file.
//
// On disk it is a torch.save zip file (torch_save.h) holding the dict
//   {'meta': {...}, 'state_dict': OrderedDict(name → tensor), 'optimizer': {name → tensor}}
// — mmdetection's layout, so Python's torch.load, mmdetection tools and read_state_dict() read
// it too. `meta` is any JSON object (the trainer stores epoch, iter, time, config text,
// ghmdet_version, ...); JSON objects/arrays/strings/numbers/bools/null become Python
// dicts/lists/str/int|float/bool/None. Tensors are saved as contiguous CPU copies.
// save_checkpoint() writes atomically (temp file + fsync + rename).
//
// load_checkpoint() reads our files and other checkpoints: `model` is what read_state_dict()
// would return (a `module.` prefix stripped); `optimizer` is the 'optimizer' entry when it is a
// dict of tensors, or else the tensors and numbers of a PyTorch optimizer state dict flattened to
// dotted names ("state.0.momentum_buffer", "param_groups.0.lr" as 0-d tensors); `meta` is the
// 'meta' entry as JSON (tuples as arrays, int keys as strings, bytes as arrays of byte values,
// 0-d tensors as numbers; other tensors throw ghmdet::Error naming the key), or {} without one.
#pragma once

#include <torch/torch.h>

#include <nlohmann/json.hpp>

#include <map>
#include <string>

#include "ghmdet/io/state_dict.h"

namespace ghmdet {

struct Checkpoint {
  StateDict model;
  std::map<std::string, torch::Tensor> optimizer;
  nlohmann::json meta = nlohmann::json::object();
};

void save_checkpoint(const std::string& path, const Checkpoint& checkpoint);
Checkpoint load_checkpoint(const std::string& path);

// The conversions load/save use, exposed for tests and tools.
PickleValuePtr json_to_pickle(const nlohmann::json& j);
nlohmann::json pickle_to_json(const PickleValue& v, const std::string& what);

}  // namespace ghmdet
