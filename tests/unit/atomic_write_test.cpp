// write_file_atomically keeps its promise "nothing changes on any failure", also with a .bak: each
// step that can fail (the backup link, the rename over the file, the rename of the backup) is made
// to fail in turn, and the file, its .bak and the folder must be as they were.
//
// The failures are injected by defining rename() and link() in this test program: the engine's
// calls bind to these, which fail on demand and otherwise do the same through renameat() and linkat()
// (not interposed; no dlsym, which a static test binary cannot use).
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <stdio.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <set>

#include "support.hpp"

namespace {

// A rename fails when its source ends with from_suffix (empty: any) and its target is `to`.
struct RenameFault {
  std::string from_suffix, to;
};
std::vector<RenameFault> rename_faults;
bool link_fails = false;

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

}  // namespace

extern "C" int rename(const char* from, const char* to) {
  for (const RenameFault& f : rename_faults)
    if (ends_with(from, f.from_suffix) && f.to == to) {
      errno = EIO;
      return -1;
    }
  return renameat(AT_FDCWD, from, AT_FDCWD, to);
}

extern "C" int link(const char* from, const char* to) {
  if (link_fails) {
    errno = EIO;
    return -1;
  }
  return linkat(AT_FDCWD, from, AT_FDCWD, to, 0);
}

namespace midks::test {
namespace {

namespace fs = std::filesystem;

class AtomicWrite : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/midks-atomic-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    path_ = dir_ + "/config.xml";
    put(path_, "v1");
    put(path_ + ".bak", "v0");
  }
  void TearDown() override {
    rename_faults.clear();
    link_fails = false;
    fs::remove_all(dir_);
  }

  static void put(const std::string& path, const std::string& text) { std::ofstream(path, std::ios::binary) << text; }
  static std::string get(const std::string& path) { return slurp(path); }
  std::set<std::string> names() const {
    std::set<std::string> out;
    for (const auto& e : fs::directory_iterator(dir_)) out.insert(e.path().filename().string());
    return out;
  }
  // Writes "v2" keeping the previous version; returns the error code ("" if it succeeded).
  std::string write_v2() {
    const std::string v2 = "v2";
    try {
      write_file_atomically(path_, ByteView(reinterpret_cast<const std::uint8_t*>(v2.data()), v2.size()),
                            WriteOptions::with_mode(0600).keeping_previous());
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::Io);
      return e.code().empty() ? "(uncoded)" : e.code();
    }
    return "";
  }
  void expect_unchanged() {
    EXPECT_EQ(get(path_), "v1");
    EXPECT_EQ(get(path_ + ".bak"), "v0");
    EXPECT_EQ(names(), (std::set<std::string>{"config.xml", "config.xml.bak"}));
  }

  std::string dir_, path_;
};

TEST_F(AtomicWrite, SucceedsAndKeepsOnePreviousGeneration) {
  EXPECT_EQ(write_v2(), "");
  EXPECT_EQ(get(path_), "v2");
  EXPECT_EQ(get(path_ + ".bak"), "v1");
  EXPECT_EQ(names(), (std::set<std::string>{"config.xml", "config.xml.bak"}));
}

TEST_F(AtomicWrite, FailedReplaceLeavesFileAndBackupAsTheyWere) {
  rename_faults = {{"", path_}};
  EXPECT_NE(write_v2(), "");
  expect_unchanged();  // the old .bak survives: it is replaced only after the file is
}

TEST_F(AtomicWrite, FailedBackupPutsTheReplacedFileBack) {
  rename_faults = {{"", path_ + ".bak"}};
  EXPECT_NE(write_v2(), "");
  expect_unchanged();
}

TEST_F(AtomicWrite, FailedBackupLinkChangesNothing) {
  link_fails = true;
  EXPECT_NE(write_v2(), "");
  expect_unchanged();
}

TEST_F(AtomicWrite, BackupAndUndoBothFailingIsReportedWithWhereThePreviousVersionIs) {
  rename_faults = {{"", path_ + ".bak"}, {".bak", path_}};
  std::string message;
  try {
    const std::string v2 = "v2";
    write_file_atomically(path_, ByteView(reinterpret_cast<const std::uint8_t*>(v2.data()), v2.size()),
                          WriteOptions().keeping_previous());
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), "BACKUP_FAILED");
    message = e.what();
  }
  rename_faults.clear();
  EXPECT_EQ(get(path_), "v2");
  EXPECT_EQ(get(path_ + ".bak"), "v0");
  std::string kept;
  for (const std::string& n : names())
    if (n.rfind(".config.xml.tmp." + std::to_string(::getpid()) + ".", 0) == 0 && ends_with(n, ".bak")) kept = dir_ + "/" + n;
  EXPECT_EQ(get(kept), "v1");
  EXPECT_NE(message.find(kept), std::string::npos) << message;
}

TEST_F(AtomicWrite, StaleBackupLinksOfDeadWritersAreRemoved) {
  put(dir_ + "/.config.xml.tmp.99999999.bak", "v1");
  put(dir_ + "/.config.xml.tmp.99999999", "v2");
  EXPECT_EQ(write_v2(), "");
  EXPECT_EQ(names(), (std::set<std::string>{"config.xml", "config.xml.bak"}));
}

// In a container the entry point has the same process id at every start: what a killed writer
// left is recognised by nobody holding it, not by its process id (ours, here).
TEST_F(AtomicWrite, WhatAKilledWriterWithOurProcessIdLeftIsRemoved) {
  const std::string pid = std::to_string(::getpid());
  put(dir_ + "/.config.xml.tmp." + pid + ".bak", "v1");
  put(dir_ + "/.config.xml.tmp." + pid + ".0123456789abcdef", "key");
  put(dir_ + "/.agent_keystore.20261201-101010.123.tmp." + pid, "key");  // a backup's, in security_backup/
  EXPECT_EQ(write_v2(), "");
  EXPECT_EQ(names(), (std::set<std::string>{"config.xml", "config.xml.bak"}));
}

TEST_F(AtomicWrite, ATemporaryFileALiveWriterHoldsIsLeftAlone) {
  const std::string live = dir_ + "/.config.xml.tmp.1.fedcba9876543210";
  put(live, "in progress");
  int fd = ::open(live.c_str(), O_RDONLY);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::flock(fd, LOCK_EX), 0);
  EXPECT_EQ(write_v2(), "");
  EXPECT_TRUE(fs::exists(live));
  ::close(fd);
}

TEST_F(AtomicWrite, TheTemporaryFileIsCreatedPrivateAndNamedUniquely) {
  std::set<std::string> seen;
  for (int i = 0; i < 3; ++i) seen.insert(platform::temp_path_for(path_));
  EXPECT_EQ(seen.size(), 3u);  // not the process id alone
  struct stat st {};
  ASSERT_EQ(::stat(path_.c_str(), &st), 0);
  EXPECT_EQ(write_v2(), "");
}

TEST_F(AtomicWrite, AFifoIsRefusedAtOnceNeverWaitedOn) {
  const std::string fifo = dir_ + "/fifo.xml";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  try {
    read_file(fifo, 1024, Readable::RegularFileOnly);
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), "NOT_A_FILE");
  }
  // As input (a bundle): opened without waiting for a writer, read as empty.
  EXPECT_TRUE(read_file(fifo, 1024).empty());
}

// Root writing in the MID user's folder: a link that user planted to a file it cannot write is
// refused; its link to its own file is followed.
TEST_F(AtomicWrite, ALinkToAFileItsOwnerDoesNotOwnIsRefused) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root (to give the link another owner)";
  const uid_t mid_user = 65534;
  const std::string victim = dir_ + "/root-only.xml", planted = dir_ + "/planted.xml";
  put(victim, "root's");
  ASSERT_EQ(::symlink(victim.c_str(), planted.c_str()), 0);
  ASSERT_EQ(::lchown(planted.c_str(), mid_user, mid_user), 0);
  const std::string v2 = "v2";
  try {
    write_file_atomically(planted, ByteView(reinterpret_cast<const std::uint8_t*>(v2.data()), v2.size()));
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), "UNSAFE_LINK");
    EXPECT_NE(std::string(e.what()).find(planted), std::string::npos) << e.what();
  }
  EXPECT_EQ(get(victim), "root's");
  ASSERT_EQ(::chown(victim.c_str(), mid_user, mid_user), 0);  // now the link's owner owns it
  write_file_atomically(planted, ByteView(reinterpret_cast<const std::uint8_t*>(v2.data()), v2.size()));
  EXPECT_EQ(get(victim), "v2");
}

}  // namespace
}  // namespace midks::test
