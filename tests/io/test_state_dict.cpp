// read_state_dict (finding the weights in each checkpoint layout) and load_state_dict (copy and
// report) on modules written here.
#include <gtest/gtest.h>

#include "ghmdet/core/error.h"
#include "ghmdet/io/state_dict.h"
#include "ghmdet/io/weight_maps.h"
#include "io_fixtures.h"

namespace ghmdet {
namespace {

using testing::expected_fixtures;
using testing::io_fixture;

std::vector<std::string> keys_of(const StateDict& sd) { return sd.keys(); }

TEST(StateDict, PlainStateDictInBothFormats) {
  const auto expected = expected_fixtures().at("resnet18_trunc").at("keys").get<std::vector<std::string>>();
  for (const char* name : {"resnet18_trunc_zip.pth", "resnet18_trunc_legacy.pth"}) {
    const StateDict sd = read_state_dict(io_fixture(name));
    EXPECT_EQ(keys_of(sd), expected);
    testing::expect_tensor_matches(sd["layer1.0.bn2.running_var"],
                                   expected_fixtures().at("resnet18_trunc").at("tensors").at("layer1.0.bn2.running_var"),
                                   name);
  }
}

TEST(StateDict, MmdetectionWrapperAndDataParallelPrefix) {
  const StateDict mm = read_state_dict(io_fixture("mmdet_style_zip.pth"));
  ASSERT_EQ(mm.size(), 8u);
  EXPECT_EQ(mm.keys().front(), "backbone.conv1.weight");
  EXPECT_EQ(mm["backbone.bn1.num_batches_tracked"].item<int64_t>(), 12);
  const StateDict wrapped = read_state_dict(io_fixture("wrapped_model.pth"));
  EXPECT_EQ(keys_of(wrapped), keys_of(mm));  // {'model': {module.*}} → same names
  for (const auto& item : mm) EXPECT_TRUE(torch::equal(item.value(), wrapped[item.key()])) << item.key();
}

TEST(StateDict, StripPrefixOnlyWhenEveryKeyHasIt) {
  StateDict sd;
  sd.insert("module.a", torch::zeros(1));
  sd.insert("b", torch::zeros(1));
  EXPECT_EQ(keys_of(strip_common_prefix(sd, "module.")), (std::vector<std::string>{"module.a", "b"}));
}

TEST(StateDict, NonTensorValuesAreNamed) {
  try {
    read_state_dict(io_fixture("numpy_inside.pth"));
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("numpy"), std::string::npos);
  }
}

// A module named like torchvision's ResNet stem + first block, written here as the oracle.
struct BlockImpl : torch::nn::Module {
  BlockImpl() {
    conv1 = register_module("conv1", torch::nn::Conv2d(torch::nn::Conv2dOptions(64, 64, 3).bias(false)));
    bn1 = register_module("bn1", torch::nn::BatchNorm2d(64));
    conv2 = register_module("conv2", torch::nn::Conv2d(torch::nn::Conv2dOptions(64, 64, 3).bias(false)));
    bn2 = register_module("bn2", torch::nn::BatchNorm2d(64));
  }
  torch::nn::Conv2d conv1{nullptr}, conv2{nullptr};
  torch::nn::BatchNorm2d bn1{nullptr}, bn2{nullptr};
};
TORCH_MODULE(Block);

struct StemImpl : torch::nn::Module {
  StemImpl() {
    conv1 = register_module("conv1", torch::nn::Conv2d(torch::nn::Conv2dOptions(3, 64, 7).bias(false)));
    bn1 = register_module("bn1", torch::nn::BatchNorm2d(64));
    layer1 = register_module("layer1", torch::nn::ModuleList(Block()));
  }
  torch::nn::Conv2d conv1{nullptr};
  torch::nn::BatchNorm2d bn1{nullptr};
  torch::nn::ModuleList layer1{nullptr};
};
TORCH_MODULE(Stem);

TEST(StateDict, LoadsATorchvisionBackboneCompletely) {
  const auto& expected = expected_fixtures().at("resnet18_trunc").at("tensors");
  for (const char* name : {"resnet18_trunc_zip.pth", "resnet18_trunc_legacy.pth"}) {
    Stem stem;
    const StateDict sd = to_ghmdet_names(read_state_dict(io_fixture(name)), WeightFormat::TorchvisionResNet, "");
    const LoadReport report = load_state_dict(*stem, sd, /*strict=*/true);
    EXPECT_TRUE(report.complete()) << report.summary();
    EXPECT_EQ(report.loaded.size(), 18u);  // conv1, bn1 (5), layer1.0 (2 convs, 2 BNs); fc.* dropped
    testing::expect_tensor_matches(stem->conv1->weight, expected.at("conv1.weight"), "conv1.weight");
    testing::expect_tensor_matches(stem->layer1[0]->as<BlockImpl>()->bn1->running_mean,
                                   expected.at("layer1.0.bn1.running_mean"), "running_mean");
    EXPECT_EQ(stem->bn1->num_batches_tracked.item<int64_t>(), 7);
  }
}

struct LossStateImpl : torch::nn::Module {
  LossStateImpl() { edges = register_buffer("edges", torch::linspace(0, 1, 4)); }
  torch::Tensor edges;
};
TORCH_MODULE(LossState);

struct TinyImpl : torch::nn::Module {
  TinyImpl() {
    conv = register_module("conv", torch::nn::Conv2d(torch::nn::Conv2dOptions(2, 3, 1)));
    bn = register_module("bn", torch::nn::BatchNorm2d(3));
    register_module("loss_cls", LossState());
  }
  torch::nn::Conv2d conv{nullptr};
  torch::nn::BatchNorm2d bn{nullptr};
};
TORCH_MODULE(Tiny);

TEST(StateDict, ReportsMissingUnexpectedAndMismatchedByName) {
  Tiny tiny;
  StateDict sd;
  sd.insert("conv.weight", torch::full({3, 2, 1, 1}, 0.5, torch::kFloat64));  // converted to float
  sd.insert("conv.bias", torch::zeros({4}));                                   // wrong shape
  sd.insert("bn.weight", torch::full({3}, 2.0));
  sd.insert("bn.bias", torch::full({3}, 1.0));
  sd.insert("bn.running_mean", torch::full({3}, 3.0));
  sd.insert("head.extra", torch::zeros({1}));
  const auto bias_before = tiny->conv->bias.clone();

  try {  // strict: nothing copied, everything named
    load_state_dict(*tiny, sd, /*strict=*/true);
    FAIL();
  } catch (const Error& e) {
    const std::string msg = e.what();
    for (const char* name : {"bn.running_var", "head.extra", "conv.bias"}) {
      EXPECT_NE(msg.find(name), std::string::npos) << name << " in " << msg;
    }
    EXPECT_NE(msg.find("[3]"), std::string::npos) << msg;
  }
  EXPECT_FALSE(torch::allclose(tiny->conv->weight, torch::full({3, 2, 1, 1}, 0.5f)));

  const LoadReport report = load_state_dict(*tiny, sd, /*strict=*/false);
  EXPECT_EQ(report.missing, (std::vector<std::string>{"bn.running_var"}));
  EXPECT_EQ(report.unexpected, (std::vector<std::string>{"head.extra"}));
  ASSERT_EQ(report.mismatched.size(), 1u);
  EXPECT_EQ(report.mismatched[0].name, "conv.bias");
  EXPECT_EQ(report.mismatched[0].expected, (std::vector<int64_t>{3}));
  EXPECT_EQ(report.mismatched[0].found, (std::vector<int64_t>{4}));
  EXPECT_EQ(report.benign_missing, (std::vector<std::string>{"bn.num_batches_tracked", "loss_cls.edges"}));
  EXPECT_EQ(tiny->conv->weight.dtype(), torch::kFloat32);
  EXPECT_TRUE(torch::equal(tiny->conv->weight, torch::full({3, 2, 1, 1}, 0.5f)));
  EXPECT_TRUE(torch::equal(tiny->conv->bias, bias_before));
  EXPECT_TRUE(torch::equal(tiny->bn->running_mean, torch::full({3}, 3.0f)));
  EXPECT_TRUE(tiny->conv->weight.requires_grad());  // still a trainable parameter
}

TEST(StateDict, BenignMissingKeysDoNotFailStrictLoads) {
  Tiny tiny;
  StateDict sd;
  for (const auto& p : tiny->named_parameters()) sd.insert(p.key(), p.value().detach().clone() + 1);
  sd.insert("bn.running_mean", torch::ones({3}));
  sd.insert("bn.running_var", torch::ones({3}));
  const LoadReport report = load_state_dict(*tiny, sd, /*strict=*/true);
  EXPECT_TRUE(report.complete());
  EXPECT_EQ(report.benign_missing.size(), 2u);
  EXPECT_TRUE(is_benign_key("backbone.layer1.0.bn1.num_batches_tracked"));
  EXPECT_TRUE(is_benign_key("bbox_head.loss_bbox.acc_sum"));
  EXPECT_FALSE(is_benign_key("bbox_head.my_loss_cls.edges"));
  EXPECT_FALSE(is_benign_key("backbone.bn1.running_var"));
}

// A checkpoint trained with GHM-R (its loss keeps `acc_sum`) loads strictly into a model whose
// regression loss keeps none: the extra buffers hold no learned weights.
TEST(StateDict, BenignUnexpectedKeysDoNotFailStrictLoads) {
  Tiny tiny;
  StateDict sd;
  for (const auto& p : tiny->named_parameters()) sd.insert(p.key(), p.value().detach().clone());
  for (const auto& b : tiny->named_buffers()) sd.insert(b.key(), b.value().clone());
  sd.insert("loss_bbox.acc_sum", torch::zeros({10}));
  sd.insert("loss_bbox.edges", torch::zeros({11}));
  const LoadReport report = load_state_dict(*tiny, sd, /*strict=*/true);
  EXPECT_TRUE(report.complete());
  EXPECT_TRUE(report.unexpected.empty());
  EXPECT_EQ(report.benign_unexpected, (std::vector<std::string>{"loss_bbox.acc_sum", "loss_bbox.edges"}));
  EXPECT_NE(report.summary().find("not used by this model, no learned weights (2): loss_bbox.acc_sum, loss_bbox.edges"),
            std::string::npos)
      << report.summary();
  sd.insert("loss_bbox.weight", torch::zeros({1}));  // a learned weight the model lacks
  EXPECT_FALSE(load_state_dict(*tiny, sd, /*strict=*/false).complete());
}

}  // namespace
}  // namespace ghmdet
