// Builders of the losses from mmdetection-style config entries
// (`loss_cls=dict(type='GHMC', bins=30, momentum=0.75, use_sigmoid=True, loss_weight=1.0)`).
//
//   classification: "GHMC" (bins, momentum, use_sigmoid, loss_weight),
//                   "FocalLoss" (use_sigmoid, gamma, alpha, loss_weight)
//   regression:     "GHMR" (mu, bins, momentum, loss_weight),
//                   "SmoothL1Loss" (beta, loss_weight)
// Values are numbers; `bins` must be an integer and `use_sigmoid` must be 1 (true).
// An unknown type or key throws ghmdet::Error naming it, the valid ones and the nearest match.
#pragma once

#include <map>
#include <memory>
#include <string>

#include "ghmdet/losses/loss.h"

namespace ghmdet {

using LossParams = std::map<std::string, double>;

std::shared_ptr<ClassificationLossImpl> make_classification_loss(const std::string& type,
                                                                 const LossParams& params);
std::shared_ptr<RegressionLossImpl> make_regression_loss(const std::string& type,
                                                         const LossParams& params);

}  // namespace ghmdet
