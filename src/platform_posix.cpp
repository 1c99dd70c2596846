#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/filesystem.hpp>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <thread>

#include "midks/error.hpp"
#include "midks/platform.hpp"

namespace midks::platform {

namespace fs = boost::filesystem;

UniqueFd::~UniqueFd() {
  if (fd_ >= 0) ::close(fd_);
}

std::string real_folder_of(const std::string& file_path) {
  // A link to the file leads to the folder of its target: that is where the rename happens.
  if (char* real = ::realpath(file_path.c_str(), nullptr)) {
    std::string resolved = real;
    std::free(real);
    return fs::path(resolved).parent_path().string();
  }
  fs::path given(file_path);
  fs::path parent = given.has_parent_path() ? given.parent_path() : fs::current_path();
  if (char* real = ::realpath(parent.c_str(), nullptr)) {
    parent = real;
    std::free(real);
  }
  return parent.string();
}

FolderLock::FolderLock(const std::string& file_path, const std::string& what, int timeout_s) {
  std::string folder = real_folder_of(file_path);
  // flock on the folder: every path to it (link, "..", bind mount) reaches the same inode, and no
  // lock file is left beside the keystore for a glob or for the MID's user to stumble on.
  fd_ = ::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd_ < 0)
    fail(ErrorCode::LOCK_FAILED, "cannot open the folder " + folder + " to lock it: " + std::strerror(errno));
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_s);
  while (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
    int err = errno;
    if (err != EWOULDBLOCK && err != EINTR) {
      ::close(fd_);
      fail(ErrorCode::LOCK_FAILED, "cannot lock the folder " + folder + ": " + std::strerror(err));
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      ::close(fd_);
      fail(ErrorCode::LOCK_TIMEOUT, "another process has been changing " + what + " for " + std::to_string(timeout_s) + " s");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

FolderLock::~FolderLock() {
  if (fd_ >= 0) ::close(fd_);  // closing releases the flock
}

std::optional<FileAttributes> attributes_of(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return std::nullopt;
  return FileAttributes{st.st_uid, st.st_gid, static_cast<unsigned>(st.st_mode & 07777)};
}

void adopt_owner(int fd, const std::string& path, const FileAttributes& like, Ownership how) {
  if (how == Ownership::LikeFolder && ::geteuid() != 0) return;
  struct stat st {};
  if (::fstat(fd, &st) == 0 && st.st_uid == like.uid && st.st_gid == like.gid) return;
  if (::fchown(fd, like.uid, like.gid) != 0)
    fail(ErrorCode::OWNER_NOT_KEPT, "cannot give " + path + " the owner uid " + std::to_string(like.uid) + ", gid " + std::to_string(like.gid) + ": " +
                   std::strerror(errno) + "; nothing was written");
}

void create_folders(const std::string& path, unsigned mode) {
  fs::path target(path);
  if (target.empty() || fs::exists(target)) return;
  fs::path parent = target.parent_path();
  if (!parent.empty()) create_folders(parent.string(), mode);
  if (::mkdir(target.c_str(), mode) != 0 && errno != EEXIST)
    fail(ErrorCode::CREATE_FOLDER_FAILED, "cannot create the folder " + path + ": " + std::strerror(errno));
  ::chmod(target.c_str(), mode);  // not narrowed by the umask
  UniqueFd folder(::open(target.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (folder.get() < 0) return;
  if (auto owner = attributes_of(parent.empty() ? "." : parent.string())) adopt_owner(folder.get(), path, *owner, Ownership::LikeFolder);
}

}  // namespace midks::platform
