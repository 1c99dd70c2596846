#include "midks/bundle.hpp"

#include <openssl/evp.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

#include "midks/cert_info.hpp"
#include "midks/keystore_file.hpp"
#include "midks/limits.hpp"
#include "midks/ossl.hpp"
#include "pem_bundle.hpp"
#include "pkcs8.hpp"

namespace midks {

namespace {

std::string summarise(const std::vector<Finding>& findings, const std::string& what_was_refused) {
  std::string s = what_was_refused + ":";
  for (const Finding& f : findings)
    if (f.severity() == Severity::Refusable) s += "\n  - [" + f.name() + "] " + f.message;
  return s;
}

struct Cert {
  Bytes der;
  ossl::X509Ptr x509;
  CertFacts facts;
};

// Parses once (or adopts what the bundle reader parsed); every later question is asked of the
// parsed certificate.
Cert make_cert(const Bytes& der, ossl::X509Ptr parsed = nullptr) {
  ossl::X509Ptr x = parsed ? std::move(parsed) : ossl::parse_cert_der(der);
  CertFacts facts = describe_certificate(x.get());
  return Cert{der, std::move(x), std::move(facts)};
}

std::string name_of(const Cert& c) { return "'" + c.facts.subject_display + "'"; }

std::string day(std::time_t t) { return utc_text(t, "%Y-%m-%d"); }

bool signed_by(const Cert& child, const Cert& issuer) {
  bool ok = X509_verify(child.x509.get(), X509_get0_pubkey(issuer.x509.get())) == 1;
  ossl::drain_errors();
  return ok;
}

bool self_issued(const Cert& c) {
  return X509_NAME_cmp(X509_get_subject_name(c.x509.get()), X509_get_issuer_name(c.x509.get())) == 0;
}

std::string public_key_fingerprint(const EVP_PKEY* key) { return fingerprint(ossl::to_der(key, i2d_PUBKEY), "SHA256"); }

ossl::PkeyPtr key_of(const SecureBytes& pkcs8) { return fmt::private_key_from_pkcs8(pkcs8.view()); }

}  // namespace

bool key_matches_certificate(const SecureBytes& pkcs8, const Bytes& cert_der) {
  ossl::X509Ptr cert = ossl::parse_cert_der(cert_der);
  bool match = EVP_PKEY_eq(X509_get0_pubkey(cert.get()), key_of(pkcs8).get()) == 1;
  ossl::drain_errors();
  return match;
}

ImportRefused::ImportRefused(std::vector<Finding> findings) : ImportRefused(std::move(findings), "the bundle was not imported") {}

ImportRefused::ImportRefused(std::vector<Finding> findings, const std::string& what_was_refused)
    : Error(ErrorCode::BUNDLE_REFUSED, summarise(findings, what_was_refused)), findings_(std::move(findings)), what_was_refused_(what_was_refused) {}

namespace {
// Where a missing issuer was looked for, so that the findings say it truthfully.
struct Sources {
  std::string where;     // "the bundle"
  std::string add_root;  // the caller's fix for ROOT_MISSING; empty: the fix table's
};
const Sources kBundle{"the bundle", {}};
std::vector<Finding> validate_certs(const std::vector<const Cert*>& chain, const ImportOptions& options, const Sources& sources);
}  // namespace

std::vector<Finding> validate_chain(const std::vector<Bytes>& chain, const ImportOptions& options) {
  std::vector<Cert> certs;
  for (const Bytes& der : chain) certs.push_back(make_cert(der));
  std::vector<const Cert*> ptrs;
  for (const Cert& c : certs) ptrs.push_back(&c);
  return validate_certs(ptrs, options, Sources{"the chain", {}});
}

namespace {

std::vector<Finding> validate_certs(const std::vector<const Cert*>& chain, const ImportOptions& options, const Sources& sources) {
  std::vector<Finding> out;
  if (chain.empty()) return out;
  std::time_t now = options.now ? options.now : now_s();
  auto add = [&](FindingCode code, std::string message, std::string hint = {}) {
    out.push_back(Finding{code, std::move(message), std::move(hint)});
  };
  const std::vector<const Cert*>& certs = chain;
  const Cert& leaf = *certs.front();
  X509* lx = leaf.x509.get();
  std::uint32_t flags = X509_get_extension_flags(lx);

  if (self_issued(leaf) && signed_by(leaf, leaf))
    add(FindingCode::SELF_SIGNED_LEAF, "the certificate " + name_of(leaf) + " is self-signed");
  if ((flags & EXFLAG_XKUSAGE) && !(X509_get_extended_key_usage(lx) & (XKU_SSL_CLIENT | XKU_ANYEKU)))
    add(FindingCode::LEAF_NOT_CLIENT_AUTH,
        "the certificate " + name_of(leaf) + " has an extended key usage without Client Authentication (1.3.6.1.5.5.7.3.2)");
  if ((flags & EXFLAG_KUSAGE) && !(X509_get_key_usage(lx) & KU_DIGITAL_SIGNATURE))
    add(FindingCode::LEAF_KEY_USAGE, "the certificate " + name_of(leaf) + " has a key usage without digitalSignature");
  for (std::size_t i = 1; i < certs.size(); ++i)
    if (X509_check_ca(certs[i]->x509.get()) == 0)
      add(FindingCode::ISSUER_NOT_CA, "the issuing certificate " + name_of(*certs[i]) + " is not a CA (basicConstraints CA:TRUE missing)");
  for (const Cert* c : certs) {
    if (c->facts.not_after < now)
      add(FindingCode::EXPIRED, std::string(c->x509.get() == lx ? "the certificate " : "the CA certificate ") + name_of(*c) + " expired on " +
                                    day(c->facts.not_after));
    else if (c->facts.not_before > now)
      add(FindingCode::NOT_YET_VALID, "the certificate " + name_of(*c) + " is not valid before " + day(c->facts.not_before));
  }
  if (leaf.facts.not_after >= now && leaf.facts.not_after - now < static_cast<std::time_t>(options.expiry_warn_days) * 86400)
    add(FindingCode::EXPIRES_SOON, "the certificate " + name_of(leaf) + " expires on " + day(leaf.facts.not_after) + ", in " +
                                       std::to_string((leaf.facts.not_after - now) / 86400) + " day(s)");
  // ServiceNow documents RSA 2048 as what MID mutual authentication validates: shorter RSA keys
  // fail at MID start-up ("Insufficient key length"); other algorithms are not supported there.
  for (const Cert* c : certs)
    if (c->facts.key_algorithm == "RSA" && c->facts.key_bits < 2048)
      add(FindingCode::WEAK_KEY, "the certificate " + name_of(*c) + " has a " + std::to_string(c->facts.key_bits) +
                                     "-bit RSA key; the MID refuses keys under 2048 bits ('Insufficient key length')");
  if (leaf.facts.key_algorithm != "RSA")
    add(FindingCode::NON_RSA_KEY,
        "the key of " + name_of(leaf) + " is " + leaf.facts.key_algorithm +
            "; Java accepts it for TLS, but ServiceNow documents RSA (2048 bits) as the only key algorithm MID mutual authentication supports");
  const Cert& top = *certs.back();
  if (!self_issued(top))
    add(FindingCode::ROOT_MISSING,
        "the chain ends at " + name_of(top) + ", whose issuer '" + top.facts.issuer_display + "' is not in " + sources.where +
            "; the instance needs the full chain up to the root",
        sources.add_root);
  return out;
}

}  // namespace

ImportedKey import_bundle(const std::vector<BundleFile>& files, const ImportOptions& options) {
  fmt::BundleItems items;
  for (const BundleFile& f : files) fmt::parse_bundle_file(f.data.view(), f.name, options.passphrase, items);

  ImportedKey result;
  result.notes = std::move(items.notes);

  // Certificates: drop duplicates, keep the first place each was met.
  // A set of the DER seen so far: comparing each with every kept one is quadratic in a large bundle.
  std::vector<Cert> certs;
  std::unordered_set<std::string_view> seen;
  const auto view = [](const Bytes& der) { return std::string_view(reinterpret_cast<const char*>(der.data()), der.size()); };
  for (std::size_t i = 0; i < items.certs.size(); ++i) {
    const Bytes& der = items.certs[i];
    if (!seen.insert(view(der)).second) continue;
    certs.push_back(make_cert(der, i < items.parsed_certs.size() ? std::move(items.parsed_certs[i]) : nullptr));
  }
  if (certs.size() < items.certs.size())
    result.notes.push_back("dropped " + std::to_string(items.certs.size() - certs.size()) + " duplicate certificate(s)");
  // Issuers from outside the files go after the files' own, which therefore win; only the files'
  // certificates can be the leaf or be left over. Appended now: pointers into certs follow.
  const std::size_t given = certs.size();
  for (const Bytes& der : options.known_issuers)
    if (seen.insert(view(der)).second) certs.push_back(make_cert(der));
  std::span<Cert> files_certs(certs.data(), given);
  const Sources sources = options.known_issuers.empty()
                              ? kBundle
                              : Sources{std::string("the files given or ") + options.known_issuers_origin, options.known_issuers_fix};
  std::vector<fmt::BundleKey> keys;
  for (fmt::BundleKey& k : items.keys)
    if (std::none_of(keys.begin(), keys.end(), [&](const fmt::BundleKey& o) { return o.pkcs8 == k.pkcs8; })) keys.push_back(std::move(k));

  if (given == 0)
    fail(ErrorCode::NO_CERTIFICATE, "the bundle holds no certificate");
  if (keys.empty() && options.existing_key) keys.push_back(fmt::BundleKey{SecureBytes(*options.existing_key), "existing key", "the existing key entry", nullptr});
  if (keys.empty() && !options.certificates_only)
    fail(ErrorCode::NO_PRIVATE_KEY, "the bundle holds no private key");
  if (keys.size() > 1) {
    std::string where;
    for (const auto& k : keys) where += (where.empty() ? "" : ", ") + k.origin;
    fail(ErrorCode::MULTIPLE_KEYS, "the bundle holds " + std::to_string(keys.size()) + " different private keys (" + where + ")");
  }

  // The leaf is the certificate of the key; with several (renewals of one key), the newest.
  // Without a key, it is the one certificate that is not a CA.
  Cert* leaf = nullptr;
  if (keys.empty()) {
    for (Cert& c : files_certs)
      if (X509_check_ca(c.x509.get()) == 0) {
        if (leaf)
          fail(ErrorCode::MULTIPLE_LEAVES, "the bundle holds more than one end-entity certificate (" + name_of(*leaf) + ", " +
                         name_of(c) + ") and no key to tell which is meant");
        leaf = &c;
      }
    ossl::drain_errors();
    if (!leaf)
      fail(ErrorCode::NO_LEAF, "every certificate in the bundle is a CA certificate; there is no leaf");
  } else {
    ossl::PkeyPtr parsed_key = keys.front().key ? nullptr : key_of(keys.front().pkcs8);
    EVP_PKEY* key = keys.front().key ? keys.front().key.get() : parsed_key.get();
    for (Cert& c : files_certs)
      if (EVP_PKEY_eq(X509_get0_pubkey(c.x509.get()), key) == 1 && (!leaf || c.facts.not_before > leaf->facts.not_before))
        leaf = &c;
    ossl::drain_errors();
    if (!leaf) {
      const Cert* likely = &files_certs.front();
      for (const Cert& c : files_certs)
        if (X509_check_ca(c.x509.get()) == 0) {
          likely = &c;
          break;
        }
      fail(ErrorCode::KEY_MISMATCH, "the private key (public key SHA-256 " + public_key_fingerprint(key) + ") matches none of the " +
                     std::to_string(given) + " certificate(s); " + name_of(*likely) + " (SHA-256 " + likely->facts.sha256 +
                     ") belongs to " + (options.existing_key && items.keys.empty() ? "another key than the existing entry's" : "another key"));
    }
  }

  // Order: leaf, then each issuer found by name/key identifier and proved by its signature.
  std::vector<const Cert*> chain{leaf};
  const Cert* rekeyed = nullptr;  // a known issuer with the top's issuer name but another key
  std::vector<bool> used(certs.size(), false);
  used[static_cast<std::size_t>(leaf - certs.data())] = true;
  // Candidates by the hash of their subject name (X509_check_issued and X509_NAME_cmp need the
  // names equal, so equal canonical hashes): each step looks at its few namesakes, not at every
  // certificate, which made a long chain in a large bundle quadratic. Kept in bundle order.
  const auto name_hash = [](const X509_NAME* name, bool& ok) {
    int good = 0;
    unsigned long h = X509_NAME_hash_ex(name, nullptr, nullptr, &good);
    ok = good == 1;
    return h;
  };
  std::unordered_map<unsigned long, std::vector<std::size_t>> by_subject;
  std::vector<std::size_t> unhashed;  // a name OpenSSL cannot hash: a candidate at every step
  for (std::size_t i = 0; i < certs.size(); ++i) {
    bool ok = false;
    unsigned long h = name_hash(X509_get_subject_name(certs[i].x509.get()), ok);
    (ok ? by_subject[h] : unhashed).push_back(i);
  }
  ossl::drain_errors();
  std::vector<std::size_t> candidates;
  for (;;) {
    const Cert& current = *chain.back();
    rekeyed = nullptr;
    if (self_issued(current)) {
      if (!signed_by(current, current))
        fail(ErrorCode::SIGNATURE_INVALID, "the self-signed certificate " + name_of(current) + " has a signature that does not verify");
      break;
    }
    const Cert* next = nullptr;
    const Cert* named_but_wrong = nullptr;
    bool hashed = false;
    unsigned long issuer_hash = name_hash(X509_get_issuer_name(current.x509.get()), hashed);
    candidates.clear();
    if (auto it = by_subject.find(issuer_hash); hashed && it != by_subject.end()) candidates = it->second;
    if (!hashed)
      for (std::size_t i = 0; i < certs.size(); ++i) candidates.push_back(i);
    else if (!unhashed.empty()) {
      candidates.insert(candidates.end(), unhashed.begin(), unhashed.end());
      std::sort(candidates.begin(), candidates.end());
    }
    for (std::size_t i : candidates) {
      if (used[i]) continue;
      if (X509_check_issued(certs[i].x509.get(), current.x509.get()) == X509_V_OK) {
        if (signed_by(current, certs[i])) {
          next = &certs[i];
          used[i] = true;
          break;
        }
        if (i < given) named_but_wrong = &certs[i];
      }
      // In the files, an issuer whose key does not verify is an error; in the current chain, one
      // with the issuer's name (its key identifier may differ) is the CA before it was re-keyed.
      if (i >= given && X509_NAME_cmp(X509_get_subject_name(certs[i].x509.get()), X509_get_issuer_name(current.x509.get())) == 0)
        rekeyed = &certs[i];
    }
    ossl::drain_errors();
    if (!next && named_but_wrong)
      fail(ErrorCode::SIGNATURE_INVALID, "the signature of " + name_of(current) + " does not verify with the key of its issuer " + name_of(*named_but_wrong));
    if (!next) break;
    chain.push_back(next);
  }
  std::vector<const Cert*> left_over;
  for (std::size_t i = 0; i < given; ++i)
    if (!used[i]) left_over.push_back(&certs[i]);
  std::size_t completed = static_cast<std::size_t>(std::count(used.begin() + static_cast<std::ptrdiff_t>(given), used.end(), true));
  if (completed > 0)
    result.notes.push_back("completed the chain with " + std::to_string(completed) + " CA certificate(s) from " + options.known_issuers_origin);

  for (const Cert* c : chain) result.chain.push_back(c->der);
  result.leaf = leaf->facts;
  result.findings = validate_certs(chain, options, sources);
  const Cert& top = *chain.back();
  if (rekeyed)
    for (Finding& f : result.findings)
      if (f.code == FindingCode::ROOT_MISSING)
        f.message += " (the entry's current chain holds a " + name_of(*rekeyed) + " with another key: was the CA re-keyed?)";
  if (!self_issued(top) && !left_over.empty()) {
    // Something is missing between the certificates we have: not merely the root.
    std::erase_if(result.findings, [](const Finding& f) { return f.code == FindingCode::ROOT_MISSING; });
    result.findings.push_back(Finding{FindingCode::CHAIN_BROKEN, "no certificate in " + sources.where + " issued " + name_of(top) + ": looked for '" +
                                                                     top.facts.issuer_display + "' (a missing intermediate)"});
  } else {
    for (const Cert* c : left_over)
      result.findings.push_back(Finding{FindingCode::UNRELATED_CERTIFICATE, "the certificate " + name_of(*c) + " is not part of the leaf's chain and was left out"});
  }
  bool refused = std::any_of(result.findings.begin(), result.findings.end(),
                             [](const Finding& f) { return f.severity() == Severity::Refusable; });
  if (refused && !options.force) throw ImportRefused(result.findings);
  if (!keys.empty()) result.pkcs8 = std::move(keys.front().pkcs8);
  return result;
}

namespace {

// Reads the files for `use`; they hold private keys, in wiping memory (BundleFile::data), so they
// are wiped however it ends (an import refused, a wrong passphrase).
template <typename Use>
auto with_bundle_files(const std::vector<std::string>& paths, Use&& use) {
  std::vector<BundleFile> files;
  files.reserve(paths.size());
  for (const std::string& p : paths) files.push_back(BundleFile{p, read_secret_bytes(p, limits::kMaxBundleFileBytes)});
  return use(files);
}

}  // namespace

ImportedKey import_bundle_files(const std::vector<std::string>& paths, const ImportOptions& options) {
  return with_bundle_files(paths, [&](const std::vector<BundleFile>& files) { return import_bundle(files, options); });
}

std::vector<Bytes> bundle_certificates(const std::vector<std::string>& paths, const Password* passphrase) {
  return with_bundle_files(paths, [&](const std::vector<BundleFile>& files) {
    fmt::BundleItems items;
    for (const BundleFile& f : files) fmt::parse_bundle_file(f.data.view(), f.name, passphrase, items);
    std::vector<Bytes> certs;
    for (Bytes& der : items.certs)
      if (std::find(certs.begin(), certs.end(), der) == certs.end()) certs.push_back(std::move(der));
    return certs;
  });
}

}  // namespace midks
