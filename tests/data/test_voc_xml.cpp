// read_voc_xml on hostile sizes (regressions of the voc_xml fuzzer, docs/FUZZING.md).
#include <gtest/gtest.h>

#include "ghmdet/core/error.h"
#include "ghmdet/data/voc_xml.h"
#include "temp_dir.h"

namespace ghmdet {
namespace {

std::string error_of(const std::string& width) {
  testing::TempDir dir;
  const std::string path = dir.write(
      "a.xml", "<annotation>\n<size><width>" + width + "</width><height>40</height></size>\n"
               "</annotation>\n");
  try {
    read_voc_xml(path);
  } catch (const Error& e) {
    std::string msg = e.what();
    if (msg.rfind(path, 0) == 0) msg.replace(0, path.size(), "FILE");
    return msg;
  }
  return "no error";
}

TEST(VocXml, SizesOutsideInt64AreAnErrorNotUndefinedBehaviour) {
  // 1e86 was converted to int64_t as it was (undefined behaviour: any value came out).
  EXPECT_EQ(error_of("1e86"),
            "FILE:2:8: size.width: must be a positive number of pixels (at most 10^9), found 1e+86");
  EXPECT_EQ(error_of("nan"),
            "FILE:2:8: size.width: must be a positive number of pixels (at most 10^9), found nan");
  EXPECT_EQ(error_of("0"),
            "FILE:2:8: size.width: must be a positive number of pixels (at most 10^9), found 0");
  EXPECT_EQ(error_of(" 353 "), "no error");
}

}  // namespace
}  // namespace ghmdet
