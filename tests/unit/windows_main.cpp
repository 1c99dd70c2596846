// The Windows unit-test program's main: the process is set up as manage-certificates.exe's is
// (UTF-8 paths for Boost.Filesystem, sockets), then GoogleTest runs.
#include <gtest/gtest.h>

#include "midks/platform.hpp"

int main(int argc, char** argv) {
  midks::platform::start_process(argc, argv);
  testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
