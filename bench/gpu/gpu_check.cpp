// ghmdet_gpu_check — the C++ half of scripts/gpu-check.sh: GHMDet on a GPU against GHMDet on the
// CPU, short trainings, and timings, written as one JSON file (rewritten after each section, so
// a run cut short keeps what it finished).
//
//   ghmdet_gpu_check --out FILE [--device cuda|cpu] [--scale full|smoke] [--source-dir DIR]
//                    [--work DIR] [--sections env,compare_losses,compare_detector,host_syncs,
//                                             train,time_losses,time_steps,time_inference]
//
// A section that throws is recorded as {"error": message} and the program exits 1 after the
// others have run. --device cpu runs everything on the CPU (the smoke test of this program).
#include <torch/torch.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "ghmdet/core/runtime.h"
#include "gpu/check_scale.h"
#include "gpu/cpu_vs_device.h"
#include "gpu/host_syncs.h"
#include "gpu/timings.h"

namespace {

using nlohmann::json;
namespace fs = std::filesystem;

struct Args {
  std::string out, device, scale = "full", source_dir = GHMDET_SOURCE_DIR, work;
  std::vector<std::string> sections{"env", "compare_losses", "compare_detector", "host_syncs", "train",
                                    "time_losses", "time_steps", "time_inference"};
};

int usage(const std::string& problem) {
  std::cerr << "ghmdet_gpu_check: " << problem << "\n"
            << "usage: ghmdet_gpu_check --out FILE [--device cuda|cpu] [--scale full|smoke] "
               "[--source-dir DIR] [--work DIR] [--sections a,b,...]\n";
  return 2;
}

std::vector<std::string> split_commas(const std::string& text) {
  std::vector<std::string> parts;
  std::stringstream in(text);
  for (std::string part; std::getline(in, part, ',');)
    if (!part.empty()) parts.push_back(part);
  return parts;
}

json environment(const torch::Device& device) {
  json env = {{"torch_version", TORCH_VERSION},
              {"device", device.str()},
              {"cuda_available", torch::cuda::is_available()},
              {"cuda_devices", torch::cuda::device_count()},
#ifdef GHMDET_HAVE_CUDA_KERNELS
              {"ghmdet_cuda_kernels", true},
#else
              {"ghmdet_cuda_kernels", false},
#endif
              {"intra_op_threads", at::get_num_threads()}};
  return env;
}

void write_json(const std::string& path, const json& result) {
  const std::string partial = path + ".partial";
  {
    std::ofstream out(partial);
    out << result.dump(2) << "\n";
    if (!out) throw std::runtime_error(partial + ": cannot write");
  }
  fs::rename(partial, path);
}

}  // namespace

int main(int argc, char** argv) {
  Args args;
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    if (i + 1 >= argc) return usage(flag + " needs a value");
    const std::string value = argv[++i];
    if (flag == "--out") args.out = value;
    else if (flag == "--device") args.device = value;
    else if (flag == "--scale") args.scale = value;
    else if (flag == "--source-dir") args.source_dir = value;
    else if (flag == "--work") args.work = value;
    else if (flag == "--sections") args.sections = split_commas(value);
    else return usage("unknown option " + flag);
  }
  if (args.out.empty()) return usage("--out is required");
  if (args.scale != "full" && args.scale != "smoke") return usage("--scale: full or smoke, not " + args.scale);
  const ghmdet::bench::CheckScale scale =
      args.scale == "full" ? ghmdet::bench::CheckScale::full() : ghmdet::bench::CheckScale::smoke();
  if (args.work.empty()) args.work = (fs::temp_directory_path() / "ghmdet_gpu_check").string();

  ghmdet::init_runtime();
  const torch::Device device = ghmdet::parse_device(
      args.device.empty() ? (torch::cuda::is_available() ? "cuda" : "cpu") : args.device);

  const std::map<std::string, std::function<json()>> sections{
      {"env", [&] { return environment(device); }},
      {"compare_losses", [&] { return ghmdet::bench::compare_losses(device, scale); }},
      {"compare_detector", [&] { return ghmdet::bench::compare_detector(device, scale, args.source_dir); }},
      {"host_syncs", [&] { return ghmdet::bench::count_host_syncs(device, scale, args.source_dir, args.work); }},
      {"train", [&] { return ghmdet::bench::train_generated(device, scale, args.source_dir, args.work); }},
      {"time_losses", [&] { return ghmdet::bench::time_losses(device, scale); }},
      {"time_steps", [&] { return ghmdet::bench::time_training_steps(device, scale, args.source_dir, args.work); }},
      {"time_inference", [&] { return ghmdet::bench::time_inference(device, scale, args.source_dir); }}};

  json result = {{"scale", scale.name}};
  int status = 0;
  for (const auto& name : args.sections) {
    const auto section = sections.find(name);
    if (section == sections.end()) return usage("unknown section " + name);
    const auto start = std::chrono::steady_clock::now();
    try {
      result[name] = section->second();
    } catch (const std::exception& e) {
      result[name] = {{"error", e.what()}};
      status = 1;
    }
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    result["section_seconds"][name] = seconds;
    std::cout << name << ": " << (result[name].contains("error") && result[name].is_object() ? "FAILED" : "done")
              << " in " << seconds << " s" << std::endl;
    write_json(args.out, result);
  }
  return status;
}
