// What the checks of a certificate chain, an import or doctor find: one typed list of finding
// codes, like the error codes (error.hpp). Each code has a fixed severity; docs/json.md documents
// each one, the command line's fix table covers each one, and doctor's checks name them (tests
// hold all three to this list). How to fix a finding is the command line's to say.
#pragma once
#include <string>
#include <string_view>
#include <vector>

namespace midks {

enum class Severity {
  Warning,    // printed, never blocks
  Refusable,  // blocks the import unless the admin forces it (--force)
};

#define MIDKS_FINDING_CODES(X)                                                                                   \
  X(CHAIN_BROKEN, Refusable)          /* a missing intermediate between the certificates given */             \
  X(SELF_SIGNED_LEAF, Refusable)      /* the leaf is self-signed */                                           \
  X(LEAF_NOT_CLIENT_AUTH, Refusable)  /* the leaf's extended key usage lacks clientAuth */                     \
  X(LEAF_KEY_USAGE, Refusable)        /* the leaf's key usage lacks digitalSignature */                        \
  X(ISSUER_NOT_CA, Refusable)         /* an issuer without basicConstraints CA:TRUE */                         \
  X(EXPIRED, Refusable)               /* a certificate of the chain has expired */                             \
  X(NOT_YET_VALID, Refusable)         /* a certificate of the chain is not valid yet */                        \
  X(WEAK_KEY, Refusable)              /* an RSA key under 2048 bits */                                         \
  X(ROOT_MISSING, Warning)            /* the chain ends below its root */                                      \
  X(EXPIRES_SOON, Warning)            /* the leaf expires within the warning window */                         \
  X(NON_RSA_KEY, Warning)             /* the leaf's key is not RSA */                                          \
  X(UNRELATED_CERTIFICATE, Warning)   /* a certificate outside the leaf's chain, left out */                   \
  X(MID_KEY_REPLACED, Warning)        /* -a/renew replaced the MID's key pair with another key */              \
  X(FIPS_KEYSTORE_TYPE, Refusable)    /* doctor: a FIPS-mode MID whose keystore is not BCFKS */

enum class FindingCode {
#define MIDKS_FINDING_ENUM(name, severity) name,
  MIDKS_FINDING_CODES(MIDKS_FINDING_ENUM)
#undef MIDKS_FINDING_ENUM
};

std::string_view finding_code_name(FindingCode code) noexcept;
Severity finding_code_severity(FindingCode code) noexcept;
const std::vector<FindingCode>& all_finding_codes();

struct Finding {
  FindingCode code;
  std::string message;  // the facts: which certificate, which date
  // A fix the caller chose for this occurrence (e.g. renewal's "pass the issuing CA
  // certificates"); empty means the command line's table's fix for the code.
  std::string hint = {};

  Severity severity() const noexcept { return finding_code_severity(code); }
  std::string name() const { return std::string(finding_code_name(code)); }
};

}  // namespace midks
