#include "midks/keystore_transaction.hpp"

#include <boost/filesystem.hpp>

#include "codec.hpp"
#include "midks/cert_info.hpp"
#include "midks/keystore_file.hpp"
#include "midks/ossl.hpp"
#include "midks/platform.hpp"

namespace midks {

namespace fs = boost::filesystem;

namespace {

// The partner write of an update failed with nothing of it in place: the keystore goes back to
// `before` (or away, if the update created it), and the error says which state remains.
[[noreturn]] void put_back(const std::string& path, bool existed, const Bytes& before, std::optional<KeystoreBackup>& backup, const Error& failure,
                           std::vector<std::string>& notes) {
  try {
    if (existed) {
      note_outcome(notes, path, write_file_atomically(path, before, WriteOptions::with_mode(0600)));
    } else if (!platform::remove_file(path)) {
      fail(ErrorCode::FILE_WRITE_FAILED, "cannot remove " + path);
    }
  } catch (const Error& undo) {
    if (backup) backup->commit();
    throw Error(failure.code_id(), std::string(failure.what()) + "; " + path + " was already changed and could not be put back (" + undo.what() +
                                       "): it holds the change" + (backup && !backup->path().empty() ? ", its previous version is " + backup->path() : ""));
  }
  throw Error(failure.code_id(), std::string(failure.what()) + "; " + path + " was put back as it was, so nothing changed");
}

}  // namespace

KeystoreUpdate update_keystore(const std::string& path, const Password& store_password, StoreType new_type,
                               const std::function<bool(Keystore&)>& change, const BackupPolicy& backups, int lock_timeout_s,
                               const Password* new_store_password, const std::function<void()>& along_with) {
  fs::path dir = fs::path(path).parent_path();
  if (!dir.empty()) platform::create_folders(dir.string(), 0700);
  platform::FolderLock lock(path, path, lock_timeout_s);
  bool exists = platform::exists(path);
  Bytes before = exists ? read_file(path, limits::kMaxKeystoreFileBytes, Readable::RegularFileOnly) : Bytes{};
  Keystore ks = [&] {
    if (!exists) return Keystore(new_type);
    try {
      return fmt::read_keystore(before, &store_password);
    } catch (const Error& e) {
      // Marked here, where the store itself is opened: a password error from `change` (a key's
      // own password, a bundle's passphrase) is a different error.
      if (e.kind() == ErrorKind::Password) throw e.recoded(ErrorCode::WRONG_STORE_PASSWORD).with_context(path);
      throw e.with_context(path);
    }
  }();
  std::vector<std::string> aliases_before = ks.aliases();
  KeystoreUpdate update;
  if (!change(ks)) return update;
  std::optional<KeystoreBackup> backup;
  if (exists) backup.emplace(path, before, aliases_before, backups, now_ms());
  std::optional<Error> not_durable;
  try {
    note_outcome(update.notes, path, save_keystore(path, ks, new_store_password ? *new_store_password : store_password));
  } catch (const Error& e) {
    if (e.code_id() != ErrorCode::NOT_DURABLE) throw;  // nothing changed: the backup goes again
    not_durable = e;
  }
  if (along_with) {
    try {
      along_with();
    } catch (const Error& e) {
      if (e.code_id() != ErrorCode::NOT_DURABLE) put_back(path, exists, before, backup, e, update.notes);
      // The partner's new file is in place, only not confirmed on the disk: the keystore stays
      // changed with it, and the command says that neither may have reached the disk yet.
      not_durable = not_durable ? Error(ErrorCode::NOT_DURABLE, std::string(not_durable->what()) + "; " + e.what()) : e;
    }
  }
  if (backup) {
    if (std::string why = backup->commit(); !why.empty()) update.notes.push_back(why);
    update.backup = backup->path();
  }
  if (not_durable) throw *not_durable;
  update.written = true;
  return update;
}

bool same_public_key(const Bytes& cert_a, const Bytes& cert_b) {
  try {
    ossl::X509Ptr a = ossl::parse_cert_der(cert_a), b = ossl::parse_cert_der(cert_b);
    return EVP_PKEY_eq(X509_get0_pubkey(a.get()), X509_get0_pubkey(b.get())) == 1;
  } catch (const Error&) {
    return false;  // an old certificate we cannot read does not stop its replacement
  }
}

PutResult put_key_entry(Keystore& keystore, Entry entry, const Password& store_password) {
  PutResult result;
  if (const Entry* old = keystore.find(entry.alias); old && old->kind == EntryKind::PrivateKey && !old->chain.empty()) {
    if (old->chain == entry.chain) {
      Entry opened = *old;
      try {
        fmt::open_entry(opened, store_password);
        if (opened.plain == entry.plain) return {old->alias, false, false};
      } catch (const Error&) {
        // A key that does not open with the store password is replaced, as any other would be.
      }
    }
    result.replaced_key = !same_public_key(old->chain.front(), entry.chain.front());
  }
  result.alias = keystore.put(std::move(entry)).alias;
  result.changed = true;
  return result;
}

Entry make_key_entry(const std::string& alias, ImportedKey&& key) {
  Entry e;
  e.kind = EntryKind::PrivateKey;
  e.alias = alias;
  e.created_ms = now_ms();
  e.plain = std::move(key.pkcs8);
  e.chain = std::move(key.chain);
  return e;
}

}  // namespace midks
