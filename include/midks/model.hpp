// The keystore model: named entries as Java's KeyStore sees them. Formats fill it and write it.
#pragma once
#include <cstdint>
#include <ctime>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "midks/secure.hpp"

namespace midks {

enum class StoreType { Jks, Jceks, Pkcs12, Bcfks };
std::string_view store_type_name(StoreType type);  // "JKS", "JCEKS", "PKCS12", "BCFKS" as keytool prints them

enum class EntryKind { PrivateKey, TrustedCert, SecretKey };
std::string_view entry_kind_name(EntryKind kind);  // "PrivateKeyEntry", … as keytool prints them

// How an entry's key material was protected in the file it came from. Kept so that a store can be
// rewritten without knowing every key's password (keytool -list never needs them either).
enum class SealFormat {
  None,
  EncryptedPrivateKeyInfo,  // DER EncryptedPrivateKeyInfo: JKS, JCEKS and PKCS#12 key entries
  JavaSealedObject,         // JCEKS secret key: serialized SealedObjectForKeyProtector, verbatim
  Pkcs12SecretBag,          // PKCS#12 secret key: the secretBag's secretValue DER, verbatim
  BcfksPrivateKey,          // BCFKS key: its EncryptedPrivateKeyInfo (PBES2, BC's PBKDF2 input, AES-CCM/KWP), verbatim
  BcfksSecretKey,           // BCFKS secret key: its EncryptedSecretKeyData DER, verbatim
};

struct Entry {
  std::string alias;
  EntryKind kind = EntryKind::TrustedCert;
  std::int64_t created_ms = 0;  // creation date, milliseconds since the epoch (Java's Date)
  bool created_in_file = true;  // false: the file stores no date (PKCS#12 without "Time …"), so it is the load time

  // DER certificates. Private-key entry: the chain, leaf first. Trusted entry: exactly one.
  std::vector<Bytes> chain;

  // Private key: PKCS#8 PrivateKeyInfo DER. Secret key: the raw key bytes. Empty while still sealed.
  SecureBytes plain;
  Bytes sealed;
  SealFormat sealed_as = SealFormat::None;
  std::string secret_algorithm;  // secret key: Java's algorithm name ("AES"), when known

  // Set only when this entry's key password differs from the store password.
  std::optional<Password> key_password;

  bool is_key() const { return kind != EntryKind::TrustedCert; }
};

// The current time as Java's Date holds it: milliseconds since the epoch.
// The engine's clock, in milliseconds since the epoch. MIDKS_TEST_NOW (epoch seconds) pins it:
// for tests only, so that fixtures are judged the same in any year.
std::int64_t now_ms();
inline std::time_t now_s() { return static_cast<std::time_t>(now_ms() / 1000); }

// Java's alias.toLowerCase(Locale.ENGLISH) for UTF-8 text (Unicode simple case mapping).
std::string java_lower(std::string_view utf8);

// Why a new alias cannot be used (empty, not UTF-8, control characters), or "" if it can.
std::string alias_problem(std::string_view alias);

class Keystore {
 public:
  explicit Keystore(StoreType type = StoreType::Jks) : type_(type) {}

  StoreType type() const { return type_; }
  void set_type(StoreType type) { type_ = type; }

  // False when loaded without a password: the integrity check was skipped (keytool warns too).
  bool integrity_verified() const { return integrity_verified_; }
  void set_integrity_verified(bool v) { integrity_verified_ = v; }

  const std::vector<Entry>& entries() const { return entries_; }
  std::vector<Entry>& entries() { return entries_; }  // do not change aliases through this
  bool empty() const { return entries_.empty(); }
  std::size_t size() const { return entries_.size(); }

  // Aliases match case-insensitively, as keytool does for every store type. A store written by
  // keytool's CaseExactJKS (or by hand) can hold "MidKey" and "midkey" side by side: an alias that
  // matches both is refused (AMBIGUOUS_ALIAS, naming both), never resolved to one of them.
  Entry* find(std::string_view alias);
  const Entry* find(std::string_view alias) const;
  std::vector<const Entry*> matching(std::string_view alias) const;  // every case-insensitive match

  // Adds or replaces an entry. Java lower-cases aliases when it stores an entry in any of the
  // three formats; when it loads JKS and JCEKS it keeps the case found in the file (entries that
  // differ only in case stay apart), PKCS#12 lower-cases. AliasCase::AsFound is for loading: it
  // replaces only an entry with exactly the same alias.
  enum class AliasCase { Lower, AsFound };
  Entry& put(Entry entry, AliasCase alias_case = AliasCase::Lower);
  bool remove(std::string_view alias);         // case-insensitive, refuses ambiguity
  bool remove_exact(std::string_view alias);   // exactly this alias (as aliases() lists it)
  // Every entry whose alias is exactly one of these, in one pass and one index rebuild (removing
  // them one by one rebuilds the index per entry: quadratic for -r on a large store). Returns how
  // many were removed.
  std::size_t remove_exact(const std::vector<std::string>& aliases);

  // How often the alias index was rebuilt from scratch: lets tests hold removals to one rebuild.
  std::size_t index_rebuilds() const { return index_rebuilds_; }

  std::vector<std::string> aliases() const;

 private:
  StoreType type_;
  bool integrity_verified_ = true;
  std::vector<Entry> entries_;
  void reindex();
  std::size_t index_rebuilds_ = 0;
  std::unordered_multimap<std::string, std::size_t> index_;  // java_lower(alias) -> positions in entries_
};

}  // namespace midks
