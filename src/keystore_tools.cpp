#include "midks/keystore_tools.hpp"

#include <algorithm>
#include <map>

#include "codec.hpp"
#include "pkcs12.hpp"
#include "midks/error.hpp"

namespace midks {

namespace {

std::string quoted_list(const std::vector<std::string>& aliases) {
  std::string s;
  for (const std::string& a : aliases) s += (s.empty() ? "'" : ", '") + a + "'";
  return s;
}

bool is_password_error(const Error& e) { return e.kind() == ErrorKind::Password; }

// What must hold for the read-back copy to be the same keystore: aliases, kinds, dates, chains,
// and the key material of every key that was opened.
void compare_read_back(const Keystore& written, const Keystore& again, const Password& target_password) {
  auto differs = [](const std::string& alias, const char* what) {
    fail(ErrorCode::INTERNAL, "the converted keystore does not read back the same (" + std::string(what) + " of '" + alias + "')");
  };
  if (again.size() != written.size()) fail(ErrorCode::INTERNAL, "the converted keystore does not read back with the same number of entries");
  for (const Entry& e : written.entries()) {
    // JKS and JCEKS keep the case (twins stay apart), PKCS12 folds it.
    std::vector<const Entry*> found = again.matching(e.alias);
    auto exact = std::find_if(found.begin(), found.end(), [&](const Entry* b) { return b->alias == e.alias; });
    if (exact == found.end() && found.size() != 1) differs(e.alias, "the alias");
    Entry back = exact != found.end() ? **exact : *found.front();
    if (back.kind != e.kind) differs(e.alias, "the kind");
    if (back.chain != e.chain) differs(e.alias, "the certificates");
    if (back.created_in_file && back.created_ms != e.created_ms) differs(e.alias, "the date");
    if (e.plain.empty()) continue;
    fmt::open_entry(back, e.key_password ? *e.key_password : target_password);
    if (back.plain != e.plain) differs(e.alias, "the key");
  }
}

}  // namespace

Conversion convert_keystore(const Keystore& source, StoreType target, const Password& source_password, const Password& target_password,
                            const Password* other_key_password, int kdf_iterations) {
  Keystore out(target);
  std::vector<std::string> secret_keys, unopened;
  std::map<std::string, std::vector<std::string>> folded;  // java_lower(alias) -> aliases
  Conversion result;
  for (const Entry& original : source.entries()) {
    Entry e = original;
    if (e.kind == EntryKind::SecretKey) secret_keys.push_back(e.alias);
    folded[java_lower(e.alias)].push_back(e.alias);
    if (e.is_key()) {
      try {
        fmt::change_key_password(e, source_password, target_password);
        e.key_password.reset();  // it shares the store password, as the MID needs its key to
      } catch (const Error& first) {
        if (!is_password_error(first)) throw;
        bool opened = false;
        if (other_key_password) {
          try {
            fmt::change_key_password(e, *other_key_password, *other_key_password);
            opened = true;
          } catch (const Error& second) {
            if (!is_password_error(second)) throw;
          }
        }
        // Still sealed under a password nobody gave: only a store of the same kind can carry it.
        if (!opened) unopened.push_back(e.alias);
        result.own_password.push_back(e.alias);
      }
    }
    out.entries().push_back(std::move(e));
  }
  if (target == StoreType::Jks && !secret_keys.empty())
    fail(ErrorCode::ENTRY_NOT_STORABLE, "a JKS keystore cannot hold secret keys, and this one has " + quoted_list(secret_keys) +
                                            "; convert to jceks, pkcs12 or bcfks instead, or delete them first");
  if (target == StoreType::Pkcs12)
    for (const auto& [lower, aliases] : folded)
      if (aliases.size() > 1)
        fail(ErrorCode::AMBIGUOUS_ALIAS, "PKCS12 keeps aliases in lower case, so " + quoted_list(aliases) +
                                             " would become one entry; delete or rename all but one first");
  Keystore rebuilt(target);
  for (Entry& e : out.entries()) rebuilt.put(std::move(e), Keystore::AliasCase::AsFound);
  // PKCS12 dates keys by their localKeyIds, which must differ: the read-back copy has the dates the
  // file names, and so must the store it is compared with.
  if (target == StoreType::Pkcs12) fmt::make_key_dates_distinct(rebuilt);
  try {
    result.file = fmt::write_keystore(rebuilt, target_password, kdf_iterations);
  } catch (const Error& e) {
    if (e.code_id() != ErrorCode::ENTRY_NOT_STORABLE || unopened.empty()) throw;
    bool one = unopened.size() == 1;
    throw Error(ErrorCode::WRONG_KEY_PASSWORD, std::string(one ? "the key " : "the keys ") + quoted_list(unopened) + (one ? " opens" : " open") +
                                                   " with neither the store password nor the key password given, and " +
                                                   std::string(store_type_name(target)) + " must protect keys its own way (" + e.what() + ")");
  }
  compare_read_back(rebuilt, fmt::read_keystore(result.file, &target_password), target_password);
  result.entries = rebuilt.size();
  return result;
}

PasswordChange change_store_password(Keystore& keystore, const Password& old_password, const Password& new_password) {
  PasswordChange change;
  for (Entry& e : keystore.entries()) {
    if (!e.is_key()) continue;
    try {
      fmt::change_key_password(e, old_password, new_password);
      e.key_password.reset();  // follows the store password again
      change.rekeyed.push_back(e.alias);
    } catch (const Error& err) {
      if (!is_password_error(err)) throw;
      change.own_password.push_back(e.alias);  // sealed as it was, under its own password
    }
  }
  return change;
}

}  // namespace midks
