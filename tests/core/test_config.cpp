// Config: loading, typed access, error messages. Each case writes its own small YAML files into
// a fresh temporary directory, so the expected merge results are written out by hand here.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "ghmdet/core/config.h"
#include "ghmdet/core/error.h"

namespace ghmdet {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

// A scratch directory that lives as long as the test.
class ConfigFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::temp_directory_path() /
           ("ghmdet_config_" + std::string(info->name()) + "_" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string write(const std::string& name, const std::string& text) {
    const fs::path p = dir_ / name;
    fs::create_directories(p.parent_path());
    std::ofstream(p) << text;
    return p.string();
  }

  fs::path dir_;
};

// The message of the Error that `f` throws ("" when it throws none).
template <class F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(ConfigTest, TypedScalarsAndLists) {
  const Config c = Config::from_string(
      "i: 42\n"
      "big: 8589934592\n"
      "d: 0.3333333333333333\n"
      "e: 1e-4\n"
      "neg: -3\n"
      "b: true\n"
      "B: False\n"
      "s: hello\n"
      "q: \"123\"\n"
      "n: null\n"
      "tilde: ~\n"
      "ints: [1, 2, 3]\n"
      "doubles: [0.5, 1, 2.0]\n"
      "strings: [a, b]\n"
      "nested: [[train, 1]]\n");
  EXPECT_EQ(c.get<int>("i"), 42);
  EXPECT_EQ(c.get<int64_t>("big"), 8589934592LL);
  EXPECT_DOUBLE_EQ(c.get<double>("d"), 1.0 / 3.0);
  EXPECT_DOUBLE_EQ(c.get<double>("e"), 1e-4);
  EXPECT_DOUBLE_EQ(c.get<double>("i"), 42.0);  // an int is a number
  EXPECT_FLOAT_EQ(c.get<float>("d"), 1.0f / 3.0f);
  EXPECT_EQ(c.get<int>("neg"), -3);
  EXPECT_TRUE(c.get<bool>("b"));
  EXPECT_FALSE(c.get<bool>("B"));
  EXPECT_EQ(c.get<std::string>("s"), "hello");
  EXPECT_EQ(c.get<std::string>("q"), "123");
  EXPECT_EQ(c.get<std::string>("i"), "42");  // any scalar reads as its text
  EXPECT_TRUE(c["n"].is_null());
  EXPECT_TRUE(c["tilde"].is_null());
  EXPECT_EQ(c.get<std::vector<int>>("ints"), (std::vector<int>{1, 2, 3}));
  EXPECT_EQ(c.get<std::vector<int64_t>>("ints"), (std::vector<int64_t>{1, 2, 3}));
  EXPECT_EQ(c.get<std::vector<double>>("doubles"), (std::vector<double>{0.5, 1.0, 2.0}));
  EXPECT_EQ(c.get<std::vector<float>>("doubles"), (std::vector<float>{0.5f, 1.0f, 2.0f}));
  EXPECT_EQ(c.get<std::vector<std::string>>("strings"), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(c["nested"].at(0).at(0).as<std::string>(), "train");
  EXPECT_EQ(c["nested"].at(0).at(1).as<int>(), 1);
  EXPECT_EQ(c["nested"].at(0).at(1).path(), "nested[0][1]");
}

TEST(ConfigTest, OptionalValuesFallBackWhenAbsentOrNull) {
  const Config c = Config::from_string("a: 3\nn: null\nm: {x: 1}\nempty:\n");
  EXPECT_EQ(c.get<int>("a", 7), 3);
  EXPECT_EQ(c.get<int>("missing", 7), 7);
  EXPECT_EQ(c.get<int>("n", 7), 7);
  EXPECT_EQ(c.get<std::string>("n", "none"), "none");
  EXPECT_EQ(c["empty"].get<int>("x", 5), 5);  // an empty section reads as an empty map
  EXPECT_THROW(c.get<int>("m", 7), Error);    // present, wrong type: still an error
}

TEST(ConfigTest, StructureQueries) {
  const Config c = Config::from_string("model:\n  backbone: {depth: 50, style: pytorch}\n  list: [1, 2]\n");
  EXPECT_TRUE(c.is_map());
  EXPECT_TRUE(c.has("model"));
  EXPECT_FALSE(c.has("data"));
  EXPECT_EQ(c["model"].keys(), (std::vector<std::string>{"backbone", "list"}));
  EXPECT_EQ(c["model"]["backbone"].path(), "model.backbone");
  EXPECT_EQ(c["model"]["backbone"].size(), 2u);
  EXPECT_TRUE(c["model"]["list"].is_sequence());
  EXPECT_EQ(c["model"]["list"].size(), 2u);
  EXPECT_EQ(c["model"]["list"].at(1).path(), "model.list[1]");
  EXPECT_EQ(c["model"]["list"].at(1).as<int>(), 2);
  EXPECT_FALSE(c["model"]["list"].has("x"));
  EXPECT_THAT(error_of([&] { c["model"]["list"].at(2); }), HasSubstr("out of range"));
  EXPECT_EQ(c.path(), "");
  EXPECT_EQ(c.file(), "<string>");
}

}  // namespace
}  // namespace ghmdet
