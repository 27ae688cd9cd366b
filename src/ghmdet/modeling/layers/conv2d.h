// conv2d — a 2-D convolution that always runs on oneDNN on the CPU.
//
// Why: libtorch 1.13 sends a CPU float convolution with batch 1, a 3x3 (or smaller) kernel and
// at most 20480 input elements to its native im2col + sgemm path instead of oneDNN (a heuristic
// from ConvUtils.h, "for some case, native is faster"). With Debian's reference BLAS that path
// is 15-40x slower than oneDNN, and 2.5x slower again on channels-last tensors: measured for one
// 256→256 3x3 conv at 8x8 on the 2-core Zen 4 machine, native 12.5 ms (NCHW) / 30.7 ms (NHWC),
// oneDNN 0.74 ms. In RetinaNet at batch 1 that hits every head conv of P6/P7 at 512x512 (P7 at
// 800x1216) and FPN's P7 conv: ~0.4 s of a ~1.1 s forward. aten::mkldnn_convolution skips the
// heuristic; it has its own autograd formula (MkldnnConvolutionBackward0) and gives the same
// results up to float rounding. Other devices, dtypes and empty inputs take torch::conv2d, and
// so does everything under CPU autocast (fp16 training): mkldnn_convolution is not an autocast
// op and would stay float32, while torch::conv2d is cast to bfloat16, which libtorch always
// sends to oneDNN. Under CPU autocast, an input narrower than the horizontal stride runs in
// float32 (libtorch computes its bfloat16 weight gradient wrongly; the output is float32 then).
//
// On libtorch 1.x, a single-threaded 1x1 convolution that needs gradients runs with dilation 2
// (the same computation for a 1x1 kernel) so that its backward, too, stays on oneDNN.
//
// bf16 (inference, core/inference_dtype.h): a bf16 input with float32 weight and bias runs in
// bf16 with the weight and bias rounded to bf16 for the call; the parameters themselves stay
// float32 (checkpoints, BN folding). Callers that own a cache pass weights already in bf16
// (conv_bn.h does).
#pragma once

#include <torch/torch.h>

namespace ghmdet {

torch::Tensor conv2d(const torch::Tensor& x, const torch::Tensor& weight, const torch::Tensor& bias,
                     torch::IntArrayRef stride, torch::IntArrayRef padding, torch::IntArrayRef dilation,
                     int64_t groups);

// The module's convolution (its weight, bias and geometry) through conv2d above; modules with a
// padding mode other than zeros or a string padding ("same") run their own forward.
torch::Tensor conv2d(const torch::nn::Conv2d& conv, const torch::Tensor& x);

}  // namespace ghmdet
