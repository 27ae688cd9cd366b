// `ghmdet train CONFIG [--work-dir] [--resume-from] [--load-from] [--cfg-options k=v ...] [--seed]
// [--deterministic] [--device] [--validate | --no-validate] [--launcher none|pytorch|slurm]
// [--nproc N]`: mmdetection's tools/train.py (and tools/dist_train.sh: --nproc N re-runs this
// binary N times as ranks 0..N-1 with --launcher pytorch; see engine/distributed/).
// The merged config is saved as work_dir/<CONFIG's file name>; checkpoints, train.log and
// metrics.jsonl go to work_dir. Exit code 0 when training completed, 130 when a SIGINT/SIGTERM
// stopped it (a checkpoint to resume from was written), 2 for bad input.
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "../cli_support.h"
#include "../command.h"
#include "../config_check.h"
#include "ghmdet/core/error.h"
#include "ghmdet/core/runtime.h"
#include "ghmdet/data/build.h"
#include "ghmdet/engine/build.h"
#include "ghmdet/engine/determinism.h"
#include "ghmdet/engine/distributed/detections_gather.h"
#include "ghmdet/engine/distributed/distributed_training.h"
#include "ghmdet/engine/distributed/local_launcher.h"
#include "ghmdet/engine/ghm_stats_hook.h"
#include "ghmdet/engine/trainer.h"
#include "ghmdet/modeling/build.h"
#include "ghmdet/modeling/retinanet.h"

namespace fs = std::filesystem;

namespace ghmdet::cli {
namespace {

void save_merged_config(const Config& cfg, const std::string& work_dir, const std::string& config_file) {
  std::error_code ec;
  fs::create_directories(work_dir, ec);
  if (ec) throw Error(fmt::format("{}: cannot create the work_dir: {}", work_dir, ec.message()));
  const std::string path = (fs::path(work_dir) / saved_config_name(config_file)).string();
  std::ofstream f(path);
  f << cfg.dump() << "\n";
  if (!f) throw Error(fmt::format("{}: cannot write the merged config", path));
}

// The model predicts the dataset's classes: names come from the dataset unless the config names
// them, and the counts must agree.
void attach_class_names(RetinaNetImpl& model, const DetectionDataset& dataset, const Config& cfg) {
  const auto& names = dataset.class_names();
  if (static_cast<int64_t>(names.size()) != model.num_classes())
    throw cfg["model"]["bbox_head"].error(fmt::format("num_classes is {} but the dataset {} has {} classes",
                                                      model.num_classes(), dataset.options().ann_files.front(),
                                                      names.size()));
  if (model.options.class_names().empty()) model.options.class_names(names);
}

}  // namespace

TrainOutcome train_detector(const Config& cfg, const TrainRequest& request) {
  if (!cfg.has("train_cfg")) throw cfg.error("missing key 'train_cfg' (target assignment for training)");
  TrainerOptions options = build_trainer_options(cfg);
  options.device(request.device).deterministic(request.deterministic).seed(request.seed).config_text(cfg.dump());

  // One rank of a multi-process job when the launcher says so (world size 1 otherwise).
  const DistributedEnv env = distributed_env(parse_launcher(request.launcher));
  DistributedConfig dist = distributed_config(cfg);
  torch::Device device = request.device;
  // One GPU per rank, as mmdetection's init_dist: cuda:(LOCAL_RANK mod the GPUs of this node).
  if (env.is_distributed() && device.is_cuda()) {
    const int64_t gpus = std::max<int64_t>(1, ghmdet::cuda_device_count());
    device = torch::Device(torch::kCUDA, static_cast<c10::DeviceIndex>(env.local_rank % gpus));
  }
  dist.group.device = device;
  options.device(device).rank(env.rank).world_size(env.world_size);
  std::shared_ptr<DistributedContext> context = DistributedContext::create(env, dist.group);
  std::unique_ptr<DistributedTraining> distributed;

  set_deterministic(request.deterministic);
  if (request.seed) seed_everything(*request.seed);

  const Config data = cfg["data"];
  auto train_set = make_dataset(data["train"]);
  LoaderSetup setup;
  setup.train = true;
  setup.seed = request.seed.value_or(0);
  setup.device = device;
  setup.rank = env.rank;
  setup.world_size = env.world_size;
  auto loader = make_data_loader(train_set, data, setup);

  auto model = build_detector(cfg["model"], cfg["train_cfg"], cfg.has("test_cfg") ? cfg["test_cfg"] : Config());
  attach_class_names(*model, *train_set, cfg);
  model->to(device);

  if (env.rank == 0) save_merged_config(cfg, options.work_dir(), request.config_file);

  TrainerHooks hooks;
  if (env.is_distributed()) {
    distributed = std::make_unique<DistributedTraining>(context, dist.training);
    distributed->attach(hooks);
  }
  add_ghm_stats_hooks(hooks, ghm_stats_interval(cfg));
  std::unique_ptr<DataLoader> val_loader;
  auto last_metrics = std::make_shared<nlohmann::json>();
  const bool has_eval = cfg.has("evaluation") && !cfg["evaluation"].is_null();
  if (request.force_validate || (request.validate && has_eval)) {
    std::shared_ptr<const DetectionDataset> val_set = make_dataset(data["val"]);
    const std::string metric = default_metric(cfg, *val_set);
    const int64_t interval = has_eval ? cfg["evaluation"].get<int64_t>("interval", 1) : 1;
    if (interval < 1) throw cfg["evaluation"]["interval"].error("must be at least 1");
    LoaderSetup val_setup;
    val_setup.train = false;
    val_setup.device = device;
    // Sharded evaluation: each rank runs its share, rank 0 gathers and evaluates.
    val_setup.rank = env.rank;
    val_setup.world_size = env.world_size;
    val_loader = make_data_loader(val_set, data, val_setup);
    auto evaluate = make_dataset_evaluator(val_set, metric, uses_plus_one_widths(*model), std::cout);
    GatherDetections gather;
    if (env.is_distributed()) {
      gather = [context](const std::vector<ImageDetections>& local) {
        return gather_detections(*context, local);
      };
    }
    hooks.after_epoch.push_back(make_eval_hook(
        *val_loader,
        [evaluate, last_metrics](const std::vector<ImageDetections>& dets) {
          *last_metrics = evaluate(dets);
          return *last_metrics;
        },
        interval, std::move(gather)));
  }

  Trainer trainer(model, *loader, options, std::move(hooks));
  const auto start = std::chrono::steady_clock::now();
  const TrainResult result = trainer.train();
  if (distributed && env.rank == 0) trainer.log().info(distributed->summary());
  if (const auto skipped = train_set->skipped_images(); !skipped.empty())
    trainer.log().info(fmt::format("skipped {} unreadable training images (data.train.skip_corrupt_images): {}",
                                   skipped.size(), fmt::join(skipped, ", ")));
  TrainOutcome outcome;
  outcome.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  outcome.interrupted = result.status == TrainResult::Status::kInterrupted;
  outcome.work_dir = options.work_dir();
  outcome.last_checkpoint = result.last_checkpoint;
  outcome.last_metrics = *last_metrics;
  outcome.iterations = result.state.global_iter;
  return outcome;
}

namespace {

struct TrainArgs {
  std::string config;
  std::string work_dir, resume_from, load_from, device;
  std::vector<std::string> overrides;
  int64_t seed = -1;
  bool deterministic = false, validate = false, no_validate = false;
  std::string launcher = "none";
  int nproc = 1;
};

// The command line of one rank under --nproc: the same options, --launcher pytorch instead.
std::vector<std::string> rank_arguments(const TrainArgs& a) {
  std::vector<std::string> args{"train", a.config, "--launcher", "pytorch"};
  auto add = [&](const char* flag, const std::string& value) {
    if (!value.empty()) {
      args.push_back(flag);
      args.push_back(value);
    }
  };
  add("--work-dir", a.work_dir);
  add("--resume-from", a.resume_from);
  add("--load-from", a.load_from);
  add("--device", a.device);
  if (a.seed >= 0) add("--seed", std::to_string(a.seed));
  if (!a.overrides.empty()) {
    args.push_back("--cfg-options");
    args.insert(args.end(), a.overrides.begin(), a.overrides.end());
  }
  if (a.deterministic) args.push_back("--deterministic");
  if (a.validate) args.push_back("--validate");
  if (a.no_validate) args.push_back("--no-validate");
  return args;
}

int run_local_ranks(const TrainArgs& a) {
  LocalLaunchOptions o;
  o.nproc = a.nproc;
  std::cerr << fmt::format("starting {} training processes (ranks 0..{}) on this machine\n",
                           a.nproc, a.nproc - 1);
  const LocalLaunchResult r = launch_local_processes(current_executable(), rank_arguments(a), o);
  if (r.failed_rank >= 0) {
    std::cerr << "error: training failed: " << r.message << "; the other ranks were stopped\n";
  }
  return r.exit_code;
}

Config load_train_config(const TrainArgs& a) {
  std::vector<std::string> overrides = a.overrides;
  // The command line wins over the config, as in mmdetection's tools/train.py.
  if (!a.work_dir.empty()) overrides.push_back(Config::string_override("work_dir", a.work_dir));
  if (!a.resume_from.empty()) {
    if (!fs::is_regular_file(a.resume_from)) throw Error(fmt::format("{}: --resume-from: file not found", a.resume_from));
    overrides.push_back(Config::string_override("resume_from", a.resume_from));
  }
  if (!a.load_from.empty()) {
    if (!fs::is_regular_file(a.load_from)) throw Error(fmt::format("{}: --load-from: file not found", a.load_from));
    overrides.push_back(Config::string_override("load_from", a.load_from));
  }
  return load_config(a.config, overrides);
}

int run_train(const TrainArgs& given) {
  TrainArgs a = given;
  // Bad input is reported once, before any rank starts, and before any pretraining.
  Config cfg = load_train_config(a);
  const torch::Device device = device_from_flag(a.device);
  if (a.nproc > 1) {
    if (a.launcher != "none") {
      throw Error(fmt::format("--nproc {} starts the processes itself; it cannot be combined with "
                              "--launcher {}", a.nproc, a.launcher));
    }
    distributed_config(cfg);
  }
  // Backbone pretraining (the config's backbone_pretraining section) runs once, here, before any
  // rank starts; the ranks get its file as model.pretrained.
  // (--nproc with --launcher was refused above.)
  if (a.launcher != "none" && distributed_env(parse_launcher(a.launcher)).is_distributed() &&
      backbone_pretraining_wanted(cfg)) {
    throw Error(fmt::format("{}: backbone_pretraining cannot run under --launcher {} (every rank would pretrain); "
                            "run `ghmdet pretrain-backbone` first and set model.pretrained, or use --nproc",
                            a.config, a.launcher));
  }
  // The flags are sound; the whole config is checked next, before pretraining writes anything.
  ConfigUse use;
  use.train = true;
  use.validate = a.validate || (!a.no_validate && cfg.has("evaluation") && !cfg["evaluation"].is_null());
  use.pretrain_backbone = backbone_pretraining_wanted(cfg);
  check_config(cfg, use);
  const std::string pretrained =
      pretrained_backbone_override(cfg, device, a.seed >= 0 ? static_cast<uint64_t>(a.seed) : 0);
  if (!pretrained.empty()) {
    a.overrides.push_back(pretrained);
    cfg = load_train_config(a);
  }
  if (a.nproc > 1) return run_local_ranks(a);
  TrainRequest request;
  request.config_file = a.config;
  if (a.seed >= 0) request.seed = static_cast<uint64_t>(a.seed);
  request.deterministic = a.deterministic;
  request.device = device;
  request.validate = !a.no_validate;
  request.force_validate = a.validate;
  request.launcher = a.launcher;
  const TrainOutcome out = train_detector(cfg, request);
  // Only rank 0 reports; the other ranks' exit codes say enough.
  const bool main_process = distributed_env(parse_launcher(a.launcher)).rank == 0;
  if (!main_process) return out.interrupted ? 130 : 0;
  if (out.interrupted) {
    std::cerr << "training interrupted after " << out.iterations << " iterations; resume with --resume-from "
              << out.last_checkpoint << "\n";
    return 130;
  }
  std::cout << fmt::format("trained {} iterations in {:.1f} s; work_dir: {}; last checkpoint: {}\n", out.iterations,
                           out.seconds, out.work_dir, out.last_checkpoint.empty() ? "none" : out.last_checkpoint);
  return 0;
}

std::function<int()> setup(CLI::App& sub) {
  auto a = std::make_shared<TrainArgs>();
  sub.add_option("config", a->config, "Config file (YAML)")->required();
  sub.add_option("--work-dir", a->work_dir, "Where logs and checkpoints go (overrides work_dir)");
  sub.add_option("--resume-from", a->resume_from, "Checkpoint to continue: weights, optimizer, epoch, iteration");
  sub.add_option("--load-from", a->load_from, "Weights to start from (epoch 0)");
  sub.add_option("--cfg-options", a->overrides, "Config overrides key.path=value (YAML values)");
  sub.add_option("--seed", a->seed, "Random seed (model initialisation, sampler)")->check(CLI::NonNegativeNumber);
  sub.add_flag("--deterministic", a->deterministic, "Deterministic kernels (for exact resumes)");
  sub.add_option("--device", a->device, "cpu, cuda or cuda:N (default: cuda:0 when present, else cpu)");
  auto* v = sub.add_flag("--validate", a->validate, "Evaluate data.val during training even without `evaluation`");
  sub.add_flag("--no-validate", a->no_validate, "Do not evaluate during training")->excludes(v);
  sub.add_option("--launcher", a->launcher,
                 "none, pytorch (torchrun's RANK, WORLD_SIZE, MASTER_ADDR...) or slurm (srun)")
      ->check(CLI::IsMember({"none", "pytorch", "slurm"}));
  sub.add_option("--nproc", a->nproc, "Train with N processes on this machine (c10d; Gloo on CPU)")
      ->check(CLI::PositiveNumber);
  return [a] { return run_train(*a); };
}

}  // namespace
}  // namespace ghmdet::cli

GHMDET_REGISTER_COMMAND("train", "Train a detector from a config (mmdetection's tools/train.py)",
                        ghmdet::cli::setup);
