// read_torch_file against files written by Python's torch.save (tests/fixtures/io), in both
// container formats, and its refusal of everything that is not a checkpoint.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <sstream>

#include "ghmdet/core/error.h"
#include "ghmdet/io/state_dict.h"
#include "ghmdet/io/torch_pickle.h"
#include "ghmdet/io/unpickler.h"
#include "ghmdet/io/weight_maps.h"
#include "ghmdet/io/zip_archive.h"
#include "io_fixtures.h"

namespace ghmdet {
namespace {

using testing::expected_fixtures;
using testing::io_fixture;

std::string message_of(const std::string& path) {
  try {
    read_torch_file(path);
  } catch (const Error& e) {
    return e.what();
  }
  return "<no error>";
}

// "stem" for the files torch 1.13 wrote, "torch2/stem" for those of torch 2.x.
class BothFormats : public ::testing::TestWithParam<std::string> {};

TEST_P(BothFormats, TensorsMatchPythonInZipAndLegacy) {
  const std::string param = GetParam();
  const auto slash = param.find('/');
  const std::string dir = slash == std::string::npos ? "" : param.substr(0, slash + 1);
  const std::string stem = param.substr(dir.size());
  const auto& expected = expected_fixtures(dir + "expected.json").at(stem).at("tensors");
  for (const char* suffix : {"_zip.pth", "_legacy.pth"}) {
    SCOPED_TRACE(param + suffix);
    const TorchFile file = read_torch_file(io_fixture(dir + stem + suffix));
    EXPECT_EQ(file.format, std::string(suffix) == "_zip.pth" ? TorchFileFormat::Zip : TorchFileFormat::Legacy);
    const auto tensors = testing::tensors_by_path(file.root);
    ASSERT_EQ(tensors.size(), expected.size());
    for (const auto& [path, e] : expected.items()) {
      ASSERT_TRUE(tensors.count(path)) << path;
      testing::expect_tensor_matches(tensors.at(path), e, path);
    }
  }
}

INSTANTIATE_TEST_SUITE_P(TorchPickle, BothFormats,
                         ::testing::Values("resnet18_trunc", "mmdet_style", "views", "dtypes"));
// Written by torch 2.15 (scripts/fixtures/make_torch2_io_fixtures.py): its zip files add
// .format_version, .storage_alignment, byteorder and .data/serialization_id records.
INSTANTIATE_TEST_SUITE_P(Torch2, BothFormats,
                         ::testing::Values("torch2/module", "torch2/mmdet_style", "torch2/views",
                                           "torch2/dtypes"),
                         [](const auto& info) { return info.param.substr(info.param.find('/') + 1); });

TEST(TorchPickle, Torch2StateDictKeepsKeyOrderMetadataAndParameters) {
  const auto& expected = expected_fixtures("torch2/expected.json");
  EXPECT_EQ(expected.at("torch_version").get<std::string>().substr(0, 2), "2.");
  for (const char* name : {"torch2/module_zip.pth", "torch2/module_legacy.pth"}) {
    SCOPED_TRACE(name);
    const auto root = read_torch_file(io_fixture(name)).root;
    ASSERT_TRUE(root->is_dict());
    EXPECT_TRUE(root->ordered);
    std::vector<std::string> keys;
    for (const auto& [k, v] : root->entries) keys.push_back(k->as_string("key"));
    EXPECT_EQ(keys, expected.at("module").at("keys").get<std::vector<std::string>>());
    ASSERT_TRUE(root->attributes);
    const auto metadata = root->attributes->get("_metadata");
    ASSERT_TRUE(metadata && metadata->is_dict());
    EXPECT_EQ(metadata->get("1")->get("version")->as_int("version"), 2);  // BatchNorm2d
  }
  const auto params = testing::tensors_by_path(read_torch_file(io_fixture("torch2/parameters.pth")).root);
  ASSERT_EQ(params.size(), expected.at("parameters").at("tensors").size());
  for (const auto& [path, e] : expected.at("parameters").at("tensors").items()) {
    ASSERT_TRUE(params.count(path)) << path;
    testing::expect_tensor_matches(params.at(path), e, path);
  }
}

TEST(TorchPickle, OrderedDictKeepsKeyOrderAndMetadata) {
  for (const char* name : {"resnet18_trunc_zip.pth", "resnet18_trunc_legacy.pth"}) {
    const auto root = read_torch_file(io_fixture(name)).root;
    ASSERT_TRUE(root->is_dict());
    EXPECT_TRUE(root->ordered);
    std::vector<std::string> keys;
    for (const auto& [k, v] : root->entries) keys.push_back(k->as_string("key"));
    EXPECT_EQ(keys, expected_fixtures().at("resnet18_trunc").at("keys").get<std::vector<std::string>>());
    ASSERT_TRUE(root->attributes);
    const auto metadata = root->attributes->get("_metadata");
    ASSERT_TRUE(metadata && metadata->is_dict());
    // torch records each module's version: BatchNorm2d is version 2.
    EXPECT_EQ(metadata->get("bn1")->get("version")->as_int("version"), 2);
  }
}

TEST(TorchPickle, ViewsShareOneStorage) {
  for (const char* name : {"views_zip.pth", "views_legacy.pth"}) {
    SCOPED_TRACE(name);
    const auto root = read_torch_file(io_fixture(name)).root;
    const auto base = root->get("base")->tensor;
    const auto tail = root->get("tail")->tensor;
    const auto cols = root->get("grid_cols")->tensor;
    EXPECT_EQ(static_cast<const float*>(tail.data_ptr()), base.data_ptr<float>() + 3);
    EXPECT_EQ(cols.strides().vec(), (std::vector<int64_t>{6, 2}));
    EXPECT_EQ(root->get("expanded")->tensor.strides().vec(), (std::vector<int64_t>{0, 1}));
    EXPECT_EQ(root->get("scalar")->tensor.dim(), 0);
    base.fill_(-1);  // a write through one view is seen through the others, as in Python
    EXPECT_EQ(cols.sum().item<float>(), -12.f);
  }
}

TEST(TorchPickle, MmdetectionMetaAndOptimizerValues) {
  for (const char* name : {"mmdet_style_zip.pth", "mmdet_style_legacy.pth"}) {
    SCOPED_TRACE(name);
    const auto root = read_torch_file(io_fixture(name)).root;
    const auto meta = root->get("meta");
    ASSERT_TRUE(meta);
    EXPECT_EQ(meta->get("epoch")->as_int("epoch"), 12);
    EXPECT_EQ(meta->get("big")->as_int("big"), int64_t{1} << 40);
    EXPECT_EQ(meta->get("negative")->as_int("negative"), -3);
    EXPECT_EQ(meta->get("config")->as_string("config"), "model = dict(\n    type='RetinaNet')\n");
    EXPECT_EQ(meta->get("unicode")->as_string("unicode"), "\xc3\xa9\xe6\xbc\xa2");
    EXPECT_EQ(meta->get("raw")->kind, PickleValue::Kind::Bytes);
    EXPECT_EQ(meta->get("raw")->s, std::string("\x00\x01\xff", 3));
    const auto classes = meta->get("CLASSES");
    ASSERT_EQ(classes->kind, PickleValue::Kind::Tuple);
    EXPECT_EQ(classes->items.at(1)->as_string("class"), "bicycle");
    EXPECT_DOUBLE_EQ(meta->get("hook_msgs")->get("best")->get("score")->as_double("score"), 0.37);
    const auto flags = meta->get("flags")->as_sequence("flags");
    EXPECT_TRUE(flags.at(0)->as_bool("f0"));
    EXPECT_FALSE(flags.at(1)->as_bool("f1"));
    EXPECT_TRUE(flags.at(2)->is_none());
    const auto optimizer = root->get("optimizer");
    EXPECT_EQ(optimizer->get("state")->get(int64_t{1})->get("momentum_buffer")->tensor.numel(), 4);
    const auto group = optimizer->get("param_groups")->items.at(0);
    EXPECT_DOUBLE_EQ(group->get("weight_decay")->as_double("wd"), 1e-4);
    EXPECT_FALSE(group->get("nesterov")->as_bool("nesterov"));
  }
}

TEST(TorchPickle, ParametersAreRebuiltAsTensors) {
  const auto root = read_torch_file(io_fixture("parameters.pth")).root;
  const auto& expected = expected_fixtures().at("parameters").at("tensors");
  for (const auto& [path, e] : expected.items()) {
    testing::expect_tensor_matches(root->get(path)->as_tensor(path), e, path);
  }
}

TEST(TorchPickle, NumpyArrayIsRefusedNamingTheGlobal) {
  const std::string path = io_fixture("numpy_inside.pth");
  const std::string msg = message_of(path);
  EXPECT_NE(msg.find(path), std::string::npos) << msg;
  EXPECT_NE(msg.find("numpy"), std::string::npos) << msg;
  EXPECT_NE(msg.find("unsupported Python global"), std::string::npos) << msg;
}

TEST(TorchPickle, FilesThatAreNotCheckpointsGetClearMessages) {
  const std::string text = testing::write_temp_file("notes.pth", "model = dict(type='RetinaNet')\n");
  EXPECT_NE(message_of(text).find("not a PyTorch checkpoint"), std::string::npos) << message_of(text);
  EXPECT_NE(message_of(text).find(text), std::string::npos);
  const std::string empty = testing::write_temp_file("empty.pth", "");
  EXPECT_NE(message_of(empty).find("empty file"), std::string::npos) << message_of(empty);
  const std::string missing = io_fixture("does_not_exist.pth");
  EXPECT_NE(message_of(missing).find("no such checkpoint file"), std::string::npos);
  EXPECT_NE(message_of(io_fixture("")).find("directory"), std::string::npos);
  // A plain pickle (no torch magic number) and a pickle with an unknown opcode.
  const std::string plain = testing::write_temp_file("plain.pkl", std::string("\x80\x02K\x05.", 5));
  EXPECT_NE(message_of(plain).find("magic number"), std::string::npos) << message_of(plain);
  const std::string inst = testing::write_temp_file("inst.pkl", std::string("\x80\x02i", 3));
  EXPECT_NE(message_of(inst).find("INST"), std::string::npos) << message_of(inst);
  const std::string deflated = io_fixture("deflated.pth");
  EXPECT_NE(message_of(deflated).find("compressed"), std::string::npos) << message_of(deflated);
  const std::string unknown = testing::write_temp_file("unknown.pkl", std::string("\x80\x02\xff", 3));
  EXPECT_NE(message_of(unknown).find("0xff"), std::string::npos) << message_of(unknown);
}

TEST(ZipArchive, Crc32MatchesTheStandardCheckValue) {
  const std::string text = "123456789abcdefghijklmnopq";
  EXPECT_EQ(crc32_update(0, text.data(), 9), 0xCBF43926u);  // the CRC-32/ISO-HDLC check value
  const uint32_t whole = crc32_update(0, text.data(), text.size());
  EXPECT_EQ(crc32_update(crc32_update(0, text.data(), 5), text.data() + 5, text.size() - 5), whole);
}

TEST(ZipArchive, FindsRecordsUnderAnyPrefix) {
  ZipArchive zip(io_fixture("views_zip.pth"));
  EXPECT_EQ(zip.prefix(), "views_zip");  // torch.save names the folder after the file
  EXPECT_TRUE(zip.has_record("data.pkl"));
  EXPECT_EQ(zip.read_record("version"), "3\n");
  EXPECT_THROW(zip.record_size("data/99"), Error);
}

// Every proper prefix of a checkpoint is refused with ghmdet::Error — never a crash, never
// another exception type, never a silent partial result.
TEST(TorchPickle, TruncatedFilesAlwaysThrowError) {
  for (const char* name : {"views_zip.pth", "views_legacy.pth", "dtypes_legacy.pth", "mmdet_style_legacy.pth",
                           "mmdet_style_zip.pth", "parameters.pth"}) {
    SCOPED_TRACE(name);
    const std::string bytes = testing::read_file(io_fixture(name));
    // Every byte of the zip tail (end record, central directory) and a spread of the rest.
    for (size_t n = 0; n < bytes.size(); n += (n + 200 > bytes.size() ? 1 : 7)) {
      const std::string path = testing::write_temp_file("truncated.pth", bytes.substr(0, n));
      EXPECT_THROW(read_torch_file(path), Error) << "prefix of " << n << " bytes";
    }
  }
}

// Flipped bytes either still read (a changed value) or throw ghmdet::Error; nothing else.
TEST(TorchPickle, CorruptedBytesNeverCrash) {
  for (const char* name : {"mmdet_style_legacy.pth", "views_legacy.pth", "views_zip.pth"}) {
    SCOPED_TRACE(name);
    const std::string bytes = testing::read_file(io_fixture(name));
    for (size_t at = 0; at < bytes.size(); at += 2) {
      for (unsigned char x : {0x01, 0xff}) {
        std::string corrupt = bytes;
        corrupt[at] = static_cast<char>(corrupt[at] ^ x);
        const std::string path = testing::write_temp_file("corrupt.pth", corrupt);
        try {
          read_torch_file(path);
        } catch (const Error&) {
        } catch (const std::exception& e) {
          ADD_FAILURE() << "byte " << at << " ^ " << int(x) << ": non-ghmdet exception " << e.what();
        }
      }
    }
  }
}

// A legacy-format file (torch.save(..., _use_new_zipfile_serialization=False)) whose object is
// the pickle `object_ops` (opcodes after PROTO 2, before STOP), with no storages.
std::string legacy_file_with(const std::string& name, const std::string& object_ops) {
  const std::string proto("\x80\x02", 2);
  const std::string magic = proto + std::string("\x8a\x0a\x6c\xfc\x9c\x46\xf9\x20\x6a\xa8\x50\x19", 12) + ".";
  const std::string version = proto + "M\xe9\x03.";  // 1001
  const std::string sys_info = proto + "}.";
  const std::string no_storages = proto + "].";
  return testing::write_temp_file(name, magic + version + sys_info + proto + object_ops + "." + no_storages);
}

std::string long_binget(uint32_t index) {
  std::string op("j");
  for (int k = 0; k < 4; ++k) op.push_back(static_cast<char>((index >> (8 * k)) & 0xff));
  return op;
}

// Containers nested 10^5 deep once overflowed the stack (building, or destroying, the tree):
// they are refused, naming the file, however they are built.
TEST(TorchPickle, DeepNestingIsRefusedNamingTheFile) {
  const size_t n = 100000;
  // [[[...]]]: n empty lists, then n - 1 APPENDs.
  const std::string lists = legacy_file_with("deep_lists.pth", std::string(n, ']') + std::string(n - 1, 'a'));
  // ((((),),),...): TUPLE1 n times.
  const std::string tuples = legacy_file_with("deep_tuples.pth", ")" + std::string(n, '\x85'));
  // {'k': {'k': ...}}: a dict, n - 1 times MARK 'k' {}, then n - 1 SETITEMS.
  std::string dict_ops = "}";
  for (size_t k = 1; k < n; ++k) dict_ops += std::string("(X\x01\x00\x00\x00k}", 8);
  dict_ops += std::string(n - 1, 'u');
  const std::string dicts = legacy_file_with("deep_dicts.pth", dict_ops);
  for (const auto& path : {lists, tuples, dicts}) {
    SCOPED_TRACE(path);
    const std::string msg = message_of(path);
    EXPECT_NE(msg.find(path), std::string::npos) << msg;
    EXPECT_NE(msg.find("nested more than 1000 levels deep"), std::string::npos) << msg;
  }
  // 1000 levels are fine: the depth of a real tree is counted exactly.
  const size_t ok = Unpickler::kMaxNesting;
  const auto root = read_torch_file(legacy_file_with("deep_ok.pth", std::string(ok + 1, ']') + std::string(ok, 'a'))).root;
  size_t depth = 0;
  for (PickleValuePtr v = root; !v->items.empty(); v = v->items[0]) ++depth;
  EXPECT_EQ(depth, ok);
}

// Through the memo a list can be filled after it was placed inside another, which would hide
// the depth of the whole (a chain of lists, each appended to its parent before getting its own
// child), or make a list contain itself. Both are refused.
TEST(TorchPickle, ContainersChangedAfterPlacementAreRefused) {
  std::string chain = "]\x94";  // L0, memo 0
  for (uint32_t k = 1; k < 100000; ++k) chain += long_binget(k - 1) + "]\x94" "a0";  // L(k-1).append(Lk)
  chain += long_binget(0);
  const std::string chained = legacy_file_with("memo_chain.pth", chain);
  std::string msg = message_of(chained);
  EXPECT_NE(msg.find(chained), std::string::npos) << msg;
  EXPECT_NE(msg.find("APPEND changes a list that already lies inside another container"), std::string::npos) << msg;

  const std::string itself = legacy_file_with("self_list.pth", std::string("]\x94h\x00" "a", 5));
  msg = message_of(itself);
  EXPECT_NE(msg.find(itself), std::string::npos) << msg;
  EXPECT_NE(msg.find("a container placed inside itself"), std::string::npos) << msg;
}

// Real-size files (e.g. a torchvision retinanet_resnet50_fpn state dict saved in both formats,
// ~140 MB each, not committed): GHMDET_IO_LARGE_PTH="a.pth:b.pth". All must hold the same
// tensors; the read time of each is printed.
TEST(TorchPickle, LargeCheckpointsFromTheEnvironment) {
  const char* env = std::getenv("GHMDET_IO_LARGE_PTH");
  if (!env || !*env) GTEST_SKIP() << "GHMDET_IO_LARGE_PTH not set";
  std::stringstream list(env);
  std::string path;
  StateDict first;
  while (std::getline(list, path, ':')) {
    const auto start = std::chrono::steady_clock::now();
    const StateDict sd = read_state_dict(path);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    int64_t bytes = 0;
    for (const auto& item : sd) bytes += item.value().numel() * item.value().element_size();
    std::cout << path << ": " << sd.size() << " tensors, " << bytes / 1e6 << " MB in " << seconds << " s ("
              << weight_format_name(detect_weight_format(sd)) << ")\n";
    if (first.is_empty()) {
      first = sd;
      continue;
    }
    ASSERT_EQ(sd.keys(), first.keys());
    for (const auto& item : sd) EXPECT_TRUE(torch::equal(item.value(), first[item.key()])) << item.key();
  }
}

}  // namespace
}  // namespace ghmdet
