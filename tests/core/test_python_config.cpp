// Python-format configs (core/python_config.h) read through Config::load: the values each
// accepted construct gives (worked out by hand, as Python evaluates them), and the error, with
// file, line and column, for every refused construct, malformed file and hostile input.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "config_files.h"
#include "ghmdet/core/config.h"
#include "ghmdet/core/error.h"
#include "ghmdet/core/python_config.h"

namespace ghmdet {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

class PythonConfigTest : public ConfigFiles {
 protected:
  Config load(const std::string& text, const std::vector<std::string>& overrides = {}) {
    return Config::load(write("cfg.py", text), overrides);
  }
  // The error loading `text` gives, with the file's path cut to "cfg.py".
  std::string error(const std::string& text) {
    const std::string path = write("cfg.py", text);
    std::string message = error_of([&] { Config::load(path); });
    if (message.rfind(path, 0) == 0) message = "cfg.py" + message.substr(path.size());
    return message;
  }
};

TEST_F(PythonConfigTest, ValuesAsPythonEvaluatesThem) {
  const Config c = load(
      "\"\"\"A docstring, skipped.\"\"\"\n"
      "# a comment\n"
      "dataset_type = 'CocoDataset'\n"
      "data_root = 'data/coco/'\n"
      "img_norm_cfg = dict(mean=[123.675, 116.28, 103.53], to_rgb=True)  # trailing comment\n"
      "data = dict(\n"
      "    imgs_per_gpu=2,\n"
      "    train=dict(\n"
      "        type=dataset_type,\n"
      "        ann_file=data_root + 'annotations/instances_train2017.json',\n"
      "        img_scale=(1333, 800),\n"
      "        img_norm_cfg=img_norm_cfg,\n"
      "        flip_ratio=0.5,),\n"
      ")\n"
      "literal = {'a': 1, \"b\": [None, False], 'c': {}}\n"
      "warmup_ratio = 1.0 / 3\n"
      "ints = [7 // 2, -7 // 2, 7 % -3, 2 ** 10, -2 ** 2, 10 - 2 * 3, (1 + 2) * 3, 1_000, 0x10]\n"
      "floats = [2 ** -1, 2.0, .5, 1e-5, 1e16, 1e15, 0.0001, 5 / 2, -7.5 // 2, 100.]\n"
      "joined = 'a' 'b' + \"c\" + r'\\d' + '\\t\\u00e9'\n"
      "lists = [1] + [2, 3]\n"
      "device_ids = range(4)\n"
      "ranges = [range(2, 5), range(10, 0, -4), range(0)]\n"
      "one = (1,)\n"
      "empty = ()\n"
      "continued = 1 + \\\n"
      "    2; also = 3\n"
      "workflow = [('train', 1)]\n"
      "__hidden = 5\n"
      "reassigned = 1\n"
      "reassigned = reassigned + 1\n");
  EXPECT_EQ(c.keys(), (std::vector<std::string>{"dataset_type", "data_root", "img_norm_cfg", "data", "literal",
                                                "warmup_ratio", "ints", "floats", "joined", "lists", "device_ids",
                                                "ranges", "one", "empty", "continued", "also", "workflow",
                                                "reassigned"}));
  const Config train = c["data"]["train"];
  EXPECT_EQ(train.get<std::string>("type"), "CocoDataset");
  EXPECT_EQ(train.get<std::string>("ann_file"), "data/coco/annotations/instances_train2017.json");
  EXPECT_EQ(train.get<std::vector<int>>("img_scale"), (std::vector<int>{1333, 800}));
  EXPECT_EQ(train["img_norm_cfg"].get<std::vector<double>>("mean"), (std::vector<double>{123.675, 116.28, 103.53}));
  EXPECT_TRUE(train["img_norm_cfg"].get<bool>("to_rgb"));
  EXPECT_EQ(c["data"].get<int>("imgs_per_gpu"), 2);
  EXPECT_EQ(c["literal"].get<int>("a"), 1);
  EXPECT_TRUE(c["literal"]["b"].at(0).is_null());
  EXPECT_FALSE(c["literal"]["b"].at(1).as<bool>());
  EXPECT_TRUE(c["literal"]["c"].is_map());
  EXPECT_EQ(c["literal"]["c"].size(), 0u);
  // Numbers keep Python's text (repr), so they dump and compare as a YAML file writes them.
  EXPECT_EQ(c["warmup_ratio"].node().Scalar(), "0.3333333333333333");
  EXPECT_EQ(c.get<std::vector<int64_t>>("ints"), (std::vector<int64_t>{3, -4, -2, 1024, -4, 4, 9, 1000, 16}));
  std::vector<std::string> floats;
  for (size_t k = 0; k < c["floats"].size(); ++k) floats.push_back(c["floats"].at(k).node().Scalar());
  EXPECT_EQ(floats, (std::vector<std::string>{"0.5", "2.0", "0.5", "1e-05", "1e+16", "1000000000000000.0", "0.0001",
                                              "2.5", "-4.0", "100.0"}));
  EXPECT_THAT(error_of([&] { c["floats"].at(1).as<int>(); }), HasSubstr("expected an int"));  // 2.0 is a float
  EXPECT_EQ(c.get<std::string>("joined"), "abc\\d\t\xC3\xA9");
  EXPECT_EQ(c.get<std::vector<int>>("lists"), (std::vector<int>{1, 2, 3}));
  EXPECT_EQ(c.get<std::vector<int>>("device_ids"), (std::vector<int>{0, 1, 2, 3}));
  EXPECT_EQ(c["ranges"].at(0).as<std::vector<int>>(), (std::vector<int>{2, 3, 4}));
  EXPECT_EQ(c["ranges"].at(1).as<std::vector<int>>(), (std::vector<int>{10, 6, 2}));
  EXPECT_EQ(c["ranges"].at(2).size(), 0u);
  EXPECT_EQ(c.get<std::vector<int>>("one"), (std::vector<int>{1}));
  EXPECT_TRUE(c["empty"].is_sequence());
  EXPECT_EQ(c.get<int>("continued"), 3);
  EXPECT_EQ(c.get<int>("also"), 3);
  EXPECT_EQ(c["workflow"].at(0).at(0).as<std::string>(), "train");
  EXPECT_EQ(c.get<int>("reassigned"), 2);
}

TEST_F(PythonConfigTest, WindowsLineEndingsAndByteOrderMark) {
  const Config c = load("\xEF\xBB\xBF"
                        "a = dict(\r\n    b=1,  # note\r\n    c='x')\r\n\r\nd = a\r\n");
  EXPECT_EQ(c["d"].get<int>("b"), 1);
  EXPECT_EQ(c["a"].get<std::string>("c"), "x");
  EXPECT_THAT(c["a"]["c"].where(), HasSubstr("cfg.py:3:5"));
}

TEST_F(PythonConfigTest, StringsStayStringsWhateverTheyLookLike) {
  const Config c = load("a = '42'\nb = 'true'\nc = 'null'\n");
  EXPECT_THAT(error_of([&] { c.get<int>("a"); }), HasSubstr("expected an int, found the string \"42\""));
  EXPECT_THAT(error_of([&] { c.get<bool>("b"); }), HasSubstr("expected a bool"));
  EXPECT_FALSE(c["c"].is_null());
  // The dump quotes them, so loading it gives the same tree back.
  const Config again = Config::from_string(c.dump());
  EXPECT_EQ(again.dump(), c.dump());
  EXPECT_THAT(error_of([&] { again.get<int>("a"); }), HasSubstr("expected an int"));
}

TEST_F(PythonConfigTest, ErrorsFromReadersNameLineAndColumn) {
  const Config c = load(
      "model = dict(\n"
      "    type='RetinaNet',\n"
      "    bbox_head=dict(in_channels='eighty', mommentum=0.9))\n");
  EXPECT_THAT(error_of([&] { c["model"]["bbox_head"].get<int>("in_channels"); }),
              HasSubstr("cfg.py:3:20: model.bbox_head.in_channels: expected an int, found the string \"eighty\""));
  EXPECT_THAT(error_of([&] { c["model"]["bbox_head"].check_keys({"in_channels", "momentum"}); }),
              HasSubstr("cfg.py:3:42: unknown key 'mommentum' in model.bbox_head; did you mean 'momentum'?"));
  EXPECT_THAT(c["model"].where(), HasSubstr("cfg.py:1:1: model"));
  // Read while loading (an mmdetection v1 num_classes counts the background).
  EXPECT_EQ(error("model = dict(bbox_head=dict(num_classes='eighty'))\n"),
            "cfg.py:1:29: model.bbox_head.num_classes: expected an int, found the string \"eighty\"");
}

TEST_F(PythonConfigTest, OverridesAndBasesWorkUnchanged) {
  write("base.yaml", "model: {type: RetinaNet, depth: 50}\ntotal_epochs: 12\n");
  write("mid.py", "_base_ = ['base.yaml']\nmodel = dict(depth=101)\nlr_config = dict(step=[8, 11])\n");
  const std::string top = write("top.py", "_base_ = 'mid.py'\ntotal_epochs = 24\n");
  const Config c = Config::load(top, {"lr_config.step=[16, 22]", "model.neck=fpn"});
  EXPECT_EQ(c["model"].get<std::string>("type"), "RetinaNet");
  EXPECT_EQ(c["model"].get<int>("depth"), 101);
  EXPECT_EQ(c.get<int>("total_epochs"), 24);
  EXPECT_EQ(c["lr_config"].get<std::vector<int>>("step"), (std::vector<int>{16, 22}));
  EXPECT_EQ(c["model"].get<std::string>("neck"), "fpn");
  EXPECT_FALSE(c.has("_base_"));
  EXPECT_THAT(c["model"]["depth"].where(), HasSubstr("mid.py:2:14"));
  // A YAML file may name a Python base too.
  const std::string yaml = write("top.yaml", "_base_: mid.py\nwork_dir: w\n");
  EXPECT_EQ(Config::load(yaml)["model"].get<int>("depth"), 101);
}

// Every construct outside the accepted subset, with the position Python would blame.
TEST_F(PythonConfigTest, RefusedConstructsNameFileLineAndColumn) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"import os\n", "cfg.py:1:1: 'import' is not allowed"},
      {"a = 1\nfrom os import path\n", "cfg.py:2:1: 'from' is not allowed"},
      {"a = os.path\n", "cfg.py:1:7: attribute access ('os.') is not allowed"},
      {"a = 'x'\nb = a.upper\n", "cfg.py:2:6: attribute access ('a.') is not allowed"},
      {"a = 'x'.join\n", "cfg.py:1:8: attribute access ('.') is not allowed"},
      {"a = [1]\nb = a[0]\n", "cfg.py:2:6: subscripts ('x[...]') are not allowed"},
      {"a = open('f')\n", "cfg.py:1:5: calling 'open' is not allowed: the only calls are dict(...) and range(...)"},
      {"a = __import__('os')\n", "cfg.py:1:5: calling '__import__' is not allowed"},
      {"print(1)\n", "cfg.py:1:1: calling 'print' is not allowed"},
      {"a = (dict)(x=1)\n", "cfg.py:1:6: 'dict' can only be called"},
      {"a = lambda x: x\n", "cfg.py:1:5: lambda is not allowed"},
      {"a = [i for i in range(3)]\n", "cfg.py:1:8: comprehensions are not allowed"},
      {"k = 'a'\na = {k: 1 for k in 'ab'}\n", "cfg.py:2:11: comprehensions are not allowed"},
      {"a = 1 if True else 2\n", "cfg.py:1:7: conditional expressions ('a if c else b') are not allowed"},
      {"a = 1 == 1\n", "cfg.py:1:7: comparison '==' is not allowed"},
      {"a = 1 < 2\n", "cfg.py:1:7: comparison '<' is not allowed"},
      {"a = True and False\n", "cfg.py:1:10: 'and' is not allowed"},
      {"a = not True\n", "cfg.py:1:5: 'not' is not allowed"},
      {"a = 1 | 2\n", "cfg.py:1:7: operator '|' is not allowed"},
      {"a = ~1\n", "cfg.py:1:5: operator '~' is not allowed"},
      {"a = f'{b}'\n", "cfg.py:1:5: 'f' strings are not allowed"},
      {"a = b'x'\n", "cfg.py:1:5: 'b' strings are not allowed"},
      {"a = '%d' % 3\n", "cfg.py:1:10: string formatting ('%') is not allowed"},
      {"def f():\n    return 1\n", "cfg.py:1:1: 'def' statements are not allowed"},
      {"class A:\n    pass\n", "cfg.py:1:1: 'class' statements are not allowed"},
      {"if True:\n    a = 1\n", "cfg.py:1:1: 'if' statements are not allowed"},
      {"for i in range(3):\n    pass\n", "cfg.py:1:1: 'for' statements are not allowed"},
      {"with open('f') as f:\n    pass\n", "cfg.py:1:1: 'with' statements are not allowed"},
      {"a = 1\na += 1\n", "cfg.py:2:3: augmented assignment ('+=') is not allowed"},
      {"a, b = 1, 2\n", "cfg.py:1:2: only 'name = value' is allowed (no unpacking"},
      {"a: int = 1\n", "cfg.py:1:2: annotated assignments are not allowed"},
      {"a = b = 1\n", "cfg.py:1:5: name 'b' is not defined"},
      {"b = 1\na = b = 1\n", "cfg.py:2:7: chained assignment"},
      {"a = dict(**x)\n", "cfg.py:1:10: unpacking ('**') is not allowed in dict(...)"},
      {"a = [*x]\n", "cfg.py:1:6: unpacking ('*') is not allowed"},
      {"a = dict(1)\n", "cfg.py:1:10: dict(...) takes only keyword arguments"},
      {"a = dict(x=1, x=2)\n", "cfg.py:1:15: keyword argument 'x' repeated"},
      {"a = {'x': 1, 'x': 2}\n", "cfg.py:1:14: key 'x' repeated"},
      {"a = {1: 2}\n", "cfg.py:1:6: dict keys must be strings, found an int"},
      {"a = {1, 2}\n", "cfg.py:1:6: sets are not allowed"},
      {"a = range(1.5)\n", "cfg.py:1:11: range(...) needs ints, found a float"},
      {"a = range(1, 2, 0)\n", "cfg.py:1:5: range(...) step must not be zero"},
      {"a = range()\n", "cfg.py:1:5: range(...) takes 1 to 3 arguments, found 0"},
      {"a = (x := 1)\n", "cfg.py:1:8: assignment expressions (':=') are not allowed"},
      {"a = 'x' + 1\n", "cfg.py:1:9: operator '+' cannot combine a string and an int"},
      {"a = -'x'\n", "cfg.py:1:5: unary '-' needs a number, found a string"},
      {"a = 1 / 0\n", "cfg.py:1:7: division by zero"},
      {"a = 2 ** 63\n", "cfg.py:1:7: integer overflow (64 bits)"},
      {"a = 99999999999999999999\n", "cfg.py:1:5: integer 99999999999999999999 is too large"},
      {"a = 1j\n", "cfg.py:1:5: invalid number '1j'"},
      {"dict = 1\n", "cfg.py:1:1: cannot assign to 'dict'"},
      {"True = 1\n", "cfg.py:1:1: cannot assign to 'True'"},
      {"a.b = 1\n", "cfg.py:1:2: attribute access ('a.') is not allowed"},
      {"1 + 2\n", "cfg.py:1:1: expected 'name = value', found an expression on its own"},
      {"a = 1 $\n", "cfg.py:1:7: unexpected character '$'"},
      {"a = 'x' \\ 'y'\n", "cfg.py:1:9: unexpected '\\'"},
      {"a = '\\N{DASH}'\n", "cfg.py:1:6: \\N{...} escapes are not supported"},
      {"yield 1\n", "cfg.py:1:1: unexpected 'yield'"},
  };
  for (const auto& [source, expected] : cases) {
    EXPECT_THAT(error(source), StartsWith(expected)) << "for: " << source;
  }
}

TEST_F(PythonConfigTest, MalformedFilesNameWhereTheyBreak) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"model = dict(\n    type='RetinaNet',\n", "cfg.py:1:13: '(' was never closed"},
      {"a = [1, 2\nb = 3\n", "cfg.py:1:5: '[' was never closed"},
      {"a = [1, (2, 3]\n", "cfg.py:1:14: closing ']' does not match '(' opened at 1:9"},
      {"a = 1)\n", "cfg.py:1:6: unmatched ')'"},
      {"a = 'abc\n", "cfg.py:1:5: unterminated string"},
      {"a = '''abc\n", "cfg.py:1:5: unterminated string"},
      {"a = 1\n  b = 2\n", "cfg.py:2:3: unexpected indent"},
      {"\ta = 1\n", "cfg.py:1:2: unexpected indent"},
      {"a = img_norm_cfg\n", "cfg.py:1:5: name 'img_norm_cfg' is not defined (a config can use only names assigned above it)"},
      {"a = dict(\n    x=1\n    y=2)\n", "cfg.py:3:5: expected ',' between the arguments of dict(...), found 'y'"},
      {"a = 1 2\n", "cfg.py:1:7: expected the end of the line after the value, found the number 2"},
      {"a =\n", "cfg.py:1:4: expected a value, found the end of the line"},
      {"a = 1e\n", "cfg.py:1:5: invalid number '1e'"},
      {"a = '\\x4'\n", "cfg.py:1:6: truncated \\x escape"},
  };
  for (const auto& [source, expected] : cases) {
    EXPECT_THAT(error(source), StartsWith(expected)) << "for: " << source;
  }
}

// Hostile input ends in an error, never in a stack overflow or exhausted memory.
TEST_F(PythonConfigTest, HostileInputIsBounded) {
  EXPECT_THAT(error("a = " + std::string(100000, '[') + std::string(100000, ']') + "\n"),
              HasSubstr("nested too deeply"));
  EXPECT_THAT(error("a = " + std::string(100000, '(') + "1" + std::string(100000, ')') + "\n"),
              HasSubstr("nested too deeply"));
  EXPECT_THAT(error("a = dict(b=" + [] {
                std::string s;
                for (int k = 0; k < 5000; ++k) s += "dict(b=";
                return s;
              }() + "1" + std::string(5001, ')') + ")\n"),
              HasSubstr("nested too deeply"));
  std::string power = "a = 2";
  for (int k = 0; k < 10000; ++k) power += " ** 1";
  EXPECT_THAT(error(power + "\n"), HasSubstr("nested too deeply"));
  // Nesting built up through names, one level a line.
  std::string chain = "a0 = []\n";
  for (int k = 1; k <= 200; ++k) chain += "a" + std::to_string(k) + " = [a" + std::to_string(k - 1) + "]\n";
  EXPECT_THAT(error(chain), HasSubstr("value nested too deeply (more than 100 levels)"));
  // Sizes doubled through names: 2^40 values from 40 lines.
  std::string doubling = "a0 = [0, 0]\n";
  for (int k = 1; k <= 40; ++k) {
    const std::string prev = "a" + std::to_string(k - 1);
    doubling += "a" + std::to_string(k) + " = [" + prev + ", " + prev + "]\n";
  }
  EXPECT_THAT(error(doubling), HasSubstr("too large (more than 1000000 values)"));
  std::string strings = "s0 = 'xxxxxxxxxxxxxxxx'\n";
  for (int k = 1; k <= 40; ++k) {
    const std::string prev = "s" + std::to_string(k - 1);
    strings += "s" + std::to_string(k) + " = " + prev + " + " + prev + "\n";
  }
  EXPECT_THAT(error(strings), HasSubstr("string longer than 1 MiB"));
  EXPECT_THAT(error("a = range(10 ** 15)\n"), HasSubstr("is too large"));
  // Many signs are iterated, not recursed.
  EXPECT_EQ(load("a = " + std::string(100001, '-') + "1\n").get<int>("a"), -1);
}

}  // namespace
}  // namespace ghmdet
