#include <gtest/gtest.h>

#include "ghmdet/core/error.h"
#include "ghmdet/core/runtime.h"

TEST(Runtime, InitSetsRequestedThreads) {
  EXPECT_EQ(ghmdet::init_runtime(1), 1);
  EXPECT_GE(ghmdet::init_runtime(), 1);
}

TEST(Runtime, ParseDevice) {
  EXPECT_EQ(ghmdet::parse_device("cpu"), torch::Device(torch::kCPU));
  EXPECT_THROW(ghmdet::parse_device("gpu0"), ghmdet::Error);
  EXPECT_THROW(ghmdet::parse_device("cuda:x"), ghmdet::Error);
  try {
    ghmdet::parse_device("tpu", "--device");
    FAIL();
  } catch (const ghmdet::Error& e) {
    EXPECT_NE(std::string(e.what()).find("--device"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("tpu"), std::string::npos);
  }
}
