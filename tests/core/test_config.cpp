// Config: loading, typed access, error messages. Each case writes its own small YAML files into
// a fresh temporary directory, so the expected merge results are written out by hand here.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <limits>
#include <optional>
#include <unistd.h>
#include <string>

#include "ghmdet/core/config.h"
#include "ghmdet/core/error.h"
#include "ghmdet/core/string_distance.h"
#include "config_files.h"

namespace ghmdet {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

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

TEST_F(ConfigFiles, BaseMergesNestedMapsKeyByKey) {
  write("base.yaml",
        "model:\n"
        "  type: RetinaNet\n"
        "  bbox_head:\n"
        "    num_classes: 80\n"
        "    loss_cls: {type: FocalLoss, gamma: 2.0, alpha: 0.25}\n"
        "    anchor_strides: [8, 16, 32, 64, 128]\n"
        "total_epochs: 12\n");
  const std::string top = write("top.yaml",
                                "_base_: base.yaml\n"
                                "model:\n"
                                "  bbox_head:\n"
                                "    loss_cls: {gamma: 3.0}\n"
                                "    anchor_strides: [16]\n"
                                "work_dir: ./work_dirs/top\n");
  const Config c = Config::load(top);
  EXPECT_EQ(c.keys(), (std::vector<std::string>{"model", "total_epochs", "work_dir"}));
  EXPECT_FALSE(c.has("_base_"));
  EXPECT_EQ(c["model"].get<std::string>("type"), "RetinaNet");
  const Config head = c["model"]["bbox_head"];
  EXPECT_EQ(head.get<int>("num_classes"), 80);
  EXPECT_EQ(head["loss_cls"].get<std::string>("type"), "FocalLoss");  // kept from the base
  EXPECT_DOUBLE_EQ(head["loss_cls"].get<double>("gamma"), 3.0);       // overridden
  EXPECT_DOUBLE_EQ(head["loss_cls"].get<double>("alpha"), 0.25);
  EXPECT_EQ(head.get<std::vector<int>>("anchor_strides"), std::vector<int>{16});  // lists replace
  EXPECT_EQ(c.get<int>("total_epochs"), 12);
  EXPECT_EQ(c.get<std::string>("work_dir"), "./work_dirs/top");
}

TEST_F(ConfigFiles, DeleteReplacesTheBaseMap) {
  write("base.yaml", "loss_cls: {type: FocalLoss, gamma: 2.0, alpha: 0.25, loss_weight: 1.0}\n");
  const std::string top = write("top.yaml",
                                "_base_: base.yaml\n"
                                "loss_cls: {_delete_: true, type: GHMC, bins: 30}\n");
  const Config c = Config::load(top);
  EXPECT_EQ(c["loss_cls"].keys(), (std::vector<std::string>{"type", "bins"}));
  EXPECT_EQ(c["loss_cls"].get<std::string>("type"), "GHMC");
  // `_delete_: false` merges as usual, and the key never survives.
  const std::string merge = write("merge.yaml",
                                  "_base_: base.yaml\n"
                                  "loss_cls: {_delete_: false, gamma: 1.0}\n");
  const Config m = Config::load(merge);
  EXPECT_EQ(m["loss_cls"].keys(),
            (std::vector<std::string>{"type", "gamma", "alpha", "loss_weight"}));
  EXPECT_DOUBLE_EQ(m["loss_cls"].get<double>("gamma"), 1.0);
  EXPECT_EQ(m.dump().find("_delete_"), std::string::npos);
  const std::string bad = write("bad.yaml", "_base_: base.yaml\nloss_cls: {_delete_: yes}\n");
  EXPECT_THAT(error_of([&] { Config::load(bad); }),
              HasSubstr("bad.yaml:2:22: loss_cls._delete_: expected a bool"));
}

TEST_F(ConfigFiles, ScalarsAndMapsReplaceEachOther) {
  write("base.yaml", "a: {x: 1}\nb: 5\nc: [1, 2]\n");
  const std::string top = write("top.yaml", "_base_: base.yaml\na: null\nb: {y: 2}\nc: {z: 3}\n");
  const Config c = Config::load(top);
  EXPECT_TRUE(c["a"].is_null());
  EXPECT_EQ(c["b"].get<int>("y"), 2);
  EXPECT_EQ(c["c"].get<int>("z"), 3);
}

TEST_F(ConfigFiles, ChainsAndListsOfBasesWithRelativePaths) {
  write("_base_/models/model.yaml", "model: {depth: 50, style: pytorch}\nshared: model\n");
  write("_base_/schedules/sched.yaml", "total_epochs: 12\nshared: sched\n");
  write("_base_/mid.yaml",
        "_base_: [models/model.yaml, schedules/sched.yaml]\n"  // relative to _base_/
        "model: {depth: 101}\n");
  const std::string top = write("ghm/deep/top.yaml",
                                "_base_: ../../_base_/mid.yaml\n"
                                "total_epochs: 24\n");
  const Config c = Config::load(top);
  EXPECT_EQ(c["model"].get<int>("depth"), 101);
  EXPECT_EQ(c["model"].get<std::string>("style"), "pytorch");
  EXPECT_EQ(c.get<int>("total_epochs"), 24);
  EXPECT_EQ(c.get<std::string>("shared"), "sched");  // later bases override earlier ones
  // Each node remembers the file it came from, normalised.
  const std::string base_dir = (dir_ / "_base_").lexically_normal().string();
  EXPECT_EQ(c["model"]["style"].file(), base_dir + "/models/model.yaml");
  EXPECT_EQ(c["model"]["depth"].file(), base_dir + "/mid.yaml");
  EXPECT_EQ(c["total_epochs"].file(), top);
  EXPECT_EQ(c.file(), top);
}

TEST_F(ConfigFiles, CyclesAreDetected) {
  write("a.yaml", "_base_: b.yaml\nx: 1\n");
  write("b.yaml", "_base_: sub/c.yaml\ny: 1\n");
  write("sub/c.yaml", "_base_: ../a.yaml\nz: 1\n");
  const std::string msg = error_of([&] { Config::load((dir_ / "a.yaml").string()); });
  EXPECT_THAT(msg, HasSubstr("c.yaml:1:9: _base_: cycle of _base_ files"));
  EXPECT_THAT(msg, HasSubstr("a.yaml' is already being loaded"));
  write("self.yaml", "_base_: [./self.yaml]\n");
  EXPECT_THAT(error_of([&] { Config::load((dir_ / "self.yaml").string()); }),
              HasSubstr("cycle of _base_ files"));
}

TEST_F(ConfigFiles, DiamondOfBasesIsNotACycle) {
  write("d.yaml", "v: 1\n");
  write("b.yaml", "_base_: d.yaml\nb: 1\n");
  write("c.yaml", "_base_: d.yaml\nc: 1\n");
  const Config cfg = Config::load(write("a.yaml", "_base_: [b.yaml, c.yaml]\n"));
  EXPECT_EQ(cfg.keys(), (std::vector<std::string>{"v", "b", "c"}));
}

TEST_F(ConfigFiles, MissingFilesNameWhoAskedForThem) {
  const std::string missing = (dir_ / "nope.yaml").string();
  EXPECT_THAT(error_of([&] { Config::load(missing); }),
              HasSubstr(missing + ": cannot open config file"));
  const std::string top = write("top.yaml", "x: 1\n_base_:\n  - gone.yaml\n");
  EXPECT_THAT(error_of([&] { Config::load(top); }),
              HasSubstr(top + ":3:5: _base_: cannot open base config '" +
                        (dir_ / "gone.yaml").string() + "'"));
  EXPECT_THAT(error_of([&] { Config::load(write("t2.yaml", "_base_: {a: 1}\n")); }),
              HasSubstr("_base_: expected a path or a list of paths, found a map"));
}

TEST_F(ConfigFiles, MalformedYamlGivesLineAndColumn) {
  const std::string file = write("bad.yaml", "model:\n  depth: 50\n  neck: [1, 2\n");
  const std::string msg = error_of([&] { Config::load(file); });
  EXPECT_THAT(msg, HasSubstr(file + ":4:1: invalid YAML"));
  // An error in a base names the base.
  const std::string top = write("top.yaml", "_base_: bad.yaml\n");
  EXPECT_THAT(error_of([&] { Config::load(top); }), HasSubstr(file + ":4:1: invalid YAML"));
  EXPECT_THAT(error_of([&] { Config::from_string("- 1\n- 2\n", "list.yaml"); }),
              HasSubstr("list.yaml:1:1: the top level of a config must be a map"));
  EXPECT_THAT(error_of([&] { Config::from_string("a: 1\nb: 2\na: 3\n", "dup.yaml"); }),
              HasSubstr("dup.yaml:3:1: duplicate key 'a'"));
  EXPECT_THAT(error_of([&] { Config::from_string("a: 1\n---\nb: 2\n", "two.yaml"); }),
              HasSubstr("two.yaml:3:1: a config is one YAML document, found 2"));
  EXPECT_EQ(Config::from_string("# only a comment\n").size(), 0u);
  EXPECT_EQ(Config::from_string("").keys(), std::vector<std::string>{});
}

TEST_F(ConfigFiles, WrongTypesNameFileLineKeyExpectedAndFound) {
  write("base.yaml",
        "model:\n"
        "  bbox_head:\n"
        "    num_classes: eighty\n"
        "    bins: \"30\"\n"
        "    momentum: 0.75\n"
        "    flag: yes\n"
        "    steps: [8, x]\n");
  const Config c = Config::load(write("top.yaml", "_base_: base.yaml\n"));
  const Config head = c["model"]["bbox_head"];
  const std::string base = (dir_ / "base.yaml").string();
  EXPECT_EQ(error_of([&] { head.get<int>("num_classes"); }),
            base + ":3:18: model.bbox_head.num_classes: expected an int, found 'eighty'");
  EXPECT_EQ(error_of([&] { head.get<int>("bins"); }),
            base + ":4:11: model.bbox_head.bins: expected an int, found the string \"30\"");
  EXPECT_EQ(error_of([&] { head.get<int>("momentum"); }),
            base + ":5:15: model.bbox_head.momentum: expected an int, found '0.75'");
  EXPECT_EQ(error_of([&] { head.get<bool>("flag"); }),
            base + ":6:11: model.bbox_head.flag: expected a bool (true or false), found 'yes'");
  EXPECT_EQ(error_of([&] { head.get<std::vector<int>>("steps"); }),
            base + ":7:16: model.bbox_head.steps[1]: expected an int, found 'x'");
  EXPECT_THAT(error_of([&] { head.get<std::vector<double>>("momentum"); }),
              HasSubstr("expected a list of number, found '0.75'"));
  EXPECT_THAT(error_of([&] { c.get<std::string>("model"); }),
              HasSubstr("model: expected a string, found a map"));
  EXPECT_THAT(error_of([&] { Config::from_string("a: 3000000000\n").get<int>("a"); }),
              HasSubstr("expected an int, found '3000000000'"));
  EXPECT_THAT(error_of([&] { Config::from_string("a: inf\n").get<double>("a"); }),
              HasSubstr("expected a number, found 'inf'"));
  EXPECT_EQ(Config::from_string("a: -.inf\n").get<double>("a"),
            -std::numeric_limits<double>::infinity());
}

TEST_F(ConfigFiles, MissingKeysNameFileAndPath) {
  const std::string file = write("config.yaml", "model:\n  neck: {num_out: 5}\n");
  const Config c = Config::load(file);
  EXPECT_EQ(error_of([&] { c["model"]["neck"]["num_outs"]; }),
            file + ": model.neck: missing key 'num_outs' (the config has 'num_out')");
  EXPECT_EQ(error_of([&] { c.get<int>("total_epochs"); }),
            file + ": missing key 'total_epochs'");
  EXPECT_THAT(error_of([&] { c["model"]["neck"]["num_out"]["x"]; }),
              HasSubstr("model.neck.num_out: expected a map with key 'x', found '5'"));
}

TEST_F(ConfigFiles, UnknownKeysSuggestTheNearestAllowedOne) {
  write("base.yaml", "model:\n  bbox_head:\n    loss_cls: {type: GHMC, bins: 30}\n");
  const std::string top = write("top.yaml",
                                "_base_: base.yaml\n"
                                "model:\n"
                                "  bbox_head:\n"
                                "    loss_cls:\n"
                                "      mommentum: 0.75\n");
  const Config c = Config::load(top);
  const Config loss = c["model"]["bbox_head"]["loss_cls"];
  const std::vector<std::string> allowed{"type", "use_sigmoid", "bins", "momentum", "loss_weight"};
  EXPECT_EQ(error_of([&] { loss.check_keys(allowed); }),
            top + ":5:7: unknown key 'mommentum' in model.bbox_head.loss_cls; did you mean "
                  "'momentum'?");
  EXPECT_EQ(error_of([&] { loss.check_keys({"type", "bins", "momentum"}); }),
            top + ":5:7: unknown key 'mommentum' in model.bbox_head.loss_cls; did you mean "
                  "'momentum'?");
  EXPECT_EQ(error_of([&] { loss.check_keys({"type", "bins", "gamma"}); }),
            top + ":5:7: unknown key 'mommentum' in model.bbox_head.loss_cls; allowed keys: "
                  "type, bins, gamma");
  // `model` is written in both files; the key is reported where the including file wrote it.
  EXPECT_EQ(error_of([&] { c.check_keys({"modle"}); }),
            top + ":2:1: unknown key 'model' in the top level; did you mean 'modle'?");
  EXPECT_NO_THROW(loss.check_keys({"type", "bins", "mommentum"}));
  EXPECT_NO_THROW(Config::from_string("a:\n")["a"].check_keys({}));  // empty section
}

TEST_F(ConfigFiles, OverridesOfEachType) {
  const std::string file = write("c.yaml",
                                 "optimizer: {type: SGD, lr: 0.01, momentum: 0.9}\n"
                                 "lr_config: {step: [8, 11], warmup: linear}\n"
                                 "model: {pretrained: torchvision://resnet50, backbone: {depth: 50}}\n"
                                 "workflow: [[train, 1]]\n"
                                 "debug: false\n");
  const Config c = Config::load(file, {"optimizer.lr=0.02", "lr_config.step=[16, 22]",
                                       "model.pretrained=null", "model.backbone.depth=101",
                                       "debug=true", "work_dir=./work_dirs/[x",
                                       "optimizer.nesterov=true", "workflow.0.1=2",
                                       "lr_config={warmup_iters: 2000}", "model.name=\"42\"",
                                       "model.tag=[unclosed"});
  EXPECT_DOUBLE_EQ(c["optimizer"].get<double>("lr"), 0.02);
  EXPECT_EQ(c["optimizer"].keys(),
            (std::vector<std::string>{"type", "lr", "momentum", "nesterov"}));  // order kept
  EXPECT_TRUE(c["optimizer"].get<bool>("nesterov"));
  EXPECT_EQ(c["lr_config"].get<std::vector<int>>("step"), (std::vector<int>{16, 22}));
  EXPECT_EQ(c["lr_config"].get<std::string>("warmup"), "linear");  // maps merge
  EXPECT_EQ(c["lr_config"].get<int>("warmup_iters"), 2000);
  EXPECT_TRUE(c["model"]["pretrained"].is_null());
  EXPECT_EQ(c["model"]["backbone"].get<int>("depth"), 101);
  EXPECT_EQ(c["model"].get<std::string>("name"), "42");
  EXPECT_THAT(error_of([&] { c["model"].get<int>("name"); }),
              HasSubstr("--cfg-options: model.name: expected an int, found the string \"42\""));
  EXPECT_TRUE(c.get<bool>("debug"));
  EXPECT_EQ(c["model"].get<std::string>("tag"), "[unclosed");  // not YAML: kept as a string
  EXPECT_EQ(c.get<std::string>("work_dir"), "./work_dirs/[x");  // plain YAML text
  EXPECT_EQ(c["workflow"].at(0).at(1).as<int>(), 2);
  EXPECT_EQ(c["optimizer"]["lr"].file(), "--cfg-options");
  EXPECT_EQ(c["optimizer"]["type"].file(), file);
  // The override is in the dump, so a saved config reproduces the run.
  const Config again = Config::from_string(c.dump());
  EXPECT_DOUBLE_EQ(again["optimizer"].get<double>("lr"), 0.02);
  EXPECT_EQ(again["model"]["backbone"].get<int>("depth"), 101);
  EXPECT_EQ(again["model"].get<std::string>("tag"), "[unclosed");
  EXPECT_EQ(again["model"].get<std::string>("name"), "42");
  EXPECT_THROW(again["model"].get<int>("name"), Error);
}

TEST_F(ConfigFiles, BadOverridesAreErrors) {
  const std::string file = write("c.yaml", "optimizer: {lr: 0.01}\nworkflow: [[train, 1]]\n");
  EXPECT_EQ(error_of([&] { Config::load(file, {"optimzer.lr=0.1"}); }),
            "--cfg-options 'optimzer.lr=0.1': key 'optimzer' does not exist; did you mean "
            "'optimizer'?");
  EXPECT_THAT(error_of([&] { Config::load(file, {"optimizer.lr"}); }),
              HasSubstr("expected KEY=VALUE"));
  EXPECT_THAT(error_of([&] { Config::load(file, {"optimizer..lr=1"}); }),
              HasSubstr("empty key"));
  EXPECT_THAT(error_of([&] { Config::load(file, {"optimizer.lr.x=1"}); }),
              HasSubstr("'optimizer.lr' is '0.01', not a map or a list"));
  EXPECT_THAT(error_of([&] { Config::load(file, {"workflow.3.1=1"}); }),
              HasSubstr("'workflow' is a list of 1 elements; '3' is not an index in it"));
  EXPECT_NO_THROW(Config::load(file, {"optimizer.lr_new=1"}));  // a new leaf is allowed
  EXPECT_THAT(error_of([&] { Config::load(file, {"_base_=other.yaml"}); }),
              HasSubstr("cannot be overridden"));
}

TEST_F(ConfigFiles, StringOverridesKeepTheTextExactly) {
  const std::string file = write("c.yaml", "work_dir: ./w\n");
  for (const std::string text : {"null", "42", "true", "a: b", "[x", "say \"hi\"", "C:\\dir\\x",
                                 "", "  padded  ", "tab\there", "ünï"}) {
    SCOPED_TRACE(text);
    const Config c = Config::load(file, {Config::string_override("work_dir", text)});
    EXPECT_EQ(c.get<std::string>("work_dir"), text);
    EXPECT_EQ(Config::from_string(c.dump()).get<std::string>("work_dir"), text);
  }
}

TEST_F(ConfigFiles, DumpRoundTripsTheMergedConfig) {
  write("base.yaml", "a: {x: 1, y: [1, 2]}\nratio: 0.3333333333333333\nname: \"007\"\n");
  const Config c = Config::load(write("top.yaml", "_base_: base.yaml\na: {y: [3]}\n"));
  const Config again = Config::from_string(c.dump(), "dumped.yaml");
  EXPECT_EQ(again["a"].get<int>("x"), 1);
  EXPECT_EQ(again["a"].get<std::vector<int>>("y"), std::vector<int>{3});
  EXPECT_EQ(again.get<double>("ratio"), 1.0 / 3.0);  // text kept exactly
  EXPECT_EQ(again.get<std::string>("name"), "007");
  EXPECT_THROW(again.get<int>("name"), Error);        // still a quoted string
  EXPECT_EQ(again.dump(), c.dump());
}

TEST(ConfigTest, WhereAndErrorForBuilders) {
  const Config c = Config::from_string("model:\n  type: RetinaNot\n", "m.yaml");
  EXPECT_EQ(c["model"]["type"].where(), "m.yaml:2:9: model.type");
  EXPECT_EQ(std::string(c["model"]["type"].error("unknown detector type 'RetinaNot'").what()),
            "m.yaml:2:9: model.type: unknown detector type 'RetinaNot'");
  const Config empty;
  EXPECT_TRUE(empty.is_null());
  EXPECT_EQ(empty.get<int>("x", 3), 3);
}

TEST(StringDistanceTest, EditDistanceAgainstHandCountedCases) {
  EXPECT_EQ(edit_distance("", ""), 0u);
  EXPECT_EQ(edit_distance("abc", ""), 3u);
  EXPECT_EQ(edit_distance("mommentum", "momentum"), 1u);
  EXPECT_EQ(edit_distance("lr_cnofig", "lr_config"), 1u);  // adjacent swap
  EXPECT_EQ(edit_distance("kitten", "sitting"), 3u);
  EXPECT_EQ(nearest_word("num_out", {"num_outs", "out_channels"}), std::optional<std::string>("num_outs"));
  EXPECT_EQ(nearest_word("zzzz", {"num_outs", "out_channels"}), std::nullopt);
}

}  // namespace
}  // namespace ghmdet
