#include "gpu/host_syncs.h"

#include "ghmdet/core/host_sync_counter.h"
#include "gpu/bench_training.h"
#include "gpu/generated_batches.h"

namespace ghmdet::bench {

nlohmann::json count_host_syncs(const torch::Device& device, const CheckScale& s, const std::string& source_dir,
                                const std::string& work_dir) {
  nlohmann::json out = {{"available", HostSyncCounter::available() && device.is_cuda()},
                        {"config", s.step_config_ghm}};
  auto model = detector_from(source_dir, s.step_config_ghm);
  model->to(device);
  const auto options = GeneratedBatchesOptions()
                           .batch_size(s.step_batch)
                           .img_h(s.step_h)
                           .img_w(s.step_w)
                           .num_classes(model->num_classes());
  const Batch batch = generated_batch(options, 3).to(device);
  const auto total_loss = [&] {
    torch::Tensor sum;
    for (const auto& [name, value] : model->loss(batch)) sum = sum.defined() ? sum + value : value;
    return sum;
  };
  model->train();
  total_loss().backward();  // the CUDA libraries' lazy set-up, outside the counts
  torch::Tensor loss;
  {
    HostSyncCounter counter;
    loss = total_loss();
    out["loss_syncs"] = counter.count();
  }
  try {
    HostSyncCounter forbid(HostSyncCounter::kForbid);
    loss.backward();
    out["backward_syncs_forbidden_ok"] = true;
  } catch (const std::exception& e) {
    out["backward_syncs_forbidden_ok"] = false;
    out["backward_sync_error"] = std::string(e.what()).substr(0, 500);
  }
  model->eval();
  {
    torch::NoGradGuard no_grad;
    model->predict(batch);
    HostSyncCounter counter;
    model->predict(batch);
    out["predict_syncs_per_image"] = static_cast<double>(counter.count()) / static_cast<double>(batch.size());
  }
  for (const bool fp16 : {false, true}) {
    GeneratedBatches source(GeneratedBatchesOptions(options).num_batches(3).pool(1));
    HostSyncCounter counter;
    const auto run = run_trainer(detector_from(source_dir, s.step_config_ghm), source,
                                 bench_trainer_options(device, work_dir + "/syncs", fp16, 0));
    // The first iteration moves the model and sets up the optimiser: counted, then averaged.
    out[fp16 ? "trainer_syncs_per_iteration_fp16" : "trainer_syncs_per_iteration"] =
        static_cast<double>(counter.count()) / static_cast<double>(std::max<size_t>(run.losses.size(), 1));
  }
  return out;
}

}  // namespace ghmdet::bench
