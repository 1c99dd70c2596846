// How to fix each error and finding, in the command line's words: the one table of hints. The
// engine throws codes and facts; this says what the user can do. The switches have no default, so
// a new code without a fix does not compile (-Wswitch, -Werror).
#include "fixes.hpp"

#include "midks/bundle.hpp"

namespace midks::cli {

std::string_view fix_for(ErrorCode code) {
  switch (code) {
    case ErrorCode::USAGE: return "see manage-certificates --help, and manage-certificates <command> --help";
    case ErrorCode::SECRET_UNAVAILABLE:
      return "set the environment variable or fix the file named, or pass the secret another way (-env, -file or -prompt)";
    case ErrorCode::ALIAS_INVALID: return "aliases are text, e.g. defaultsecuritykeypairhandle";
    case ErrorCode::SUBJECT_INVALID:
      return "write the subject like CN=mid01,O=Acme,C=US (fields CN, O, OU, L, ST, C) and names like DNS:host or IP:10.0.0.1";
    case ErrorCode::KEY_TYPE_UNKNOWN: return "use rsa2048, rsa3072, rsa4096, ec256 or ec384 (the MID supports RSA 2048 or more)";
    case ErrorCode::URL_INVALID: return "give the instance's address, e.g. https://acme.service-now.com, and a proxy as host:port";
    case ErrorCode::NO_AGENT_FOLDER: return "run from the MID's agent folder, or pass the right --agent-dir (or --keystore)";
    case ErrorCode::NOT_A_KEYSTORE:
      return "check the path: a keystore is JKS, JCEKS, PKCS#12 or BCFKS; an empty file can be restored from security_backup/ or "
             "deleted to start a new one";
    case ErrorCode::KEYSTORE_TRUNCATED:
      return "the file is incomplete: restore it from security_backup/ (or the copy it came from) and check the disk it is on";
    case ErrorCode::KEYSTORE_CORRUPT:
      return "the file is damaged or was not written by Java: restore it from security_backup/; keytool refuses it too";
    case ErrorCode::DER_MALFORMED: return "the file is damaged: export or copy it again from its source";
    case ErrorCode::UNSUPPORTED_ALGORITHM:
      return "open the entry with keytool and store it again with a standard algorithm (keytool -importkeystore into PKCS12)";
    case ErrorCode::ENTRY_NOT_STORABLE:
      return "choose a keystore type that can hold the entry (PKCS12 or JCEKS), or open its key with its password first";
    case ErrorCode::ITERATIONS_TOO_HIGH:
      return "no genuine export needs that many: export the key or PFX again with the usual settings (openssl pkcs12 -export; "
             "certutil -exportpfx)";
    case ErrorCode::FILE_TOO_LARGE: return "check the path: is this the file you meant?";
    case ErrorCode::NO_SUCH_ENTRY: return "list the aliases with -l";
    case ErrorCode::NOT_A_KEY_ENTRY: return "name a key entry (PrivateKeyEntry in -l --long), or import one with -a";
    case ErrorCode::AMBIGUOUS_ALIAS:
      return "nothing was changed; keep one of them with keytool -storetype CaseExactJKS -delete -alias <the other>";
    case ErrorCode::PASSWORD_NOT_ENCODABLE:
      return "choose a password of printable ASCII characters (Java opens JCEKS keys and PKCS12 keystores under nothing else), "
             "or use a JKS keystore";
    case ErrorCode::PEM_DAMAGED: return "copy the block again from its source, whole; do not edit it by hand";
    case ErrorCode::NOT_A_CERTIFICATE:
      return "a CSR is what you send to the CA: give the certificate it issued (-----BEGIN CERTIFICATE-----) instead";
    case ErrorCode::CERTIFICATE_INVALID: return "export the certificate again from its source (PEM or DER X.509)";
    case ErrorCode::KEY_UNREADABLE: return "give the private key generated with the CSR, unchanged (PEM or DER, PKCS#1, PKCS#8 or SEC1)";
    case ErrorCode::PKCS12_CORRUPT: return "the PFX is damaged or incomplete: export it again (certutil -exportpfx, openssl pkcs12 -export)";
    case ErrorCode::NOT_RECOGNIZED:
      return "give the certificate chain and private key as PEM (-----BEGIN ...-----), DER or a PFX/PKCS#12 file";
    case ErrorCode::EMPTY_INPUT: return "check the path: the file holds no certificate or key";
    case ErrorCode::NO_CERTIFICATE:
      return "add the certificate your CA issued (and its chain) to the bundle, or pass them as further files";
    case ErrorCode::NO_PRIVATE_KEY:
      return "add the private key generated with the CSR (-----BEGIN PRIVATE KEY-----), or pass its file too";
    case ErrorCode::NO_LEAF: return "add the MID's own certificate (the one issued for its CSR)";
    case ErrorCode::MULTIPLE_KEYS: return "keep only the key that belongs to the certificate";
    case ErrorCode::MULTIPLE_LEAVES: return "keep only the MID's certificate and its CA chain in the bundle";
    case ErrorCode::KEY_MISMATCH:
      return "use the key generated with this certificate's CSR, or the certificate issued for this key; compare with "
             "openssl x509 -noout -pubkey and openssl pkey -pubout";
    case ErrorCode::SIGNATURE_INVALID: return "the chain was altered or mixed up: get the CA certificates again from the issuing CA";
    case ErrorCode::BUNDLE_REFUSED:
      return "correct what is listed above, or, if you understand the risk, pass --force (every finding is still printed)";
    case ErrorCode::NOTHING_TO_SPLIT: return "give a bundle with certificates, or a key entry that has its chain";
    case ErrorCode::RENEWAL_NO_ENTRY: return "renew an existing key entry (list them with -l), or import a new one with -a";
    case ErrorCode::RENEWAL_NOT_NEWER: return "give the renewed certificate: it must expire after the current one";
    case ErrorCode::NO_MID_KEY: return "import the bundle first: -a defaultsecuritykeypairhandle <bundle.pem>";
    case ErrorCode::MID_KEY_NOT_PRIVATE:
      return "delete it with -d defaultsecuritykeypairhandle, then import the bundle: -a defaultsecuritykeypairhandle <bundle.pem>";
    case ErrorCode::MID_KEY_PASSWORD: return "import the bundle again with -a, which protects the key with the store password";
    case ErrorCode::MID_KEY_IN_USE:
      return "switch to basic authentication first (-b <user>), or import the replacement (-a defaultsecuritykeypairhandle "
             "<bundle>) instead; --force removes it anyway";
    case ErrorCode::CONFIG_INVALID: return "fix config.xml by hand or restore it from its .bak copy; it was not changed";
    case ErrorCode::CONFIG_UNEDITABLE: return "edit the parameter by hand in a text editor, or restore a clean config.xml";
    case ErrorCode::TRUST_STORE_UNREADABLE: return "give a PEM file of CA certificates with --server-ca";
    case ErrorCode::FILE_NOT_FOUND: return "check the path";
    case ErrorCode::FILE_UNREADABLE: return "check the path and that this user may read it";
    case ErrorCode::FILE_WRITE_FAILED: return "check free space and that this user may write to the folder";
    case ErrorCode::FILE_EXISTS: return "choose another name, or pass --force (the old file is kept as <name>.bak)";
    case ErrorCode::READ_ONLY: return "make it writable for this user (chmod u+w), or run as its owner";
    case ErrorCode::NO_KEYSTORE:
      return "import a PEM bundle with: manage-certificates -a <alias> <bundle.pem>, or point --agent-dir or --keystore at it";
    case ErrorCode::NO_CONFIG_XML: return "run from the MID's agent folder, or pass --agent-dir or --config";
    case ErrorCode::LOCK_TIMEOUT: return "wait for the other manage-certificates (or the MID Server's own update) to finish, then retry";
    case ErrorCode::LOCK_FAILED: return "check that this user may open the keystore's folder";
    case ErrorCode::CREATE_FOLDER_FAILED: return "check that this user may write to the folder above it";
    case ErrorCode::BACKUP_FAILED:
      return "make security_backup/ in the agent folder writable for this user; nothing is changed without a backup";
    case ErrorCode::OWNER_NOT_KEPT: return "run as the file's owner (the MID's user) or as root, so that the MID can still read it";
    case ErrorCode::NOT_DURABLE: return "check the disk (space, I/O errors in the system log), then run the command again: it is safe to repeat";
    case ErrorCode::UNSAFE_LINK: return "replace the link by the file itself (as the MID's user), or pass the real path if the target is meant";
    case ErrorCode::CONFIG_CHANGED: return "stop whatever edits config.xml (the MID itself at start-up, an installer), then run the command again";
    case ErrorCode::NOT_A_FILE: return "pass a regular file; to read a bundle from a pipe, give - and pipe it to the standard input";
    case ErrorCode::WRONG_STORE_PASSWORD:
      return "pass the keystore's password with --storepass-env VAR, --storepass-file FILE or --storepass-prompt";
    case ErrorCode::WRONG_KEY_PASSWORD: return "the entry has its own key password: open it with keytool -keypass, or import it again";
    case ErrorCode::STORE_PASSWORD_NEEDED:
      return "pass the keystore's password with --storepass-env VAR, --storepass-file FILE or --storepass-prompt";
    case ErrorCode::PASSPHRASE_NEEDED:
      return "pass the passphrase with --keypass-env VAR, --keypass-file FILE or --keypass-prompt";
    case ErrorCode::PASSPHRASE_WRONG:
      return "check the passphrase (--keypass-env VAR, --keypass-file FILE or --keypass-prompt); a PFX without one takes an "
             "empty passphrase";
    case ErrorCode::INTERNAL: return "this is a bug or a broken library: report it with the command and this message";
  }
  return {};
}

std::string fix_of(const Error& e) { return e.hint().empty() ? std::string(fix_for(e.code_id())) : e.hint(); }

std::string_view fix_for(FindingCode code) {
  switch (code) {
    case FindingCode::CHAIN_BROKEN: return "add the intermediate CA certificate(s) between the leaf and the root";
    case FindingCode::SELF_SIGNED_LEAF:
      return "MID mutual authentication does not support self-signed certificates; have it issued by your private or commercial CA";
    case FindingCode::LEAF_NOT_CLIENT_AUTH:
      return "request a certificate with extendedKeyUsage = clientAuth (a client-authentication template in ADCS)";
    case FindingCode::LEAF_KEY_USAGE: return "request a certificate with keyUsage = digitalSignature, keyEncipherment";
    case FindingCode::ISSUER_NOT_CA:
      return "the chain must be made of CA certificates above the leaf; get the CA chain from your PKI administrator";
    case FindingCode::EXPIRED:
      return "renew the certificate (new CSR, Step 1-2) and import the new bundle; for an expired CA certificate, get the renewed one "
             "from your PKI administrator";
    case FindingCode::NOT_YET_VALID: return "check the clock of this host and of the CA; import it once it is valid";
    case FindingCode::WEAK_KEY: return "issue a new certificate for an RSA key of 2048 bits or more";
    case FindingCode::ROOT_MISSING: return "append the root CA certificate to the bundle";
    case FindingCode::EXPIRES_SOON: return "plan the renewal now: the MID goes Down when it expires";
    case FindingCode::NON_RSA_KEY: return "if the MID refuses the certificate, issue one for an RSA 2048 key";
    case FindingCode::UNRELATED_CERTIFICATE: return "nothing to do: it was left out; remove it from the files to silence this";
    case FindingCode::MID_KEY_REPLACED:
      return "invalidate and re-validate the MID Server on the instance so that it trusts the new key; the previous keystore is in "
             "security_backup/ (see its keystore_backup_audit_trail.log)";
    case FindingCode::FIPS_KEYSTORE_TYPE:
      return "convert the keystore to BCFKS (manage-certificates convert NEW --to bcfks), check it, move it over the old one (keep the "
             "original), and restart the MID Server";
  }
  return {};
}

std::string fix_of(const Finding& f) { return f.hint.empty() ? std::string(fix_for(f.code)) : f.hint; }

std::string refusal_message(const ImportRefused& refused) {
  std::string s = refused.what_was_refused() + ":";
  for (const Finding& f : refused.findings())
    if (f.severity() == Severity::Refusable) s += "\n  - [" + f.name() + "] " + f.message + "\n    fix: " + fix_of(f);
  return s;
}

const std::vector<DoctorCheck>& doctor_checks() {
  using enum FindingCode;
  static const std::vector<DoctorCheck> checks = {
      {"the chain is complete up to a self-signed root", {CHAIN_BROKEN, ROOT_MISSING, UNRELATED_CERTIFICATE}},
      {"the leaf is issued by a CA (self-signed is not supported)", {SELF_SIGNED_LEAF}},
      {"the leaf allows TLS client authentication", {LEAF_NOT_CLIENT_AUTH, LEAF_KEY_USAGE}},
      {"every issuer is a CA certificate", {ISSUER_NOT_CA}},
      {"every certificate is valid today", {EXPIRED, NOT_YET_VALID, EXPIRES_SOON}},
      {"the key is RSA 2048 or more, as the MID requires", {WEAK_KEY, NON_RSA_KEY}},
  };
  return checks;
}

}  // namespace midks::cli
