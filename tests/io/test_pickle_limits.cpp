// The pickle machine and the legacy reader keep what they allocate proportional to the file, not
// to what its bytes claim (regressions of the .pth fuzzer, docs/FUZZING.md).
#include <gtest/gtest.h>

#include <string>

#include "ghmdet/core/error.h"
#include "ghmdet/io/legacy_checkpoint.h"
#include "ghmdet/io/unpickler.h"

namespace ghmdet {
namespace {

std::string le32(uint32_t v) {
  std::string s;
  for (int k = 0; k < 4; ++k) s.push_back(static_cast<char>((v >> (8 * k)) & 0xff));
  return s;
}

std::string binunicode(const std::string& text) { return "X" + le32(text.size()) + text; }

std::string error_of(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const Error& e) {
    return e.what();
  }
  return "<no error>";
}

TEST(PickleLimits, AMemoIndexBeyondThePickleIsRefused) {
  // PROTO 2, EMPTY_LIST, LONG_BINPUT 1048576, STOP: 12 bytes that used to grow the memo to a
  // million entries (16 MB; a chain of them, gigabytes).
  const std::string far = std::string("\x80\x02]r", 4) + le32(1u << 20) + ".";
  Unpickler far_put(far.data(), far.size(), "far.pkl", nullptr);
  EXPECT_NE(error_of([&] { far_put.load(); }).find("far.pkl: malformed pickle: memo index 1048576"),
            std::string::npos);
  // Dense indexes, as every pickler writes them, still work: [[]] with memo entries 0 and 1.
  const std::string dense = std::string("\x80\x02]q\x00]q\x01\x61.", 10);
  Unpickler ok(dense.data(), dense.size(), "dense.pkl", nullptr);
  const PickleValuePtr v = ok.load();
  ASSERT_EQ(v->as_sequence("v").size(), 1u);
}

// A legacy checkpoint whose object is a list of `n` float storages of `numel` elements each,
// with no storage bytes after it.
std::string legacy_with_storages(int n, uint32_t numel) {
  std::string s = std::string("\x80\x02\x8a\x0a", 4) +
                  std::string("\x6c\xfc\x9c\x46\xf9\x20\x6a\xa8\x50\x19", 10) + ".";  // magic
  s += std::string("\x80\x02M\xe9\x03.", 6);                                          // 1001
  s += std::string("\x80\x02}.", 4);                                                  // sys info
  s += std::string("\x80\x02](", 4);
  for (int i = 0; i < n; ++i) {
    s += "(" + binunicode("storage") + "ctorch\nFloatStorage\n" + binunicode(std::to_string(i)) +
         binunicode("cpu") + "J" + le32(numel) + "NtQ";
  }
  s += "e.";
  s += std::string("\x80\x02](e.", 5);  // no storage keys
  return s;
}

TEST(PickleLimits, LegacyStoragesMayNotClaimMoreThanTheFileInAll) {
  // 64 storages of a quarter of the file each: every one fits alone, together they claimed 16
  // times the file, all allocated before the missing bytes were noticed.
  std::string bytes = legacy_with_storages(64, 0);
  bytes = legacy_with_storages(64, static_cast<uint32_t>(bytes.size() / 16));
  const std::string message = error_of([&] { read_legacy_checkpoint(bytes, "many.pth"); });
  EXPECT_NE(message.find("bytes in all, more than the file holds"), std::string::npos) << message;
  EXPECT_NE(message.find("many.pth"), std::string::npos) << message;
}

}  // namespace
}  // namespace ghmdet
