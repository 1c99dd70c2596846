#include "midks/agent_layout.hpp"

#include <algorithm>
#include <boost/filesystem.hpp>
#include <cerrno>
#include <charconv>
#include <cstring>

#include "midks/cert_info.hpp"
#include "midks/error.hpp"
#include "midks/keystore_file.hpp"
#include "midks/mid_config.hpp"
#include "midks/model.hpp"
#include "midks/platform.hpp"

namespace midks {

std::vector<std::string> remove_all_but_mid_key(Keystore& keystore) {
  std::vector<std::string> removed;
  for (const Entry& e : keystore.entries())
    if (java_lower(e.alias) != kMidKeyAlias) removed.push_back(e.alias);
  keystore.remove_exact(removed);
  return removed;
}

namespace fs = boost::filesystem;

namespace {

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
  std::string stamp = file.substr(name.size() + 1);  // yyyyMMdd-HHmmss.SSS
  auto number = [&](std::size_t at, std::size_t digits) {
    int value = -1;
    auto [end, ec] = std::from_chars(stamp.data() + at, stamp.data() + at + digits, value);
    return ec == std::errc() && end == stamp.data() + at + digits ? value : -1;
  };
  int year = number(0, 4), month = number(4, 2), day = number(6, 2), hour = number(9, 2), minute = number(11, 2), second = number(13, 2);
  int millis = number(16, 3);
  if (std::min({year, month, day, hour, minute, second, millis}) < 0 || month < 1 || month > 12 || day < 1 || day > 31) return 0;
  return utc_seconds(year, month, day, hour, minute, second) * 1000 + millis;
}

platform::Appended append_audit_line(const std::string& folder, const std::string& line, const platform::FileAttributes& like) {
  std::string log = joined_path(folder, kBackupAuditLog);
  // Created here: owned like the keystore. Already there: appended to as it is.
  platform::Appended appended = platform::append_to_file(log, line + "\n", like);
  if (!appended.error.empty()) fail(ErrorCode::BACKUP_FAILED, "cannot write the backup audit trail " + log + ": " + appended.error);
  return appended;
}

}  // namespace

KeystoreLocation locate_keystore(const std::string& agent_dir) {
  KeystoreLocation location;
  for (const char* candidate : kKeystoreCandidates) {
    std::string path = joined_path(agent_dir, candidate);
    if (!platform::exists(path)) continue;
    if (!location.exists) location.path = path, location.exists = true;
    else location.also_present.push_back(path);
  }
  if (!location.exists) location.path = joined_path(agent_dir, kKeystoreCandidates[0]);
  return location;
}

BackupPolicy backup_policy(const std::string& keystore_path, const std::string& agent_dir, const std::string& config_path) {
  BackupPolicy policy;
  // The keystore's folder as given (a link to the file itself is not followed: a keystore mounted
  // from elsewhere is still the agent's).
  boost::system::error_code ec;
  fs::path given = fs::path(keystore_path).parent_path();
  fs::path keystore_folder = fs::canonical(given.empty() ? fs::current_path() : given, ec);
  if (ec) keystore_folder = given;
  fs::path agent = fs::canonical(agent_dir.empty() ? fs::current_path() : fs::path(agent_dir), ec);
  bool in_agent = !ec && (keystore_folder == agent || keystore_folder.parent_path() == agent);
  policy.folder = ((in_agent ? agent : keystore_folder) / kBackupFolder).string();
  if (!platform::exists(config_path)) return policy;
  try {
    MidConfig config = MidConfig::load(config_path);
    policy.max_backups = int_parameter(config, "mid.keystore.max_backups", policy.max_backups);
    policy.overwrite_timespan_s = int_parameter(config, "mid.keystore.backup_overwrite_timespan", policy.overwrite_timespan_s);
    policy.mid_id = config.get(mid_param::kMidId).value_or("");
  } catch (const Error& e) {
    // A config.xml that is not valid is reported by the commands that need it, and backups keep
    // the defaults. One that cannot be read is not guessed at: its max_backups could be higher.
    if (e.kind() == ErrorKind::Io)
      throw Error(e.code_id(), std::string(e.what()) + " (read for its mid.keystore.max_backups and backup settings); nothing was changed");
  }
  return policy;
}

KeystoreBackup::KeystoreBackup(const std::string& keystore_path, ByteView current, const std::vector<std::string>& aliases,
                               const BackupPolicy& policy, std::int64_t now_ms)
    : policy_(policy), name_(fs::path(keystore_path).filename().string()), when_(utc_text(now_ms / 1000, "%Y-%m-%dT%H:%M:%SZ")) {
  if (policy.max_backups <= 0) return;
  auto original = platform::attributes_of(keystore_path);
  if (!original) return;
  original_ = *original;
  platform::create_folders(policy.folder, 0700);
  std::vector<std::string> existing = existing_backups(policy.folder, name_);
  // Changes in quick succession keep one backup for the burst, as the MID does; the one kept is
  // the state before the burst (a replaced key pair stays recoverable), not a state in between.
  if (!existing.empty() && now_ms - backup_time_ms(existing.back(), name_) < std::int64_t{policy.overwrite_timespan_s} * 1000) {
    path_ = joined_path(policy.folder, existing.back());
    audit_ = when_ + " kept=" + existing.back() + " (changed again within mid.keystore.backup_overwrite_timespan, " +
             std::to_string(policy.overwrite_timespan_s) + " s: the backup from before these changes stays)";
    record();
    return;
  }
  char millis[8];
  std::snprintf(millis, sizeof millis, ".%03d", static_cast<int>(now_ms % 1000));
  std::string file = name_ + "." + utc_text(now_ms / 1000, "%Y%m%d-%H%M%S") + millis;
  path_ = joined_path(policy.folder, file);
  WriteOptions like_original;
  like_original.like = *original;
  try {
    write_file_atomically(path_, current, like_original);
  } catch (const Error& e) {
    // NOT_DURABLE leaves the copy in place; it is no backup if the disk did not confirm it.
    if (e.code_id() == ErrorCode::NOT_DURABLE) platform::remove_file(path_);
    throw Error(ErrorCode::BACKUP_FAILED, std::string(e.what()) + "; the keystore was not changed");
  }
  created_ = true;
  std::vector<std::string> sorted_aliases = aliases;
  std::sort(sorted_aliases.begin(), sorted_aliases.end());
  std::string aliases_text;
  for (const std::string& a : sorted_aliases) aliases_text += (aliases_text.empty() ? "" : ",") + a;
  audit_ = when_ + " backup=" + file + " keypairs.mid_id=" + (policy.mid_id.empty() ? "-" : policy.mid_id) + " aliases=" + aliases_text +
           " source=" + keystore_path;
  record();
}

void KeystoreBackup::record() {
  try {
    recorded_ = append_audit_line(policy_.folder, audit_, original_);
  } catch (const Error& e) {
    if (created_) platform::remove_file(path_);  // the constructor fails: no destructor removes it
    throw Error(e.code_id(), std::string(e.what()) + "; the keystore was not changed");
  }
}

KeystoreBackup::~KeystoreBackup() {
  if (committed_ || audit_.empty()) return;
  // The change this backup was taken for did not happen: neither its backup nor its line stays,
  // so the trail records changes made. Should the line not go, the trail says the change failed.
  bool removed = created_ && platform::remove_file(path_);
  if (platform::take_back_append(joined_path(policy_.folder, kBackupAuditLog), recorded_).empty()) return;
  try {
    append_audit_line(policy_.folder, when_ + " unchanged: the change recorded above failed" +
                                          (removed ? ", its backup " + fs::path(path_).filename().string() + " was removed" : std::string()),
                      original_);
  } catch (const Error&) {
    // Best effort: the line above still names a backup of the keystore as it is.
  }
}

std::string KeystoreBackup::commit() {
  committed_ = true;
  if (!created_) return {};
  std::vector<std::string> kept = existing_backups(policy_.folder, name_);
  std::string warning;
  try {
    while (kept.size() > static_cast<std::size_t>(policy_.max_backups)) {
      std::string old_path = joined_path(policy_.folder, kept.front());
      if (platform::remove_file(old_path))
        append_audit_line(policy_.folder, when_ + " removed=" + kept.front() + " (mid.keystore.max_backups " + std::to_string(policy_.max_backups) + ")",
                          original_);
      kept.erase(kept.begin());
    }
  } catch (const Error& e) {
    warning = std::string("the keystore was changed and backed up, but older backups beyond mid.keystore.max_backups were not all removed: ") + e.what();
  }
  return warning;
}

std::string fips_mode_evidence(const std::string& agent_dir) {
  std::string path = joined_path(agent_dir, kWrapperOverride);
  if (!platform::exists(path)) return {};
  Bytes text;
  try {
    text = read_file(path, limits::kMaxWrapperConfBytes);
  } catch (const Error&) {
    return {};  // unreadable: nothing shows FIPS mode
  }
  std::string_view all(reinterpret_cast<const char*>(text.data()), text.size());
  while (!all.empty()) {
    std::size_t end = all.find('\n');
    std::string_view line = all.substr(0, end);
    all = end == std::string_view::npos ? std::string_view{} : all.substr(end + 1);
    std::size_t first = line.find_first_not_of(" \t");
    if (first != std::string_view::npos && line[first] != '#' && line.find(kFipsApprovedOnlyFlag) != std::string_view::npos) return path;
  }
  return {};
}

}  // namespace midks
