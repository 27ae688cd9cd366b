// GHMDet's CUDA loss kernels (losses/cuda/), built only with them: each equals the tensor-op path
// on the same GPU (an independent formulation of the same semantics) for every input layout;
// results are bit-identical run after run; and a GHM-C call records into a CUDA graph (which
// fails on any host synchronisation) and replays to the eager results, EMA state included.
// Skipped, with the reason, where no GPU is present.
#include <ATen/cuda/CUDAGraph.h>
#include <c10/cuda/CUDAGuard.h>
#include <c10/cuda/CUDAStream.h>
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "ghmdet/losses/focal_paths.h"
#include "ghmdet/losses/ghm_c_paths.h"
#include "ghmdet/losses/ghm_r_paths.h"
#include "ghmdet/losses/ghm_state.h"
#include "require_cuda.h"

namespace ghmdet {
namespace {

using testing::kCuda;

// Labels or a dense target, row or element weights: the four layouts the kernels read.
std::vector<ClassificationInputs> layouts(int64_t n, int64_t c) {
  auto x = (torch::randn({n, c}) * 3).to(kCuda).requires_grad_();
  const auto labels = torch::randint(0, c + 1, {n}, torch::kInt64).to(kCuda);
  const auto soft = torch::rand({n, c}).to(kCuda);
  const auto row_w = (torch::rand({n}) > 0.1).to(torch::kFloat).to(kCuda);
  const auto elem_w = (torch::rand({n, c}) > 0.2).to(torch::kFloat).to(kCuda);
  std::vector<ClassificationInputs> out;
  for (int k = 0; k < 4; ++k) {
    ClassificationInputs in;
    in.logits = x;
    (k % 2 == 0 ? in.labels : in.target) = k % 2 == 0 ? labels : soft;
    in.weight = k < 2 ? row_w : elem_w;
    out.push_back(in);
  }
  return out;
}

torch::Tensor grad_of(const torch::Tensor& loss, const torch::Tensor& x) {
  return torch::autograd::grad({loss}, {x})[0];
}

void expect_close(const torch::Tensor& a, const torch::Tensor& b, double rtol, double atol,
                  const std::string& what) {
  EXPECT_TRUE(torch::allclose(a, b, rtol, atol))
      << what << ": max |difference| = " << (a - b).abs().max().item<double>();
}

void expect_identical(const torch::Tensor& a, const torch::Tensor& b, const std::string& what) {
  EXPECT_TRUE(torch::equal(a, b)) << what << " differs between two runs";
}

TEST(CudaLossKernels, GhmcEqualsTensorOps) {
  GHMDET_REQUIRE_CUDA();
  torch::manual_seed(11);
  int layout = 0;
  for (const auto& in : layouts(4000, 9)) {
    SCOPED_TRACE("layout " + std::to_string(layout++));
    const auto edges = ghm_edges(30, 1.0f + 1e-6f).to(kCuda);
    auto acc_k = torch::zeros({30}, torch::dtype(torch::kFloat).device(kCuda));
    auto acc_t = acc_k.clone();
    for (int call = 0; call < 3; ++call) {
      const auto lk = ghmc_loss_cuda(in, edges, acc_k, 0.75, 1.0);
      const auto lt = ghmc_loss_tensor_ops(in, edges, acc_t, 0.75, 1.0);
      expect_close(lk, lt, 1e-5, 1e-7, "loss");
      expect_close(grad_of(lk, in.logits), grad_of(lt, in.logits), 1e-4, 1e-8, "gradient");
    }
    expect_close(acc_k, acc_t, 1e-5, 1e-6, "acc_sum");
  }
}

TEST(CudaLossKernels, FocalEqualsTensorOps) {
  GHMDET_REQUIRE_CUDA();
  torch::manual_seed(12);
  for (const double gamma : {2.0, 1.5, 0.0}) {
    int layout = 0;
    for (const auto& in : layouts(3000, 7)) {
      SCOPED_TRACE("gamma " + std::to_string(gamma) + " layout " + std::to_string(layout++));
      const FocalLossParams p{gamma, 0.25, 1.0, 321.0};
      const auto lk = focal_loss_cuda(in, p);
      const auto lt = focal_loss_tensor_ops(in, p);
      expect_close(lk, lt, 1e-5, 1e-7, "loss");
      expect_close(grad_of(lk, in.logits), grad_of(lt, in.logits), 1e-4, 1e-8, "gradient");
    }
  }
}

TEST(CudaLossKernels, GhmrEqualsTensorOps) {
  GHMDET_REQUIRE_CUDA();
  torch::manual_seed(13);
  RegressionInputs in;
  in.pred = (torch::randn({5000, 4}) * 0.1).to(kCuda).requires_grad_();
  in.target = (torch::randn({5000, 4}) * 0.1).to(kCuda);
  in.weight = (torch::rand({5000, 1}) > 0.5).to(torch::kFloat).expand({5000, 4}).contiguous().to(kCuda);
  const auto edges = ghm_edges(10, 1000.0f).to(kCuda);
  auto acc_k = torch::zeros({10}, torch::dtype(torch::kFloat).device(kCuda));
  auto acc_t = acc_k.clone();
  GHMRParams p;
  p.momentum = 0.7;
  for (int call = 0; call < 3; ++call) {
    const auto lk = ghmr_loss_cuda(in, edges, acc_k, p);
    const auto lt = ghmr_loss_tensor_ops(in, edges, acc_t, p);
    expect_close(lk, lt, 1e-5, 1e-7, "loss");
    expect_close(grad_of(lk, in.pred), grad_of(lt, in.pred), 1e-4, 1e-8, "gradient");
  }
  expect_close(acc_k, acc_t, 1e-5, 1e-6, "acc_sum");
}

// COCO-sized calls (2 images at 800x1344: about 240k anchors x 80 classes) reduce through the
// atomics and the full grid: bit-identical losses and gradients in three runs.
TEST(CudaLossKernels, DeterministicAtCocoScale) {
  GHMDET_REQUIRE_CUDA();
  torch::manual_seed(14);
  const auto in = layouts(240000, 80)[0];
  const auto edges = ghm_edges(30, 1.0f + 1e-6f).to(kCuda);
  const FocalLossParams fp{2.0, 0.25, 1.0, 1000.0};
  torch::Tensor first_loss, first_grad, first_focal, first_focal_grad;
  for (int run = 0; run < 3; ++run) {
    const auto loss = ghmc_loss_cuda(in, edges, torch::Tensor(), 0.0, 1.0);
    const auto grad = grad_of(loss, in.logits);
    const auto focal = focal_loss_cuda(in, fp);
    const auto focal_grad = grad_of(focal, in.logits);
    if (run == 0) {
      first_loss = loss, first_grad = grad, first_focal = focal, first_focal_grad = focal_grad;
      continue;
    }
    expect_identical(loss, first_loss, "GHM-C loss");
    expect_identical(grad, first_grad, "GHM-C gradient");
    expect_identical(focal, first_focal, "focal loss");
    expect_identical(focal_grad, first_focal_grad, "focal gradient");
  }
}

// Capturing fails on a host synchronisation (an .item(), a copy to the host, a data-dependent
// shape); replaying the captured call twice must do what two eager calls do.
TEST(CudaLossKernels, GhmcCallRecordsIntoACudaGraph) {
  GHMDET_REQUIRE_CUDA();
  torch::manual_seed(15);
  torch::NoGradGuard no_grad;
  const auto in = layouts(20000, 80)[1];
  const auto edges = ghm_edges(30, 1.0f + 1e-6f).to(kCuda);
  auto acc_eager = torch::zeros({30}, torch::dtype(torch::kFloat).device(kCuda));
  auto acc_graph = acc_eager.clone();
  ghmc_loss_cuda(in, edges, acc_eager, 0.75, 1.0);
  const auto eager_second = ghmc_loss_cuda(in, edges, acc_eager, 0.75, 1.0);

  auto side = c10::cuda::getStreamFromPool();
  torch::Tensor captured;
  at::cuda::CUDAGraph graph;
  {
    c10::cuda::CUDAStreamGuard guard(side);
    graph.capture_begin();
    captured = ghmc_loss_cuda(in, edges, acc_graph, 0.75, 1.0);
    graph.capture_end();
  }
  graph.replay();
  graph.replay();
  torch::cuda::synchronize();
  expect_close(captured, eager_second, 0, 0, "loss of the second replay");
  expect_close(acc_graph, acc_eager, 0, 0, "acc_sum after two replays");
}

}  // namespace
}  // namespace ghmdet
