// `ghmdet report` end to end on real training runs, and its input errors.
//
// The runs come from the CTest fixture VizReport.TrainRuns (train_runs.cmake: a GHM-C + GHM-R
// run and a focal-loss run of 20 iterations on tiny Fashion-MNIST scenes, with gradient
// records every 3 iterations, evaluation after each epoch and detection pictures), whose folder
// is passed in GHMDET_VIZ_RUNS; without it those tests are skipped. The report is written again
// here into a temporary folder, and every SVG is parsed as XML and checked for its series.
#include <gtest/gtest.h>

#include <pugixml.hpp>

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>

#include "ghmdet/core/error.h"
#include "ghmdet/viz/report.h"
#include "ghmdet/viz/run_data.h"

namespace fs = std::filesystem;

namespace ghmdet::viz {
namespace {

std::string runs_dir() {
  const char* d = std::getenv("GHMDET_VIZ_RUNS");
  return d ? d : "";
}

std::string read(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::ostringstream s;
  s << f.rdbuf();
  return s.str();
}

fs::path temp_dir(const std::string& name) {
  const fs::path d = fs::temp_directory_path() / ("ghmdet_viz_" + name + "_" + std::to_string(::getpid()));
  fs::remove_all(d);
  fs::create_directories(d);
  return d;
}

std::vector<std::string> series_names(const pugi::xml_document& doc) {
  std::vector<std::string> out;
  for (const auto& n : doc.select_nodes("//g[@class='series']")) out.push_back(n.node().attribute("data-name").value());
  return out;
}

std::vector<std::string> legend_names(const pugi::xml_document& doc) {
  std::vector<std::string> out;
  for (const auto& n : doc.select_nodes("//g[@class='legend']/text[@class='legend-name']")) out.push_back(n.node().child_value());
  return out;
}

pugi::xml_document load_svg(const fs::path& p) {
  pugi::xml_document doc;
  const auto r = doc.load_file(p.c_str());
  EXPECT_TRUE(r) << p << ": " << r.description();
  return doc;
}

class ReportOnTrainedRuns : public ::testing::Test {
 protected:
  void SetUp() override {
    if (runs_dir().empty()) GTEST_SKIP() << "GHMDET_VIZ_RUNS not set (run through ctest)";
    ghm = fs::path(runs_dir()) / "ghm";
    fl = fs::path(runs_dir()) / "fl";
    ASSERT_TRUE(fs::is_regular_file(ghm / "metrics.jsonl")) << ghm;
  }
  fs::path ghm, fl;
};

TEST_F(ReportOnTrainedRuns, RecordsAreThere) {
  const RunData run = load_run(ghm.string());
  // 20 iterations, recorded at 0-based iterations 0, 3, ..., 18.
  ASSERT_EQ(run.grad_norms.size(), 7u);
  EXPECT_EQ(run.grad_norms.front().global_iter, 1);
  EXPECT_EQ(run.grad_norms.back().global_iter, 19);
  for (const auto& r : run.grad_norms) {
    ASSERT_EQ(r.roles.count("cls"), 1u);
    EXPECT_EQ(r.roles.at("cls").loss, "GHMC");
    EXPECT_EQ(r.roles.at("reg").loss, "GHMR");
    ASSERT_EQ(r.roles.at("cls").levels.size(), 5u);  // P3..P7
    for (const auto& l : r.roles.at("cls").levels) {
      int64_t sum = 0;
      for (auto c : l.density) sum += c;
      EXPECT_EQ(sum, l.valid);
      ASSERT_TRUE(l.ghm.has_value());
      EXPECT_EQ(l.ghm->counts.size(), 30u);  // the demo config's bins
    }
  }
  EXPECT_EQ(run.val.size(), 2u);
  ASSERT_EQ(run.per_class.size(), 2u);
  EXPECT_EQ(run.per_class.back().classes.size(), 10u);
  EXPECT_EQ(run.pictures.size(), 4u);
  const RunData base = load_run(fl.string());
  ASSERT_FALSE(base.grad_norms.empty());
  EXPECT_EQ(base.grad_norms.back().roles.at("cls").loss, "FocalLoss");
  EXPECT_FALSE(base.grad_norms.back().roles.at("cls").levels[0].ghm.has_value());
}

TEST_F(ReportOnTrainedRuns, SvgsParseAndHoldTheSeries) {
  const auto out = temp_dir("single");
  const auto r = write_report({ghm.string(), "", out.string(), 12});
  EXPECT_EQ(r.html_path, (out / "report.html").string());
  std::set<std::string> ids;
  for (const auto& p : r.svg_paths) {
    load_svg(p);
    ids.insert(fs::path(p).stem().string());
  }
  for (const char* id : {"gradnorm_cls_levels", "gradnorm_reg_levels", "gradnorm_cls_log", "gradnorm_cls_P3",
                         "gradnorm_cls_P7", "ghm_beta_cls", "ghm_beta_reg", "ghm_ema_cls", "loss", "lr", "ap",
                         "per_class_ap", "pr_curves"}) {
    EXPECT_TRUE(ids.count(id)) << id;
  }
  // One path group per FPN level, after all levels together (drawn underneath); the legend
  // names them.
  const auto levels = load_svg(out / "plots" / "gradnorm_cls_levels.svg");
  EXPECT_EQ(series_names(levels), (std::vector<std::string>{"all levels", "P3", "P4", "P5", "P6", "P7"}));
  EXPECT_EQ(legend_names(levels), series_names(levels));
  EXPECT_GE(levels.select_nodes("//g[@class='series']/path[@class='series-line']").size(), 6u);
  // Over training: one series per picked record (at most 5), named by iteration.
  const auto p3 = load_svg(out / "plots" / "gradnorm_cls_P3.svg");
  EXPECT_EQ(series_names(p3).front(), "1");
  EXPECT_EQ(series_names(p3).back(), "19");
  const auto beta = load_svg(out / "plots" / "ghm_beta_cls.svg");
  EXPECT_EQ(series_names(beta).size(), 5u);
  const auto loss = load_svg(out / "plots" / "loss.svg");
  EXPECT_EQ(legend_names(loss), (std::vector<std::string>{"loss_bbox", "loss_cls", "loss"}));
  // Per-class AP: a label per class of the dataset below the bars.
  const auto bars = load_svg(out / "plots" / "per_class_ap.svg");
  std::set<std::string> texts;
  for (const auto& t : bars.select_nodes("//g[@class='axes']/text")) texts.insert(t.node().child_value());
  const RunData run = load_run(ghm.string());
  for (const auto& c : run.per_class.back().classes) EXPECT_TRUE(texts.count(c.name)) << c.name;

  // The page: self-contained (no network), every figure inline, pictures inline.
  const std::string html = read(out / "report.html");
  size_t inline_svgs = 0;
  for (size_t at = html.find("<svg "); at != std::string::npos; at = html.find("<svg ", at + 1)) ++inline_svgs;
  EXPECT_EQ(inline_svgs, r.svg_paths.size());
  EXPECT_EQ(html.find("src=\"http"), std::string::npos);
  EXPECT_EQ(html.find("href=\"http"), std::string::npos);
  EXPECT_EQ(html.find("<link"), std::string::npos);
  EXPECT_NE(html.find("data:image/jpeg;base64,"), std::string::npos);
  fs::remove_all(out);
}

TEST_F(ReportOnTrainedRuns, CompareOverlaysTheSecondRunDashed) {
  const auto out = temp_dir("compare");
  const auto r = write_report({ghm.string(), fl.string(), out.string(), 4});
  const auto levels = load_svg(out / "plots" / "gradnorm_cls_levels.svg");
  // 6 solid named series, 6 dashed unnamed ones, then the two run keys.
  const auto names = series_names(levels);
  ASSERT_EQ(names.size(), 14u);
  EXPECT_EQ(names[12], "ghm");
  EXPECT_EQ(names[13], "fl");
  EXPECT_EQ(levels.select_nodes("//g[@class='series']/path[@stroke-dasharray='6 4']").size() > 0, true);
  const auto ap = load_svg(out / "plots" / "per_class_ap.svg");
  EXPECT_EQ(series_names(ap), (std::vector<std::string>{"ghm", "fl"}));
  // GHM weights exist only for the GHM run: no dashed series there.
  const auto beta = load_svg(out / "plots" / "ghm_beta_cls.svg");
  EXPECT_EQ(beta.select_nodes("//g[@class='series']/path[@stroke-dasharray='6 4']").size(), 0u);
  const std::string html = read(out / "report.html");
  EXPECT_NE(html.find("ghm vs fl"), std::string::npos);
  fs::remove_all(out);
}

// --- Bad input -----------------------------------------------------------------------------

TEST(ReportInput, MissingWorkDirIsNamed) {
  try {
    load_run("/nonexistent/ghmdet_run");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/ghmdet_run: work_dir not found"), std::string::npos) << e.what();
  }
  const auto empty = temp_dir("empty");
  try {
    load_run(empty.string());
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("no metrics.jsonl"), std::string::npos) << e.what();
  }
  fs::remove_all(empty);
}

TEST(ReportInput, MalformedLinesNameFileAndLine) {
  const auto dir = temp_dir("malformed");
  {
    std::ofstream f(dir / "metrics.jsonl");
    f << R"({"mode": "train", "epoch": 1, "iter": 5, "global_iter": 5, "lr": 0.01, "loss": 1.0})" << "\n";
    f << R"({"mode": "train", "epoch": 1, "iter": 10, "global_i)" << "\n";
  }
  try {
    load_run(dir.string());
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("metrics.jsonl:2: not a JSON line"), std::string::npos) << e.what();
  }
  {
    std::ofstream f(dir / "metrics.jsonl");
    f << R"({"mode": "train", "epoch": 1, "iter": 5, "global_iter": 5, "lr": 0.01, "loss": 1.0})" << "\n";
  }
  {
    std::ofstream f(dir / "ghm_stats.jsonl");
    f << "\n" << R"({"epoch": 1, "global_iter": 1, "cls": {"loss": "GHMC", "levels": [{"valid": 3}]}})" << "\n";
  }
  try {
    load_run(dir.string());
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("ghm_stats.jsonl:2: missing array field 'density'"), std::string::npos)
        << e.what();
  }
  fs::remove_all(dir);
}

TEST(ReportInput, RunWithoutRecordsOrEvaluationStillReports) {
  const auto dir = temp_dir("bare");
  {
    std::ofstream f(dir / "metrics.jsonl");
    for (int i = 1; i <= 3; ++i)
      f << R"({"mode": "train", "epoch": 1, "global_iter": )" << 5 * i
        << R"(, "lr": 0.01, "loss_cls": 1.5, "loss_bbox": 0.5, "loss": 2.0})" << "\n";
  }
  const auto r = write_report({dir.string(), "", "", 12});
  EXPECT_EQ(r.svg_paths.size(), 2u);  // loss and lr
  const std::string html = read(r.html_path);
  EXPECT_NE(html.find("No gradient-norm records"), std::string::npos);
  EXPECT_NE(html.find("No evaluation during training"), std::string::npos);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace ghmdet::viz
