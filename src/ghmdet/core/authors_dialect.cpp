#include "ghmdet/core/authors_dialect.h"

#include <algorithm>
#include <cctype>
#include <optional>
#include <utility>

#include "ghmdet/core/error.h"

namespace ghmdet {

namespace {

// One loss as the train_cfg keys select it.
struct EarlyLoss {
  std::string type;
  std::string source;  // the key path it comes from ("train_cfg.ghmc", "train_cfg.gamma")
  Config where;        // the node at `source`, for messages
  // (name in the loss, the Config holding the value), in the loss's key order
  std::vector<std::pair<std::string, Config>> params;
};

// (Recursive, not a loop over `Config node = node[key]`: assigning a Config would rebind the
// YAML node it holds, which writes through to the tree.)
bool has_path(const Config& node, const std::string& dotted) {
  const size_t dot = dotted.find('.');
  const std::string key = dotted.substr(0, dot);
  if (!node.has(key)) return false;
  return dot == std::string::npos || has_path(node[key], dotted.substr(dot + 1));
}

// A train_cfg entry: absent or null means not given.
std::optional<Config> given(const Config& train_cfg, const std::string& key) {
  if (!train_cfg.has(key) || train_cfg[key].is_null()) return std::nullopt;
  return train_cfg[key];
}

// The parameters of a train_cfg.ghmc / ghmr map, checked; `renames` maps a key to the loss's
// name for it.
EarlyLoss from_map(const Config& node, const std::string& type, const std::vector<std::string>& keys,
                   const std::vector<std::pair<std::string, std::string>>& renames = {}) {
  if (!node.is_map()) throw node.error("expected a map of the loss's settings (dict(bins=..., ...))");
  node.check_keys(keys);
  EarlyLoss loss{type, node.path(), node, {}};
  for (const auto& key : keys) {
    if (!node.has(key)) continue;
    node.get<double>(key);  // a number, or an error naming the key
    std::string name = key;
    for (const auto& [from, to] : renames) {
      if (from == key) name = to;
    }
    loss.params.emplace_back(name, node[key]);
  }
  return loss;
}

// The focal loss or smooth L1 loss from loose train_cfg numbers (`keys` -> the loss's names).
std::optional<EarlyLoss> from_scalars(const Config& train_cfg, const std::string& type,
                                      const std::vector<std::pair<std::string, std::string>>& keys) {
  std::optional<EarlyLoss> loss;
  for (const auto& [key, name] : keys) {
    const auto node = given(train_cfg, key);
    if (!node) continue;
    node->as<double>();
    if (!loss) loss = EarlyLoss{type, node->path(), *node, {}};
    loss->params.emplace_back(name, *node);
  }
  return loss;
}

YAML::Node plain(const std::string& text) { return YAML::Node(text); }

// A copy of a scalar without its YAML mark (YAML::Clone would mark it 1:1), so that it reports
// the line and column of the key it was resolved from.
YAML::Node copy_scalar(const YAML::Node& node) {
  YAML::Node out(node.Scalar());
  out.SetTag(node.Tag());
  return out;
}

// The loss map the early keys stand for; `_delete_` makes it replace, not merge into, the loss
// of the files below.
YAML::Node loss_node(const EarlyLoss& loss, bool classification) {
  YAML::Node node(YAML::NodeType::Map);
  node.force_insert("_delete_", plain("true"));
  node.force_insert("type", plain(loss.type));
  if (classification) node.force_insert("use_sigmoid", plain("true"));
  bool weighted = false;
  for (const auto& [name, value] : loss.params) {
    node.force_insert(name, copy_scalar(value.node()));
    weighted = weighted || name == "loss_weight";
  }
  if (!weighted) node.force_insert("loss_weight", plain("1.0"));
  return node;
}

std::string describe(const EarlyLoss& loss) {
  std::string text = loss.type;
  for (size_t k = 0; k < loss.params.size(); ++k) {
    text += (k ? ", " : " with ") + loss.params[k].first + " " + loss.params[k].second.node().Scalar();
  }
  return text;
}

// "" when the explicit loss says what the early keys say, else what differs.
std::string disagreement(const EarlyLoss& early, const Config& loss) {
  if (!loss.is_map() || !loss.has("type")) return "it names no type";
  const std::string type = loss.get<std::string>("type");
  if (type != early.type) return "it is " + type;
  for (const auto& [name, value] : early.params) {
    if (!loss.has(name) || loss[name].is_null()) return "it does not set " + name;
    if (loss.get<double>(name) != value.as<double>()) {
      return "its " + name + " is " + loss[name].node().Scalar();
    }
  }
  return "";
}

// Adds the edits for one of the two losses.
void resolve_loss(const Config& root, const std::optional<EarlyLoss>& early, const std::string& key,
                  bool classification, std::vector<ConfigEdit>& edits) {
  if (!early) return;
  const std::string path = "model.bbox_head." + key;
  if (has_path(root, path) && !root["model"]["bbox_head"][key].is_null()) {
    const Config loss = root["model"]["bbox_head"][key];
    // Written by the same source: both must say the same. Else the early keys came later (the
    // command line over the files) and win.
    if (loss.file() == early->where.file()) {
      const std::string why = disagreement(*early, loss);
      if (!why.empty()) {
        throw early->where.error("selects " + describe(*early) + ", but " + loss.where() + " disagrees (" + why +
                                 "); give the loss in one place");
      }
      return;
    }
  }
  if (has_path(root, "model") && !root["model"].is_null() && !root["model"].is_map()) {
    throw root["model"].error("expected a map (the early train_cfg loss keys set model.bbox_head." + key + ")");
  }
  edits.push_back(ConfigEdit{path, loss_node(*early, classification), false, early->source});
}

void resolve_losses(const Config& root, std::vector<ConfigEdit>& sets, std::vector<ConfigEdit>& removals) {
  if (!root.has("train_cfg") || !root["train_cfg"].is_map()) return;
  const Config train_cfg = root["train_cfg"];

  std::optional<EarlyLoss> cls, bbox;
  if (const auto ghmc = given(train_cfg, "ghmc")) {
    cls = from_map(*ghmc, "GHMC", {"bins", "momentum"});
  } else {
    cls = from_scalars(train_cfg, "FocalLoss", {{"gamma", "gamma"}, {"alpha", "alpha"}});
  }
  if (const auto ghmr = given(train_cfg, "ghmr")) {
    bbox = from_map(*ghmr, "GHMR", {"mu", "bins", "momentum", "loss_scale"}, {{"loss_scale", "loss_weight"}});
  } else {
    bbox = from_scalars(train_cfg, "SmoothL1Loss", {{"smoothl1_beta", "beta"}});
  }
  resolve_loss(root, cls, "loss_cls", true, sets);
  resolve_loss(root, bbox, "loss_bbox", false, sets);
  for (const char* key : {"ghmc", "ghmr", "gamma", "alpha", "smoothl1_beta"}) {
    if (train_cfg.has(key)) removals.push_back(ConfigEdit{std::string("train_cfg.") + key, YAML::Node(), true, ""});
  }
}

void resolve_datatype(const Config& root, std::vector<ConfigEdit>& sets, std::vector<ConfigEdit>& removals) {
  if (!root.has("datatype")) return;
  const Config datatype = root["datatype"];
  removals.push_back(ConfigEdit{"datatype", YAML::Node(), true, ""});
  if (datatype.is_null()) return;
  std::string name = datatype.as<std::string>();
  std::string lower = name;
  std::transform(lower.begin(), lower.end(), lower.begin(), ::tolower);
  if (lower == "coco" || lower == "cocodataset") {
    name = "CocoDataset";
  } else if (lower == "voc" || lower == "vocdataset") {
    name = "VOCDataset";
  } else {
    throw datatype.error("unknown dataset '" + name + "' (known: coco, voc, CocoDataset, VOCDataset)");
  }
  bool set_type = true;
  if (root.has("dataset_type") && !root["dataset_type"].is_null() &&
      root["dataset_type"].file() == datatype.file()) {
    const Config dataset_type = root["dataset_type"];
    if (dataset_type.as<std::string>() != name) {
      throw datatype.error("names " + name + ", but " + dataset_type.where() + " is " +
                           dataset_type.as<std::string>() + "; name the dataset in one place");
    }
    set_type = false;
  }
  if (set_type) sets.push_back(ConfigEdit{"dataset_type", plain(name), false, "datatype"});
  if (!root.has("data") || !root["data"].is_map()) return;
  for (const char* split : {"train", "val", "test"}) {
    if (!root["data"].has(split) || !root["data"][split].is_map() || root["data"][split].has("type")) continue;
    sets.push_back(ConfigEdit{std::string("data.") + split + ".type", plain(name), false, "datatype"});
  }
}

void count_without_background(const Config& root, std::vector<ConfigEdit>& sets) {
  if (!has_path(root, "model.bbox_head.num_classes")) return;
  const Config num_classes = root["model"]["bbox_head"]["num_classes"];
  const int64_t n = num_classes.as<int64_t>();
  if (n < 2) {
    throw num_classes.error("an mmdetection v1 config counts the background in num_classes (81 for COCO's 80 "
                            "classes), so it must be at least 2, found " + std::to_string(n));
  }
  sets.push_back(ConfigEdit{num_classes.path(), plain(std::to_string(n - 1)), false, num_classes.path()});
}

// mmdetection's names for torchvision's ImageNet ResNets, as the files in checkpoints/ that
// docs/CONFIGS.md asks for.
void local_pretrained(const Config& root, std::vector<ConfigEdit>& sets) {
  if (!has_path(root, "model.pretrained") || !root["model"]["pretrained"].is_scalar()) return;
  const Config pretrained = root["model"]["pretrained"];
  const std::string name = pretrained.as<std::string>();
  std::string model;
  for (const char* scheme : {"modelzoo://", "torchvision://"}) {
    if (name.rfind(scheme, 0) == 0) model = name.substr(std::string(scheme).size());
  }
  if (model.empty() && name.find("://") == std::string::npos) return;
  static const std::vector<std::pair<std::string, std::string>> files = {
      {"resnet18", "resnet18-5c106cde.pth"},
      {"resnet34", "resnet34-333f7ec4.pth"},
      {"resnet50", "resnet50-19c8e357.pth"},
      {"resnet101", "resnet101-5d3b4d8f.pth"}};
  for (const auto& [key, file] : files) {
    if (key == model) {
      sets.push_back(ConfigEdit{pretrained.path(), plain("checkpoints/" + file), false, pretrained.path()});
      return;
    }
  }
  throw pretrained.error("no local file for '" + name + "': give the path of the weights (torchvision's " +
                         "ImageNet ResNets modelzoo://resnet18|34|50|101 map to checkpoints/<torchvision file>)");
}

// Whether a Python file's tree reads as mmdetection v1 (the rule in the header).
bool reads_as_mmdet_v1(const Config& root) {
  if (!root.is_map() || root.has("_base_")) return false;
  // Not pipelines: mmdetection v1.0 introduced them and still counted the background.
  for (const char* path : {"data.samples_per_gpu", "model.train_cfg", "model.test_cfg",
                           "model.bbox_head.anchor_generator", "model.bbox_head.bbox_coder"}) {
    if (has_path(root, path)) return false;
  }
  return true;
}

}  // namespace

std::vector<ConfigEdit> authors_dialect_edits(const Config& root, bool python_v1_rules) {
  std::vector<ConfigEdit> sets, removals;
  if (!root.is_map()) return sets;
  resolve_losses(root, sets, removals);
  resolve_datatype(root, sets, removals);
  local_pretrained(root, sets);
  if (python_v1_rules && reads_as_mmdet_v1(root)) count_without_background(root, sets);
  sets.insert(sets.end(), removals.begin(), removals.end());
  return sets;
}

}  // namespace ghmdet
