// Bundle import: whatever certificate/key files an admin has -> one validated key entry
// (PKCS#8 key + chain ordered leaf -> intermediates -> root). Pure: writes nothing anywhere.
#pragma once
#include <ctime>
#include <span>
#include <string>
#include <vector>

#include "midks/cert_info.hpp"
#include "midks/error.hpp"
#include "midks/finding.hpp"
#include "midks/secure.hpp"

namespace midks {

struct BundleFile {
  std::string name;
  SecureBytes data;  // may hold a private key: wiped however the import ends
};

struct ImportOptions {
  const Password* passphrase = nullptr;  // for encrypted keys and PFX files
  bool force = false;                    // import despite Refusable findings
  std::time_t now = 0;                   // 0: the current time
  int expiry_warn_days = 30;
  const SecureBytes* existing_key = nullptr;  // PKCS#8 to pair with when the files hold no key (renewal)
  bool certificates_only = false;             // no key anywhere: the leaf is the one non-CA certificate
  // Renewal: CA certificates from outside the files (the entry's current chain) that may complete
  // the chain the files start. The files' own come first; each link is still proved by signature,
  // and those not needed are left out without a finding.
  std::span<const Bytes> known_issuers;
  // Where known_issuers come from, and the fix for a chain that still ends below its root (the
  // caller's, for ROOT_MISSING's hint; none: the fix table's).
  const char* known_issuers_origin = "the entry's current chain";
  const char* known_issuers_fix = "pass the issuing CA certificates, up to the root, with the renewed certificate";
};

struct ImportedKey {
  SecureBytes pkcs8;                    // empty with certificates_only
  std::vector<Bytes> chain;             // DER, leaf first
  CertFacts leaf;                       // chain.front(), described
  std::vector<Finding> findings;        // warnings (and, when forced, the refusable findings)
  std::vector<std::string> notes;       // what was normalised on the way
};

// Thrown when Refusable findings block an import: BUNDLE_REFUSED, each finding with its own code.
// Its message lists the refusable findings without fixes; the command line adds its own.
class ImportRefused : public Error {
 public:
  explicit ImportRefused(std::vector<Finding> findings);
  // what_was_refused: "the bundle was not imported".
  ImportRefused(std::vector<Finding> findings, const std::string& what_was_refused);
  const std::vector<Finding>& findings() const { return findings_; }
  const std::string& what_was_refused() const { return what_was_refused_; }

 private:
  std::vector<Finding> findings_;
  std::string what_was_refused_;
};

// Throws Error with a code (KEY_MISMATCH, MULTIPLE_KEYS, NO_PRIVATE_KEY, NO_CERTIFICATE,
// SIGNATURE_INVALID, and the parser's codes) for what can never be imported, ImportRefused for
// what needs --force.
ImportedKey import_bundle(const std::vector<BundleFile>& files, const ImportOptions& options);
ImportedKey import_bundle_files(const std::vector<std::string>& paths, const ImportOptions& options);

// The distinct certificates of bundle files (keys in them are not looked at): -a's trusted entries.
std::vector<Bytes> bundle_certificates(const std::vector<std::string>& paths, const Password* passphrase);

// Whether a PKCS#8 private key is the key of a DER certificate.
bool key_matches_certificate(const SecureBytes& pkcs8, const Bytes& cert_der);

// The checks on an ordered chain (leaf first) alone; also what `doctor` runs on a keystore entry.
std::vector<Finding> validate_chain(const std::vector<Bytes>& chain, const ImportOptions& options);

}  // namespace midks
