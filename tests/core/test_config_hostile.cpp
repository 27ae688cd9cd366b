// Config parsing of hostile YAML (regressions of the config fuzzer, docs/FUZZING.md).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "ghmdet/core/config.h"
#include "ghmdet/core/error.h"

namespace ghmdet {
namespace {

std::string error_of(const std::string& yaml) {
  try {
    Config::from_string(yaml, "bad.yaml");
  } catch (const Error& e) {
    return e.what();
  }
  return "<no error>";
}

TEST(ConfigHostile, AStrayCommaIsAnErrorNotAHang) {
  // yaml-cpp returned an empty document for these forever (LoadAll never ended) and YAML::Load
  // read them as an empty config.
  EXPECT_EQ(error_of(",_"), "bad.yaml:1:1: invalid YAML: unexpected ','");
  EXPECT_EQ(error_of(",a: 1\n"), "bad.yaml:1:1: invalid YAML: unexpected ','");
  // Two real documents are still reported as such.
  EXPECT_NE(error_of("a: 1\n---\nb: 2\n").find("a config is one YAML document, found 2"),
            std::string::npos);
  EXPECT_EQ(error_of("a: 1\n"), "<no error>");
  EXPECT_EQ(error_of(""), "<no error>");
}

TEST(ConfigHostile, ABaseNameTooLongIsAnErrorNamingTheFile) {
  // std::filesystem::is_directory threw std::filesystem_error ("File name too long"), which is
  // not a ghmdet::Error (the CLI exited 1 with a library message; a caller expecting Error died).
  const std::filesystem::path dir = std::filesystem::path(::testing::TempDir()) / "ghmdet_long_base";
  std::filesystem::create_directories(dir);
  const std::string config = (dir / "cfg.yaml").string();
  std::ofstream(config) << "_base_: " << std::string(5000, 'a') << ".yaml\n";
  try {
    Config::load(config);
    FAIL() << "no error";
  } catch (const Error& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("cfg.yaml"), std::string::npos) << what;
    EXPECT_NE(what.find("cannot open base config"), std::string::npos) << what;
    EXPECT_NE(what.find("File name too long"), std::string::npos) << what;
  }
}

}  // namespace
}  // namespace ghmdet
