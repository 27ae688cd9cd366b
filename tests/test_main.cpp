// Shared GoogleTest main: sets torch's thread count like every GHMDet entry point does.
#include <gtest/gtest.h>

#include "ghmdet/core/runtime.h"

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  ghmdet::init_runtime();
  return RUN_ALL_TESTS();
}
