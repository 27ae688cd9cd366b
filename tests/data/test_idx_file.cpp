// read_idx_file on hostile headers (regressions of the idx fuzzer, docs/FUZZING.md).
#include <gtest/gtest.h>

#include "ghmdet/core/error.h"
#include "ghmdet/data/idx_file.h"
#include "temp_dir.h"

namespace ghmdet {
namespace {

std::string header(std::initializer_list<uint32_t> dims) {
  std::string s("\0\0\x08", 3);
  s.push_back(static_cast<char>(dims.size()));
  for (uint32_t v : dims) {
    for (int k = 3; k >= 0; --k) s.push_back(static_cast<char>((v >> (8 * k)) & 0xff));
  }
  return s;
}

TEST(IdxFile, ReadsAShapeAndItsData) {
  testing::TempDir dir;
  dir.write("ok.idx", header({2, 3}) + std::string("abcdef"));
  const IdxArray a = read_idx_file(dir.file("ok.idx"));
  EXPECT_EQ(a.shape, (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(std::string(a.data.begin(), a.data.end()), "abcdef");
}

TEST(IdxFile, SizesWhoseProductWrapsAroundAreAnError) {
  // 2^22 * 2^22 * 2^20 = 2^64, which wraps to 0 in 64 bits and so "matched" the empty data:
  // the array claimed 2^64 bytes it did not have.
  testing::TempDir dir;
  dir.write("wrap.idx", header({1u << 22, 1u << 22, 1u << 20}));
  try {
    read_idx_file(dir.file("wrap.idx"));
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("wrap.idx: IDX header sizes overflow (dimension 2"),
              std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace ghmdet
