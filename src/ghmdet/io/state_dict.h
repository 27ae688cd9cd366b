// State dicts: named tensors read from a checkpoint file, and copying them into a module.
//
// A StateDict maps full parameter/buffer names ("backbone.layer1.0.conv1.weight") to tensors,
// in file order. read_state_dict() finds the weights inside whatever checkpoint layout holds
// them: a plain state dict, mmdetection's {'meta', 'state_dict', 'optimizer'}, or {'model': ...}
// (ours and detectron-style); a `module.` prefix on every key (DataParallel) is removed.
// Names are returned as in the file: weight_maps.h renames them to GHMDet's.
//
// load_state_dict() copies into the module's named_parameters() and named_buffers() under
// torch::NoGradGuard, converting dtype to the destination's and keeping the module's device.
// It reports by name the keys the module has but the dict lacks (missing), the keys the dict
// has but the module lacks (unexpected) and shape mismatches (not copied). Keys that carry no
// learned weights — BatchNorm's num_batches_tracked (FrozenBatchNorm2d has none) and the GHM
// losses' `edges`/`acc_sum` buffers — are listed apart as benign, missing or unexpected (a
// checkpoint trained with GHM-C tested with a Focal loss config). With strict = true any other
// missing, unexpected or mismatched key throws ghmdet::Error listing them all, before anything
// is copied; otherwise the report is returned for logging.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <string>
#include <vector>

#include "ghmdet/io/pickle_value.h"

namespace ghmdet {

using StateDict = torch::OrderedDict<std::string, torch::Tensor>;

StateDict read_state_dict(const std::string& path);

// The weights inside an unpickled checkpoint (see above); `path` names it in messages.
StateDict find_state_dict(const PickleValue& root, const std::string& path);

// Removes `prefix` from every key when every key starts with it; otherwise returns `sd` as is.
StateDict strip_common_prefix(const StateDict& sd, const std::string& prefix);

struct ShapeMismatch {
  std::string name;
  std::vector<int64_t> expected;  // the module's
  std::vector<int64_t> found;     // the state dict's
};

struct LoadReport {
  std::vector<std::string> loaded;
  std::vector<std::string> missing;
  std::vector<std::string> benign_missing;
  std::vector<std::string> unexpected;
  std::vector<std::string> benign_unexpected;
  std::vector<ShapeMismatch> mismatched;

  // True when every weight the module has was loaded and every weight of the file was used
  // (benign keys aside).
  bool complete() const { return missing.empty() && unexpected.empty() && mismatched.empty(); }
  // Multi-line human summary ("missing keys (2): a, b" ...), empty lines omitted.
  std::string summary() const;
};

LoadReport load_state_dict(torch::nn::Module& module, const StateDict& state_dict, bool strict);

// Whether a key holds no learned weights (see above).
bool is_benign_key(const std::string& name);

}  // namespace ghmdet
