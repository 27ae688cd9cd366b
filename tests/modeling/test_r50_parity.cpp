// Acceptance: `ghmdet infer` with configs/torchvision/retinanet_resnet50_fpn_coco.yaml on a
// randomly initialised torchvision retinanet_resnet50_fpn, saved in both file formats, gives
// torchvision's detections (boxes within 1e-2 px, scores within 1e-4, same labels).
//
// The ~140 MB checkpoints are not committed: generate them with
//   /usr/bin/python3 scripts/fixtures/make_model_fixtures.py --r50 DIR
// and run with GHMDET_R50_PARITY_DIR=DIR (GHMDET_CLI may name the ghmdet binary; by default the
// one of this build tree). Skipped otherwise.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "ghmdet_test_paths.h"

namespace ghmdet {
namespace {

namespace fs = std::filesystem;

std::string cli_path() {
  if (const char* env = std::getenv("GHMDET_CLI")) return env;
  // tests live in <build>/tests/modeling/, the CLI in <build>/bin/.
  return (fs::read_symlink("/proc/self/exe").parent_path() / ".." / ".." / "bin" / "ghmdet").string();
}

void expect_same_detections(const nlohmann::json& want, const nlohmann::json& got, const std::string& what) {
  ASSERT_EQ(got.size(), 1u) << what;
  const auto& dets = got[0]["detections"];
  ASSERT_EQ(dets.size(), want["scores"].size()) << what;
  std::vector<bool> used(dets.size(), false);
  for (size_t k = 0; k < want["scores"].size(); ++k) {
    const double score = want["scores"][k];
    const int64_t label = want["labels"][k];
    bool found = false;
    for (size_t j = 0; j < dets.size() && !found; ++j) {
      if (used[j] || dets[j]["label"] != label || std::abs(dets[j]["score"].get<double>() - score) > 1e-4) continue;
      double diff = 0;
      for (int c = 0; c < 4; ++c)
        diff = std::max(diff, std::abs(dets[j]["bbox"][c].get<double>() - want["boxes"][k][c].get<double>()));
      if (diff <= 1e-2) found = used[j] = true;
    }
    EXPECT_TRUE(found) << what << ": torchvision detection " << k << " (label " << label << ", score " << score
                       << ") has no match";
  }
}

TEST(R50TorchvisionParity, InferMatchesTorchvisionInBothFileFormats) {
  const char* dir_env = std::getenv("GHMDET_R50_PARITY_DIR");
  if (!dir_env || !fs::exists(fs::path(dir_env) / "torchvision_detections.json"))
    GTEST_SKIP() << "GHMDET_R50_PARITY_DIR is not set or holds no generated files; run "
                    "scripts/fixtures/make_model_fixtures.py --r50 DIR to enable this test";
  const fs::path dir(dir_env);
  const auto cli = cli_path();
  ASSERT_TRUE(fs::exists(cli)) << "no ghmdet binary at " << cli << " (set GHMDET_CLI)";
  nlohmann::json want;
  std::ifstream(dir / "torchvision_detections.json") >> want;
  const auto config = std::string(GHMDET_SOURCE_DIR) + "/configs/torchvision/retinanet_resnet50_fpn_coco.yaml";
  for (const char* ckpt : {"retinanet_r50_zip.pth", "retinanet_r50_legacy.pth"}) {
    for (const auto& image : want) {
      const auto out = fs::temp_directory_path() / ("ghmdet_r50_parity_" + std::to_string(getpid()) + ".json");
      const std::string cmd = "\"" + cli + "\" infer \"" + config + "\" \"" + (dir / ckpt).string() + "\" \"" +
                              (dir / image["image"].get<std::string>()).string() + "\" --out \"" + out.string() +
                              "\" 2>/dev/null";
      ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
      nlohmann::json got;
      std::ifstream(out) >> got;
      fs::remove(out);
      expect_same_detections(image, got, std::string(ckpt) + " / " + image["image"].get<std::string>());
    }
  }
}

}  // namespace
}  // namespace ghmdet
