// One error type for the whole engine: a stable code, what went wrong and where, and the exit
// code. Lower layers throw codes and facts; how to fix each code is the command line's to say.
#pragma once
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace midks {

// Every exit code of the command line: the contract installers and scripts rely on. Described
// once, in the command line's exit code table (--help, the man page).
enum class ExitCode : int {
  Ok = 0,
  Usage = 1,                // bad command line
  Input = 2,                // malformed, unsupported or invalid input, or a refused bundle
  ExpiryWarning = 3,        // an entry expires within the warning window
  Io = 4,                   // file system, lock; verify: the server is unreachable
  Password = 5,             // wrong store password or key passphrase
  NoClientCertRequest = 6,  // verify: the server did not ask for a client certificate
  CaNotAccepted = 7,        // verify: it named acceptable CAs, ours not among them
  Rejected = 8,             // verify: it refused the handshake or our certificate
  ServerUntrusted = 9,      // verify: its certificate does not verify (TLS-inspecting proxy?)
  Internal = 10,            // a bug or a broken library: nothing the input did
};

constexpr int exit_status(ExitCode c) noexcept { return static_cast<int>(c); }

// What kind of failure an Error is; its exit code is the ExitCode of the same value.
enum class ErrorKind : int {
  Usage = static_cast<int>(ExitCode::Usage),
  Input = static_cast<int>(ExitCode::Input),
  Io = static_cast<int>(ExitCode::Io),
  Password = static_cast<int>(ExitCode::Password),
  Internal = static_cast<int>(ExitCode::Internal),
};

// Every error code, with its kind: the single list (docs/json.md documents each one, and the
// command line's fix table covers each one; tests hold both to this list).
#define MIDKS_ERROR_CODES(X)                                                                                  \
  X(USAGE, Usage)                  /* a wrong command line */                                                \
  X(SECRET_UNAVAILABLE, Usage)     /* a password source named on the command line cannot be read */        \
  X(ALIAS_INVALID, Usage)          /* an alias given on the command line is empty or not text */            \
  X(SUBJECT_INVALID, Usage)        /* a subject or subject alternative name given for a CSR */              \
  X(KEY_TYPE_UNKNOWN, Usage)       /* a key type given for a CSR */                                         \
  X(URL_INVALID, Usage)            /* a url or host:port given on the command line */                       \
  X(NO_AGENT_FOLDER, Usage)        /* the agent folder does not exist */                                    \
  X(NOT_A_KEYSTORE, Input)         /* a file that is no keystore of any type we know */                     \
  X(KEYSTORE_TRUNCATED, Input)     /* a keystore (or a field in it) ends early */                           \
  X(KEYSTORE_CORRUPT, Input)       /* a keystore whose structure is wrong */                                \
  X(DER_MALFORMED, Input)          /* ASN.1 DER that does not parse (a truncated or overlong field) */      \
  X(UNSUPPORTED_ALGORITHM, Input)  /* a key protection or PBE scheme we do not implement */                 \
  X(ENTRY_NOT_STORABLE, Input)     /* an entry the target keystore type cannot hold */                      \
  X(ITERATIONS_TOO_HIGH, Input)    /* an attacker-chosen work factor above our limits */                    \
  X(FILE_TOO_LARGE, Input)         /* a file above the size limit for its kind */                           \
  X(NO_SUCH_ENTRY, Input)          /* no entry under that alias */                                          \
  X(NOT_A_KEY_ENTRY, Input)        /* the entry is not a private key with a certificate chain */            \
  X(AMBIGUOUS_ALIAS, Input)        /* aliases that differ only in case */                                   \
  X(PASSWORD_NOT_ENCODABLE, Input) /* a password the keystore format cannot carry */                        \
  X(PEM_DAMAGED, Input)            /* a PEM block without its END line, or with bad base64 */               \
  X(NOT_A_CERTIFICATE, Input)      /* a CSR or other object where a certificate belongs */                  \
  X(CERTIFICATE_INVALID, Input)    /* a certificate that does not parse */                                  \
  X(KEY_UNREADABLE, Input)         /* a private key that does not parse */                                  \
  X(PKCS12_CORRUPT, Input)         /* a PKCS#12/PFX file whose structure is wrong */                        \
  X(NOT_RECOGNIZED, Input)         /* a bundle file that is neither PEM, DER nor PFX */                     \
  X(EMPTY_INPUT, Input)            /* an empty bundle file */                                               \
  X(NO_CERTIFICATE, Input)         /* a bundle without certificates */                                      \
  X(NO_PRIVATE_KEY, Input)         /* a bundle without a private key */                                     \
  X(NO_LEAF, Input)                /* a bundle of CA certificates only */                                   \
  X(MULTIPLE_KEYS, Input)          /* a bundle with more than one private key */                            \
  X(MULTIPLE_LEAVES, Input)        /* a bundle with more than one end-entity certificate */                 \
  X(KEY_MISMATCH, Input)           /* the private key is not the leaf's */                                  \
  X(SIGNATURE_INVALID, Input)      /* a certificate's signature does not verify */                          \
  X(BUNDLE_REFUSED, Input)         /* findings that need --force (each finding has its own code) */         \
  X(NOTHING_TO_SPLIT, Input)       /* no certificate to write for the instance */                           \
  X(RENEWAL_NO_ENTRY, Input)       /* renew: no key entry under the alias */                                \
  X(RENEWAL_NOT_NEWER, Input)      /* renew: the certificate is the same or older */                        \
  X(NO_MID_KEY, Input)             /* the MID's key entry is missing */                                     \
  X(MID_KEY_NOT_PRIVATE, Input)    /* the MID's key entry holds no private key */                           \
  X(MID_KEY_PASSWORD, Input)       /* the MID's key has a password other than the store's */                \
  X(MID_KEY_IN_USE, Input)         /* removing the MID's key while config.xml uses it */                    \
  X(CONFIG_INVALID, Input)         /* config.xml is not a MID config.xml */                                 \
  X(CONFIG_UNEDITABLE, Input)      /* config.xml cannot be edited without touching more than asked */       \
  X(TRUST_STORE_UNREADABLE, Input) /* the CAs to trust for the server cannot be loaded */                   \
  X(FILE_NOT_FOUND, Io)            /* a file named on the command line does not exist */                    \
  X(FILE_UNREADABLE, Io)           /* a file cannot be opened or read */                                    \
  X(FILE_WRITE_FAILED, Io)         /* a file cannot be written or replaced */                               \
  X(FILE_EXISTS, Io)               /* a file that is never overwritten silently */                          \
  X(READ_ONLY, Io)                 /* the file to replace is read-only */                                   \
  X(NO_KEYSTORE, Io)               /* no keystore where the command needs one */                            \
  X(NO_CONFIG_XML, Io)             /* no config.xml where the command needs one */                          \
  X(LOCK_TIMEOUT, Io)              /* another process holds the lock */                                     \
  X(LOCK_FAILED, Io)               /* the folder cannot be locked */                                        \
  X(CREATE_FOLDER_FAILED, Io)      /* a folder cannot be created */                                         \
  X(BACKUP_FAILED, Io)             /* the backup or its audit trail cannot be written */                    \
  X(OWNER_NOT_KEPT, Io)            /* a replaced file's owner cannot be kept */                             \
  X(NOT_DURABLE, Io)               /* a file was replaced but the system did not confirm it on the disk */  \
  X(UNSAFE_LINK, Io)               /* a link another user could have planted leads to a file it cannot write */ \
  X(CONFIG_CHANGED, Io)            /* another program kept changing config.xml while we edited it */       \
  X(NOT_A_FILE, Io)                /* a FIFO, socket or device where a file must be */                      \
  X(WRONG_STORE_PASSWORD, Password) /* the store password does not open the keystore */                     \
  X(WRONG_KEY_PASSWORD, Password)  /* a key's own password does not open it */                              \
  X(STORE_PASSWORD_NEEDED, Password) /* a keystore that cannot be read without its password */              \
  X(PASSPHRASE_NEEDED, Password)   /* an encrypted key or PFX and no passphrase */                          \
  X(PASSPHRASE_WRONG, Password)    /* the passphrase does not open the key or PFX */                        \
  X(INTERNAL, Internal)            /* a bug or a failing library call */

enum class ErrorCode {
#define MIDKS_ERROR_ENUM(name, kind) name,
  MIDKS_ERROR_CODES(MIDKS_ERROR_ENUM)
#undef MIDKS_ERROR_ENUM
};

std::string_view error_code_name(ErrorCode code) noexcept;
ErrorKind error_code_kind(ErrorCode code) noexcept;
const std::vector<ErrorCode>& all_error_codes();

class Error : public std::runtime_error {
 public:
  Error(ErrorCode code, std::string message);

  ErrorCode code_id() const noexcept { return code_; }
  std::string code() const { return std::string(error_code_name(code_)); }
  ErrorKind kind() const noexcept { return error_code_kind(code_); }
  int exit_code() const noexcept { return static_cast<int>(kind()); }

  // A fix the command line chose for this occurrence; empty means its table's fix for the code.
  const std::string& hint() const noexcept { return hint_; }
  Error with_hint(std::string hint) const;
  // Prefix the message with a location (usually a file name) if it does not carry one yet.
  Error with_context(const std::string& where) const;
  // The same facts under another code (e.g. a password error found opening the store itself).
  Error recoded(ErrorCode code) const;

 private:
  ErrorCode code_;
  std::string hint_;
};

[[noreturn]] void fail(ErrorCode code, std::string message);

}  // namespace midks
