// Config parsing of hostile YAML (regressions of the config fuzzer, docs/FUZZING.md).
#include <gtest/gtest.h>

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

}  // namespace
}  // namespace ghmdet
