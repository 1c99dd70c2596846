// What differs between operating systems, behind one small interface: writer locks, file
// ownership and modes, and folder creation. The engine calls only these; the POSIX
// implementation is src/platform_posix.cpp.
#pragma once
#include <optional>
#include <string>

namespace midks::platform {

// Serialises every writer of the files in one folder, whatever path they came by (a symbolic
// link, "..", a bind mount): the lock is taken on the folder itself, as the file system knows it,
// so nothing is left behind for a later user to trip over. Waits up to timeout_s, then fails with
// LOCK_TIMEOUT. `what` names the file being changed, for that message.
class FolderLock {
 public:
  FolderLock(const std::string& file_path, const std::string& what, int timeout_s);
  ~FolderLock();
  FolderLock(const FolderLock&) = delete;
  FolderLock& operator=(const FolderLock&) = delete;

 private:
  int fd_ = -1;
};

// An open file descriptor, closed when it goes out of scope.
class UniqueFd {
 public:
  explicit UniqueFd(int fd = -1) : fd_(fd) {}
  ~UniqueFd();
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

// The folder a file lies in once symbolic links are resolved ("." for a bare name).
std::string real_folder_of(const std::string& file_path);

// Owner, group and permission bits of an existing file or folder.
struct FileAttributes {
  unsigned uid = 0, gid = 0, mode = 0;
};
std::optional<FileAttributes> attributes_of(const std::string& path);

// Gives a file we just created the owner and group it should have.
//  Ownership::Keep (a replacement, a backup): exactly like's owner and group, whoever we are; if
//    the system refuses, the write is refused (OWNER_NOT_KEPT) rather than taking the file over.
//  Ownership::LikeFolder (a new file): when we run as root, like's (the folder's), so the MID's
//    user can still read and replace it; anybody else creates files as themselves.
enum class Ownership { Keep, LikeFolder };
void adopt_owner(int fd, const std::string& path, const FileAttributes& like, Ownership how);

// Creates a folder (and missing parents) with `mode`, each owned like the folder it is created in.
void create_folders(const std::string& path, unsigned mode);

}  // namespace midks::platform
