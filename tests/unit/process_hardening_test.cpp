// Secrets stay out of crash dumps: the process start-up turns core files off and the process
// non-dumpable, and secure buffers' pages are marked MADV_DONTDUMP. Linux only (what it checks is
// Linux's /proc and prctl); the Windows settings are compiled by the mingw build.
#include <gtest/gtest.h>

#ifdef __linux__
#include <sys/prctl.h>
#include <sys/resource.h>

#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "midks/platform.hpp"
#include "midks/secure.hpp"

namespace midks::test {
namespace {

// The VmFlags line of the mapping in /proc/self/smaps that holds address p ("" if none).
std::string vm_flags_of(const void* p) {
  const auto at = reinterpret_cast<std::uintptr_t>(p);
  std::ifstream smaps("/proc/self/smaps");
  std::string line;
  bool inside = false;
  while (std::getline(smaps, line)) {
    std::uintptr_t from = 0, to = 0;
    char dash = 0;
    std::istringstream range(line);
    if (line.find(':') > line.find(' ') && (range >> std::hex >> from >> dash >> to) && dash == '-') {
      inside = from <= at && at < to;
    } else if (inside && line.rfind("VmFlags:", 0) == 0) {
      return line;
    }
  }
  return "";
}

// Exits 0 when start_process left the process non-dumpable and without core files.
[[noreturn]] void start_and_report() {
  char name[] = "manage-certificates";
  char* argv[] = {name, nullptr};
  platform::start_process(1, argv);
  struct rlimit core {};
  ::getrlimit(RLIMIT_CORE, &core);
  std::exit((::prctl(PR_GET_DUMPABLE) == 0 ? 0 : 1) | (core.rlim_cur == 0 && core.rlim_max == 0 ? 0 : 2));
}

TEST(ProcessHardening, StartProcessTurnsCoreDumpsOff) {
  // In a child: the settings are process-wide and last.
  EXPECT_EXIT(start_and_report(), ::testing::ExitedWithCode(0), "");
}

TEST(ProcessHardening, SecureBuffersAreLeftOutOfDumps) {
  for (std::size_t size : {std::size_t{32}, std::size_t{5000}, std::size_t{1} << 20}) {
    SecureBytes secret;
    secret.resize(size);
    EXPECT_NE(vm_flags_of(secret.data()).find(" dd"), std::string::npos) << size << " bytes: " << vm_flags_of(secret.data());
    EXPECT_NE(vm_flags_of(secret.data() + size - 1).find(" dd"), std::string::npos) << size;
    SecureString pem(size, 'k');
    EXPECT_NE(vm_flags_of(pem.data() + size - 1).find(" dd"), std::string::npos) << size;
  }
}

}  // namespace
}  // namespace midks::test
#endif
