#include "midks/model.hpp"

#include "midks/utf8.hpp"

#include <chrono>
#include <clocale>
#include <cwctype>
#include <locale.h>

namespace midks {

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::string_view store_type_name(StoreType type) {
  switch (type) {
    case StoreType::Jks: return "JKS";
    case StoreType::Jceks: return "JCEKS";
    case StoreType::Pkcs12: return "PKCS12";
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

namespace {

locale_t utf8_locale() {
  static locale_t loc = newlocale(LC_CTYPE_MASK, "C.UTF-8", static_cast<locale_t>(nullptr));
  return loc;
}

}  // namespace

std::string java_lower(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  locale_t loc = utf8_locale();
  for (std::size_t i = 0; i < s.size();) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      out += static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c);
      ++i;
      continue;
    }
    char32_t cp = 0;
    std::size_t at = i;
    if (!loc || !utf8::next(s, i, cp)) {  // not decodable: keep the byte as it is
      out += static_cast<char>(c);
      i = at + 1;
      continue;
    }
    utf8::append(out, static_cast<char32_t>(towlower_l(static_cast<wint_t>(cp), loc)));
  }
  return out;
}

Entry* Keystore::find(std::string_view alias) {
  auto it = index_.find(java_lower(alias));
  return it == index_.end() ? nullptr : &entries_[it->second];
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

const Entry* Keystore::find(std::string_view alias) const {
  return const_cast<Keystore*>(this)->find(alias);
}

Entry& Keystore::put(Entry entry, AliasCase alias_case) {
  if (alias_case == AliasCase::Lower) entry.alias = java_lower(entry.alias);
  auto [it, inserted] = index_.try_emplace(java_lower(entry.alias), entries_.size());
  if (!inserted) {
    entries_[it->second] = std::move(entry);
    return entries_[it->second];
  }
  entries_.push_back(std::move(entry));
  return entries_.back();
}

bool Keystore::remove(std::string_view alias) {
  auto it = index_.find(java_lower(alias));
  if (it == index_.end()) return false;
  entries_.erase(entries_.begin() + static_cast<std::ptrdiff_t>(it->second));
  index_.clear();
  for (std::size_t i = 0; i < entries_.size(); ++i) index_.emplace(java_lower(entries_[i].alias), i);
  return true;
}

std::vector<std::string> Keystore::aliases() const {
  std::vector<std::string> out;
  for (const auto& e : entries_) out.push_back(e.alias);
  return out;
}

}  // namespace midks
