// Secrets stay out of crash dumps: the process start-up turns core files off and the process
// non-dumpable, and secure buffers' pages are marked MADV_DONTDUMP. Linux only (what it checks is
// Linux's /proc and prctl); the Windows settings are compiled by the mingw build. Beside them, the
// start-up's heap settings: prefault_heap maps memory ahead of the allocations that use it.
#include <gtest/gtest.h>

#ifdef __linux__
#include <sys/mman.h>
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

// In a child set up as a run is: exits 0 when a 1 MiB block allocated and written after
// prefault_heap(2 MiB) (when `prefault`) takes fewer than 32 page faults, 1 otherwise.
[[noreturn]] void allocate_and_count_faults(bool prefault) {
  char name[] = "manage-certificates";
  char* argv[] = {name, nullptr};
  platform::start_process(1, argv);
  constexpr std::size_t kBlock = std::size_t{1} << 20;
  if (prefault) platform::prefault_heap(2 * kBlock);
  struct rusage before {}, after {};
  ::getrusage(RUSAGE_SELF, &before);
  // Written through volatile, one byte a page: stores to a block that is only freed are elided.
  volatile char* block = static_cast<volatile char*>(std::malloc(kBlock));
  for (std::size_t at = 0; at < kBlock; at += 4096) block[at] = 1;
  ::getrusage(RUSAGE_SELF, &after);
  std::free(const_cast<char*>(block));
  std::exit(after.ru_minflt - before.ru_minflt < 32 ? 0 : 1);
}

bool kernel_populates_on_request() {
  void* page = ::mmap(nullptr, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  const bool ok = page != MAP_FAILED && ::madvise(page, 4096, MADV_POPULATE_WRITE) == 0;
  if (page != MAP_FAILED) ::munmap(page, 4096);
  return ok;
}

// AddressSanitizer's allocator holds freed blocks back, so the prefaulted block is not reused.
#if defined(__SANITIZE_ADDRESS__)
constexpr bool kSanitizerAllocator = true;
#elif defined(__has_feature)
constexpr bool kSanitizerAllocator = __has_feature(address_sanitizer);
#else
constexpr bool kSanitizerAllocator = false;
#endif

TEST(ProcessHeap, PrefaultedHeapTakesNoFaultPerPage) {
  if (kSanitizerAllocator) GTEST_SKIP() << "malloc is AddressSanitizer's, not the C library's";
  if (!kernel_populates_on_request()) GTEST_SKIP() << "this kernel has no MADV_POPULATE_WRITE (Linux < 5.14)";
  EXPECT_EXIT(allocate_and_count_faults(true), ::testing::ExitedWithCode(0), "");
  // The same block without the prefault takes a fault per page: the count above can fail.
  EXPECT_EXIT(allocate_and_count_faults(false), ::testing::ExitedWithCode(1), "");
}

}  // namespace
}  // namespace midks::test
#endif
