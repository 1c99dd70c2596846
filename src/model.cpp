#include "midks/model.hpp"

#include "midks/error.hpp"
#include "midks/platform.hpp"
#include "midks/utf8.hpp"

#include <algorithm>
#include <iterator>
#include <unordered_set>

#include <chrono>
#include <cstdlib>
#include <cstring>

namespace midks {

std::int64_t now_ms() {
  // Tests pin the clock (epoch seconds) so that fixtures are judged the same in any year.
  static const std::optional<std::int64_t> pinned = []() -> std::optional<std::int64_t> {
    const char* v = std::getenv("MIDKS_TEST_NOW");
    if (!v || !*v || std::strlen(v) > 12 || std::strspn(v, "0123456789") != std::strlen(v)) return std::nullopt;
    return std::stoll(v) * 1000;
  }();
  if (pinned) return *pinned;
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::string_view store_type_name(StoreType type) {
  switch (type) {
    case StoreType::Jks: return "JKS";
    case StoreType::Jceks: return "JCEKS";
    case StoreType::Pkcs12: return "PKCS12";
    case StoreType::Bcfks: return "BCFKS";
  }
  return "?";
}

std::string_view entry_kind_name(EntryKind kind) {
  switch (kind) {
    case EntryKind::PrivateKey: return "PrivateKeyEntry";
    case EntryKind::TrustedCert: return "trustedCertEntry";
    case EntryKind::SecretKey: return "SecretKeyEntry";
  }
  return "?";
}

std::string java_lower(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size();) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      out += static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c);
      ++i;
      continue;
    }
    char32_t cp = 0;
    std::size_t at = i;
    if (!utf8::next(s, i, cp)) {  // not decodable: keep the byte as it is
      out += static_cast<char>(c);
      i = at + 1;
      continue;
    }
    utf8::append(out, platform::lower_case(cp));  // the system's Unicode tables, only for non-ASCII
  }
  return out;
}

std::string alias_problem(std::string_view alias) {
  if (alias.empty()) return "the alias is empty";
  for (std::size_t i = 0; i < alias.size();) {
    char32_t cp = 0;
    if (!utf8::next(alias, i, cp)) return "the alias is not valid UTF-8 (byte " + std::to_string(i + 1) + ")";
    if (cp < 0x20 || cp == 0x7f) return "the alias contains a control character";
  }
  return "";
}

std::vector<const Entry*> Keystore::matching(std::string_view alias) const {
  std::vector<const Entry*> out;
  auto [first, last] = index_.equal_range(java_lower(alias));
  for (auto it = first; it != last; ++it) out.push_back(&entries_[it->second]);
  return out;
}

namespace {

[[noreturn]] void ambiguous(std::string_view alias, const std::vector<const Entry*>& matches) {
  std::string names;
  for (const Entry* e : matches) names += (names.empty() ? "'" : "' and '") + e->alias;
  fail(ErrorCode::AMBIGUOUS_ALIAS, "the alias '" + std::string(alias) + "' matches " + names + "': the keystore holds entries whose aliases differ only in case");
}

}  // namespace

Entry* Keystore::find(std::string_view alias) {
  auto [first, last] = index_.equal_range(java_lower(alias));
  if (first == last) return nullptr;
  if (std::next(first) != last) ambiguous(alias, matching(alias));
  return &entries_[first->second];
}

const Entry* Keystore::find(std::string_view alias) const { return const_cast<Keystore*>(this)->find(alias); }

Entry& Keystore::put(Entry entry, AliasCase alias_case) {
  if (alias_case == AliasCase::Lower) entry.alias = java_lower(entry.alias);
  std::string key = java_lower(entry.alias);
  if (alias_case == AliasCase::AsFound) {
    auto [first, last] = index_.equal_range(key);
    for (auto it = first; it != last; ++it)
      if (entries_[it->second].alias == entry.alias) return entries_[it->second] = std::move(entry);
  } else if (Entry* existing = find(key)) {
    return *existing = std::move(entry);
  }
  index_.emplace(std::move(key), entries_.size());
  entries_.push_back(std::move(entry));
  return entries_.back();
}

void Keystore::reindex() {
  ++index_rebuilds_;
  index_.clear();
  for (std::size_t i = 0; i < entries_.size(); ++i) index_.emplace(java_lower(entries_[i].alias), i);
}

bool Keystore::remove(std::string_view alias) {
  Entry* e = find(alias);
  if (!e) return false;
  entries_.erase(entries_.begin() + (e - entries_.data()));
  reindex();
  return true;
}

bool Keystore::remove_exact(std::string_view alias) {
  auto it = std::find_if(entries_.begin(), entries_.end(), [&](const Entry& e) { return e.alias == alias; });
  if (it == entries_.end()) return false;
  entries_.erase(it);
  reindex();
  return true;
}

std::size_t Keystore::remove_exact(const std::vector<std::string>& aliases) {
  if (aliases.empty()) return 0;
  const std::unordered_set<std::string_view> doomed(aliases.begin(), aliases.end());
  const std::size_t removed = std::erase_if(entries_, [&](const Entry& e) { return doomed.contains(e.alias); });
  if (removed > 0) reindex();
  return removed;
}

std::vector<std::string> Keystore::aliases() const {
  std::vector<std::string> out;
  for (const auto& e : entries_) out.push_back(e.alias);
  return out;
}

}  // namespace midks
