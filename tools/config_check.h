// Checking a whole config before a verb does any work: `train`, `test`, `demo` and
// `pretrain-backbone` call check_config() first, so that a misspelt key or a value out of range
// is reported in a second, before backbone pretraining, dataset scanning or anything written
// into the work_dir — not after minutes of pretraining.
//
// What is checked is everything the run will read that needs no training and no annotation
// parsing: the model down to its losses (modeling/build.h check_detector_config; model.pretrained
// must name a file), train_cfg and test_cfg, the optimizer, schedule, checkpoint and log
// settings (engine/build.h), backbone_pretraining, dist_params, the `data` node and each split
// the run uses (type, keys, values; with `data_files`, that ann_file and img_prefix exist), the
// evaluation settings, and load_from / resume_from. Errors are ghmdet::Error naming the file,
// line and key.
#pragma once

#include <string>
#include <vector>

#include "ghmdet/core/config.h"

namespace ghmdet::cli {

struct ConfigUse {
  bool train = false;                // a training run: train_cfg, optimizer, schedule, data.train, ...
  bool validate = false;             // ...evaluating data.val during training
  bool pretrain_backbone = false;    // backbone pretraining on data.train (by `train` when asked for)
  bool test = false;                 // running data.test
  std::vector<std::string> metrics;  // test metrics (bbox, mAP); validation uses the config's
  bool data_files = true;            // false when the data is made later (`demo`)
};

void check_config(const Config& cfg, const ConfigUse& use);

}  // namespace ghmdet::cli
