// R50-FPN RetinaNet on CPU: network forward (inference) at 800x1216 and 512x512, batch 1.
#include <benchmark/benchmark.h>
#include <torch/torch.h>

#include "ghmdet/core/runtime.h"
#include "ghmdet/modeling/backbone/resnet.h"
#include "ghmdet/modeling/head/retina_head.h"
#include "ghmdet/modeling/neck/fpn.h"

namespace {

using namespace ghmdet;

struct Net {
  ResNet backbone{ResNetOptions().depth(50).out_indices({1, 2, 3})};
  FPN neck{FPNOptions({512, 1024, 2048}, 256, 5).extra_source(ExtraConvSource::kInput)};
  RetinaHead head{RetinaHeadOptions(80, 256)};
};

void BM_Forward(benchmark::State& state) {
  torch::NoGradGuard no_grad;
  Net net;
  net.backbone->eval();
  const bool cl = state.range(2) != 0;
  auto x = torch::randn({1, 3, state.range(0), state.range(1)});
  if (cl) {
    x = x.contiguous(torch::MemoryFormat::ChannelsLast);
    for (torch::nn::Module* m : {(torch::nn::Module*)net.backbone.get(), (torch::nn::Module*)net.neck.get(),
                                 (torch::nn::Module*)net.head.get()})
      for (auto& p : m->parameters())
        if (p.dim() == 4) p.set_data(p.contiguous(torch::MemoryFormat::ChannelsLast));
  }
  for (auto _ : state) {
    auto out = net.head->forward(net.neck->forward(net.backbone->forward(x)));
    benchmark::DoNotOptimize(out.cls_scores[0].data_ptr());
  }
  state.SetLabel(cl ? "channels_last" : "contiguous");
}
BENCHMARK(BM_Forward)->Args({512, 512, 0})->Args({512, 512, 1})->Unit(benchmark::kMillisecond)->Iterations(3);

}  // namespace

int main(int argc, char** argv) {
  ghmdet::init_runtime();
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
