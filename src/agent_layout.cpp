#include "midks/agent_layout.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <boost/filesystem.hpp>
#include <cerrno>
#include <charconv>
#include <cstring>

#include "midks/cert_info.hpp"
#include "midks/error.hpp"
#include "midks/keystore_file.hpp"
#include "midks/mid_config.hpp"
#include "midks/platform.hpp"

namespace midks {

namespace fs = boost::filesystem;

namespace {

bool exists(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0;
}

std::string joined_path(const std::string& dir, const std::string& name) { return dir.empty() || dir == "." ? name : dir + "/" + name; }

// A config.xml integer; anything else keeps the MID's default.
int int_parameter(const MidConfig& config, const char* name, int fallback) {
  auto text = config.get(name);
  if (!text) return fallback;
  int value = 0;
  auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), value);
  return ec == std::errc() && end == text->data() + text->size() ? value : fallback;
}

// Backups of `name` in the folder, oldest first (the timestamp in the name sorts by time).
std::vector<std::string> existing_backups(const std::string& folder, const std::string& name) {
  std::vector<std::string> found;
  boost::system::error_code ec;
  std::string prefix = name + ".";
  for (fs::directory_iterator it(folder, ec), end; !ec && it != end; it.increment(ec)) {
    std::string file = it->path().filename().string();
    // "<name>.yyyyMMdd-HHmmss.SSS": 19 characters after the dot.
    if (file.size() == prefix.size() + 19 && file.rfind(prefix, 0) == 0 && file[prefix.size() + 8] == '-') found.push_back(file);
  }
  std::sort(found.begin(), found.end());
  return found;
}

std::int64_t backup_time_ms(const std::string& file, const std::string& name) {
  std::tm tm {};
  std::string stamp = file.substr(name.size() + 1);  // yyyyMMdd-HHmmss.SSS
  if (!::strptime(stamp.c_str(), "%Y%m%d-%H%M%S", &tm)) return 0;
  return static_cast<std::int64_t>(::timegm(&tm)) * 1000 + std::atoi(stamp.c_str() + 16);
}

void append_audit_line(const std::string& folder, const std::string& line, const platform::FileAttributes& like) {
  std::string log = joined_path(folder, kBackupAuditLog);
  int fd = ::open(log.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, like.mode & 0666);
  if (fd < 0) fail_coded(ErrorKind::Io, "BACKUP_FAILED", "cannot write the backup audit trail " + log + ": " + std::strerror(errno));
  try {
    platform::adopt_owner(fd, log, like);
    std::string text = line + "\n";
    if (::write(fd, text.data(), text.size()) != static_cast<ssize_t>(text.size()))
      fail_coded(ErrorKind::Io, "BACKUP_FAILED", "cannot write the backup audit trail " + log + ": " + std::strerror(errno));
    ::fsync(fd);
  } catch (...) {
    ::close(fd);
    throw;
  }
  ::close(fd);
}

}  // namespace

KeystoreLocation locate_keystore(const std::string& agent_dir) {
  KeystoreLocation location;
  for (const char* candidate : kKeystoreCandidates) {
    std::string path = joined_path(agent_dir, candidate);
    if (!exists(path)) continue;
    if (!location.exists) location.path = path, location.exists = true;
    else location.also_present.push_back(path);
  }
  if (!location.exists) location.path = joined_path(agent_dir, kKeystoreCandidates[0]);
  return location;
}

BackupPolicy backup_policy(const std::string& keystore_path, const std::string& agent_dir, const std::string& config_path) {
  BackupPolicy policy;
  fs::path keystore_folder = platform::real_folder_of(keystore_path);
  boost::system::error_code ec;
  fs::path agent = fs::canonical(agent_dir.empty() ? "." : agent_dir, ec);
  bool in_agent = !ec && (keystore_folder == agent || keystore_folder.parent_path() == agent);
  policy.folder = ((in_agent ? agent : keystore_folder.parent_path()) / kBackupFolder).string();
  if (!exists(config_path)) return policy;
  try {
    MidConfig config = MidConfig::load(config_path);
    policy.max_backups = int_parameter(config, "mid.keystore.max_backups", policy.max_backups);
    policy.overwrite_timespan_s = int_parameter(config, "mid.keystore.backup_overwrite_timespan", policy.overwrite_timespan_s);
    policy.mid_id = config.get("keypairs.mid_id").value_or("");
  } catch (const Error&) {
    // A config.xml we cannot read is reported by the commands that need it; backups keep the defaults.
  }
  return policy;
}

std::string back_up_keystore(const std::string& keystore_path, ByteView current, const std::vector<std::string>& aliases,
                             const BackupPolicy& policy, std::int64_t now_ms) {
  if (policy.max_backups <= 0) return "";
  auto original = platform::attributes_of(keystore_path);
  if (!original) return "";
  platform::create_folders(policy.folder, 0700);
  std::string name = fs::path(keystore_path).filename().string();
  std::vector<std::string> before = existing_backups(policy.folder, name);
  char millis[8];
  std::snprintf(millis, sizeof millis, ".%03d", static_cast<int>(now_ms % 1000));
  std::string file = name + "." + utc_text(now_ms / 1000, "%Y%m%d-%H%M%S") + millis;
  std::string path = joined_path(policy.folder, file);
  WriteOptions like_original;
  like_original.like = *original;
  write_file_atomically(path, current, like_original);
  std::string when = utc_text(now_ms / 1000, "%Y-%m-%dT%H:%M:%SZ");
  std::vector<std::string> sorted_aliases = aliases;
  std::sort(sorted_aliases.begin(), sorted_aliases.end());
  std::string aliases_text;
  for (const std::string& a : sorted_aliases) aliases_text += (aliases_text.empty() ? "" : ",") + a;
  append_audit_line(policy.folder,
                    when + " backup=" + file + " keypairs.mid_id=" + (policy.mid_id.empty() ? "-" : policy.mid_id) +
                        " aliases=" + aliases_text + " source=" + keystore_path,
                    *original);
  std::vector<std::string> removed;
  // Changes in quick succession keep one backup for the burst, as the MID does.
  if (!before.empty() && before.back() != file && now_ms - backup_time_ms(before.back(), name) < std::int64_t{policy.overwrite_timespan_s} * 1000) {
    removed.push_back(before.back());
    before.pop_back();
  }
  before.push_back(file);
  while (before.size() > static_cast<std::size_t>(policy.max_backups)) {
    removed.push_back(before.front());
    before.erase(before.begin());
  }
  for (const std::string& old : removed) {
    std::string old_path = joined_path(policy.folder, old);
    if (::unlink(old_path.c_str()) == 0)
      append_audit_line(policy.folder, when + " removed=" + old + " (kept: at most " + std::to_string(policy.max_backups) +
                                           ", one per " + std::to_string(policy.overwrite_timespan_s) + " s)", *original);
  }
  return path;
}

}  // namespace midks
