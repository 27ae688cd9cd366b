#include "ghmdet/losses/build.h"

#include <cmath>
#include <vector>

#include "ghmdet/core/error.h"
#include "ghmdet/core/string_distance.h"
#include "ghmdet/losses/focal_loss.h"
#include "ghmdet/losses/ghm_c.h"
#include "ghmdet/losses/ghm_r.h"
#include "ghmdet/losses/smooth_l1_loss.h"

namespace ghmdet {

namespace {

std::string join(const std::vector<std::string>& words) {
  std::string s;
  for (const auto& w : words) s += (s.empty() ? "" : ", ") + w;
  return s;
}

std::string suggestion(const std::string& word, const std::vector<std::string>& valid) {
  const auto near = nearest_word(word, valid);
  return near ? " (did you mean '" + *near + "'?)" : "";
}

// Checks the keys of `params` against `valid` and reads them with defaults.
class Reader {
 public:
  Reader(std::string type, const LossParams& params, std::vector<std::string> valid)
      : type_(std::move(type)), params_(params) {
    for (const auto& [key, value] : params_) {
      (void)value;
      if (std::find(valid.begin(), valid.end(), key) == valid.end()) {
        throw Error("loss type '" + type_ + "': unknown key '" + key + "'" +
                    suggestion(key, valid) + "; valid keys: " + join(valid));
      }
    }
  }

  double number(const std::string& key, double fallback) const {
    const auto it = params_.find(key);
    return it == params_.end() ? fallback : it->second;
  }

  int64_t integer(const std::string& key, int64_t fallback) const {
    const double v = number(key, static_cast<double>(fallback));
    if (v != std::floor(v)) {
      throw Error("loss type '" + type_ + "': key '" + key + "' must be an integer, got " +
                  std::to_string(v));
    }
    return static_cast<int64_t>(v);
  }

  void require_sigmoid() const {
    if (number("use_sigmoid", 1.0) != 1.0) {
      throw Error("loss type '" + type_ + "': use_sigmoid must be 1 (true); softmax is not supported");
    }
  }

 private:
  std::string type_;
  const LossParams& params_;
};

[[noreturn]] void unknown_type(const char* kind, const std::string& type,
                               const std::vector<std::string>& valid) {
  throw Error(std::string("unknown ") + kind + " loss type '" + type + "'" +
              suggestion(type, valid) + "; valid types: " + join(valid));
}

}  // namespace

std::shared_ptr<ClassificationLossImpl> make_classification_loss(const std::string& type,
                                                                 const LossParams& params) {
  if (type == "GHMC") {
    const Reader r(type, params, {"bins", "momentum", "use_sigmoid", "loss_weight"});
    r.require_sigmoid();
    return std::make_shared<GHMCImpl>(GHMCOptions()
                                          .bins(r.integer("bins", 10))
                                          .momentum(r.number("momentum", 0.0))
                                          .loss_weight(r.number("loss_weight", 1.0)));
  }
  if (type == "FocalLoss") {
    const Reader r(type, params, {"use_sigmoid", "gamma", "alpha", "loss_weight"});
    r.require_sigmoid();
    return std::make_shared<FocalLossImpl>(FocalLossOptions()
                                               .gamma(r.number("gamma", 2.0))
                                               .alpha(r.number("alpha", 0.25))
                                               .loss_weight(r.number("loss_weight", 1.0)));
  }
  unknown_type("classification", type, {"GHMC", "FocalLoss"});
}

std::shared_ptr<RegressionLossImpl> make_regression_loss(const std::string& type,
                                                         const LossParams& params) {
  if (type == "GHMR") {
    const Reader r(type, params, {"mu", "bins", "momentum", "loss_weight"});
    return std::make_shared<GHMRImpl>(GHMROptions()
                                          .mu(r.number("mu", 0.02))
                                          .bins(r.integer("bins", 10))
                                          .momentum(r.number("momentum", 0.0))
                                          .loss_weight(r.number("loss_weight", 1.0)));
  }
  if (type == "SmoothL1Loss") {
    const Reader r(type, params, {"beta", "loss_weight"});
    return std::make_shared<SmoothL1LossImpl>(SmoothL1LossOptions()
                                                  .beta(r.number("beta", 1.0))
                                                  .loss_weight(r.number("loss_weight", 1.0)));
  }
  unknown_type("regression", type, {"GHMR", "SmoothL1Loss"});
}

}  // namespace ghmdet
