#include "ghmdet/io/weight_maps.h"

#include <fmt/format.h>

#include <sstream>
#include <vector>

#include "ghmdet/core/error.h"

namespace ghmdet {
namespace {

bool starts_with(const std::string& s, const std::string& prefix) {
  return s.compare(0, prefix.size(), prefix) == 0;
}

std::vector<std::string> split(const std::string& key) {
  std::vector<std::string> parts;
  std::stringstream ss(key);
  std::string part;
  while (std::getline(ss, part, '.')) parts.push_back(part);
  return parts;
}

bool is_index(const std::string& s) {
  return !s.empty() && s.size() < 6 && s.find_first_not_of("0123456789") == std::string::npos;
}

bool is_param(const std::string& s) { return s == "weight" || s == "bias"; }

// FPN block or head tower conv: `<i>.0.<param>` (versioned layout) or `<j>.<param>` (older
// layout, where j is the index in a Sequential; `old_step` is 2 for the head's Conv/ReLU pairs
// and 1 for the FPN's bare convs). Returns the block index, or -1 when the tail is neither.
int block_index(const std::vector<std::string>& p, size_t at, int old_step) {
  if (p.size() == at + 3 && is_index(p[at]) && p[at + 1] == "0" && is_param(p[at + 2])) {
    return std::stoi(p[at]);
  }
  if (p.size() == at + 2 && is_index(p[at]) && is_param(p[at + 1])) {
    const int j = std::stoi(p[at]);
    return j % old_step == 0 ? j / old_step : -1;
  }
  return -1;
}

// The GHMDet name of a torchvision RetinaNet key, or "" when it has none.
std::string retinanet_name(const std::string& key, const std::string& backbone_prefix) {
  if (starts_with(key, "backbone.body.")) return backbone_prefix + key.substr(14);
  const auto p = split(key);
  const std::string& param = p.back();
  if (starts_with(key, "backbone.fpn.") && p.size() >= 4) {
    if (p[2] == "extra_blocks" && p.size() == 5 && is_param(param)) {
      if (p[3] == "p6") return "neck.fpn_convs.3.conv." + param;
      if (p[3] == "p7") return "neck.fpn_convs.4.conv." + param;
    }
    if (p[2] == "inner_blocks" || p[2] == "layer_blocks") {
      const int i = block_index(p, 3, 1);
      if (i >= 0) {
        return fmt::format("neck.{}.{}.conv.{}", p[2] == "inner_blocks" ? "lateral_convs" : "fpn_convs",
                           i, param);
      }
    }
    return "";
  }
  if (starts_with(key, "head.") && p.size() >= 4) {
    std::string branch;
    std::string final_conv;
    if (p[1] == "classification_head") {
      branch = "cls";
      final_conv = "cls_logits";
    } else if (p[1] == "regression_head") {
      branch = "reg";
      final_conv = "bbox_reg";
    } else {
      return "";
    }
    if (p[2] == final_conv && p.size() == 4 && is_param(param)) {
      return fmt::format("bbox_head.retina_{}.{}", branch, param);
    }
    if (p[2] == "conv") {
      const int k = block_index(p, 3, 2);
      if (k >= 0) return fmt::format("bbox_head.{}_convs.{}.conv.{}", branch, k, param);
    }
  }
  return "";
}

}  // namespace

WeightFormat detect_weight_format(const StateDict& sd) {
  bool ghmdet = false;
  bool resnet = false;
  for (const auto& item : sd) {
    const std::string& k = item.key();
    if (starts_with(k, "backbone.body.") || starts_with(k, "backbone.fpn.") ||
        starts_with(k, "head.classification_head.") || starts_with(k, "head.regression_head.")) {
      return WeightFormat::TorchvisionRetinaNet;
    }
    if (starts_with(k, "backbone.") || starts_with(k, "neck.") || starts_with(k, "bbox_head.")) ghmdet = true;
    if (k == "conv1.weight" || starts_with(k, "layer1.")) resnet = true;
  }
  if (ghmdet) return WeightFormat::GHMDet;
  if (resnet) return WeightFormat::TorchvisionResNet;
  return WeightFormat::Unknown;
}

StateDict to_ghmdet_names(const StateDict& sd, WeightFormat format, const std::string& backbone_prefix) {
  StateDict out;
  auto put = [&](const std::string& name, const std::string& from, const torch::Tensor& t) {
    if (out.contains(name)) {
      throw Error(fmt::format("weights: keys '{}' and another both map to '{}'", from, name));
    }
    out.insert(name, t);
  };
  switch (format) {
    case WeightFormat::GHMDet:
      return sd;
    case WeightFormat::TorchvisionResNet:
      for (const auto& item : sd) {
        if (starts_with(item.key(), "fc.")) continue;  // the ImageNet classifier
        put(backbone_prefix + item.key(), item.key(), item.value());
      }
      return out;
    case WeightFormat::TorchvisionRetinaNet:
      for (const auto& item : sd) {
        const std::string name = retinanet_name(item.key(), backbone_prefix);
        put(name.empty() ? item.key() : name, item.key(), item.value());
      }
      return out;
    case WeightFormat::Unknown:
      break;
  }
  std::string first;
  size_t shown = 0;
  for (const auto& item : sd) {
    if (shown++ == 4) break;
    first += (first.empty() ? "" : ", ") + item.key();
  }
  throw Error(fmt::format("weights: cannot tell which model these weights belong to (first keys: {}); "
                          "expected GHMDet/mmdetection, torchvision ResNet or torchvision RetinaNet names",
                          first.empty() ? "none" : first));
}

WeightFormat parse_weight_format(const std::string& text, const std::string& what) {
  if (text == "auto") return WeightFormat::Unknown;
  if (text == "ghmdet" || text == "mmdet") return WeightFormat::GHMDet;
  if (text == "torchvision_resnet") return WeightFormat::TorchvisionResNet;
  if (text == "torchvision_retinanet") return WeightFormat::TorchvisionRetinaNet;
  throw Error(fmt::format("{}: unknown weight format '{}' (auto, ghmdet, mmdet, torchvision_resnet, "
                          "torchvision_retinanet)",
                          what, text));
}

const char* weight_format_name(WeightFormat format) {
  switch (format) {
    case WeightFormat::Unknown: return "unknown";
    case WeightFormat::GHMDet: return "ghmdet";
    case WeightFormat::TorchvisionResNet: return "torchvision_resnet";
    case WeightFormat::TorchvisionRetinaNet: return "torchvision_retinanet";
  }
  return "?";
}

}  // namespace ghmdet
