#include "pem_bundle.hpp"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/pkcs7.h>

#include <algorithm>
#include <cstring>

#include "key_protection.hpp"
#include "midks/error.hpp"
#include "midks/ossl.hpp"
#include "pkcs12.hpp"
#include "pkcs8.hpp"

namespace midks::fmt {

namespace {

struct PassState {
  const Password* passphrase;
  bool asked = false;
};

int pass_callback(char* buf, int size, int, void* u) {
  auto* state = static_cast<PassState*>(u);
  state->asked = true;
  if (!state->passphrase) return -1;
  int n = static_cast<int>(state->passphrase->size());
  if (n > size) return -1;
  std::copy(state->passphrase->c_str(), state->passphrase->c_str() + n, buf);
  return n;
}

[[noreturn]] void passphrase_error(const PassState& state, const std::string& what) {
  ossl::drain_errors();
  if (!state.passphrase)
    fail(ErrorCode::PASSPHRASE_NEEDED, what + " is encrypted and no passphrase was given");
  fail(ErrorCode::PASSPHRASE_WRONG, "the passphrase does not open " + what);
}

// pkcs8 is the key's PrivateKeyInfo when it is to be kept as it came; empty: encoded from key.
void add_key(BundleItems& into, ossl::PkeyPtr key, SecureBytes pkcs8, std::string form, std::string origin) {
  if (pkcs8.empty()) pkcs8 = pkcs8_of(key.get());
  if (form != "PKCS#8") into.notes.push_back("converted the " + form + " key (" + origin + ") to PKCS#8");
  into.keys.push_back(BundleKey{std::move(pkcs8), std::move(form), std::move(origin), std::move(key)});
}

// A PrivateKeyInfo (plain, decrypted, or from a PFX). One in canonical v1 DER, as OpenSSL writes
// it, is kept as it came: OpenSSL 3 re-encodes keys slowly and the bytes would be the same.
// Anything else is re-encoded. False if der is no key OpenSSL can read.
bool add_pkcs8(BundleItems& into, ByteView der, std::string form, std::string origin) {
  ossl::PkeyPtr key = try_private_key_from_pkcs8(der);
  if (!key) return false;
  add_key(into, std::move(key), is_canonical_pkcs8_v1(der) ? SecureBytes(der) : SecureBytes(), std::move(form), std::move(origin));
  return true;
}

// An encrypted PKCS#8 key in a bundle, PEM or DER. decrypt_pkcs8 checks the KDF's cost first, so a
// hostile count is refused with or without a passphrase and before the KDF runs.
void add_encrypted_pkcs8(BundleItems& into, const X509_SIG* sig, const Password* passphrase, const std::string& origin) {
  const X509_ALGOR* alg = nullptr;
  X509_SIG_get0(sig, &alg, nullptr);
  check_pbe_cost(alg, "the private key at " + origin);
  PassState state{passphrase, true};
  if (!passphrase) passphrase_error(state, "the private key at " + origin);
  SecureBytes der = decrypt_pkcs8(sig, *passphrase, "the private key at " + origin);
  if (der.empty() || !add_pkcs8(into, der.view(), "encrypted PKCS#8", origin)) passphrase_error(state, "the private key at " + origin);
}

void add_cert(BundleItems& into, X509* cert, std::string origin) {
  into.certs.push_back(ossl::cert_der(cert));
  X509_up_ref(cert);
  ossl::X509Ptr reference(cert);  // released again if the push below throws
  into.parsed_certs.push_back(std::move(reference));
  into.cert_origins.push_back(std::move(origin));
}

// ---- text (PEM) ----

// Everything below holds the text of private keys: it lives in SecureStrings, whose buffers are
// wiped when freed, also when an exception unwinds.
SecureString normalise(ByteView data, const std::string& origin, BundleItems& into) {
  SecureString text(data.begin(), data.end());
  if (text.rfind("\xEF\xBB\xBF", 0) == 0) {
    text.erase(0, 3);
    into.notes.push_back(origin + ": removed a UTF-8 byte-order mark");
  }
  if (auto n = std::count(text.begin(), text.end(), '\x1A')) {
    text.erase(std::remove(text.begin(), text.end(), '\x1A'), text.end());
    into.notes.push_back(origin + ": removed " + std::to_string(n) + " Ctrl-Z (0x1A) byte(s), as 'copy /b' inserts");
  }
  if (text.find('\r') != SecureString::npos) {
    SecureString out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
      if (text[i] == '\r') {
        out += '\n';
        if (i + 1 < text.size() && text[i + 1] == '\n') ++i;
      } else {
        out += text[i];
      }
    }
    text = std::move(out);
    into.notes.push_back(origin + ": normalised Windows (CRLF) line endings");
  }
  return text;
}

SecureString trim(const SecureString& s) {
  auto b = s.find_first_not_of(" \t");
  if (b == SecureString::npos) return {};
  return s.substr(b, s.find_last_not_of(" \t") - b + 1);
}

// One PEM block, re-assembled in canonical form for OpenSSL's PEM readers.
struct Block {
  std::string label;
  SecureString pem;
  std::string origin;
};

std::string plain(const SecureString& s) { return std::string(s.begin(), s.end()); }

std::vector<Block> split_blocks(const SecureString& text, const std::string& origin, BundleItems& into) {
  std::vector<Block> blocks;
  std::size_t line_no = 0, ignored = 0;
  std::string example;
  Block current;
  bool inside = false, in_headers = false;
  SecureString headers, body;
  std::size_t pos = 0;
  while (pos <= text.size()) {
    std::size_t end = text.find('\n', pos);
    if (end == SecureString::npos) end = text.size();
    SecureString line = trim(text.substr(pos, end - pos));
    pos = end + 1;
    ++line_no;
    bool begin = line.rfind("-----BEGIN ", 0) == 0 && line.size() > 16 && line.compare(line.size() - 5, 5, "-----") == 0;
    bool finish = line.rfind("-----END ", 0) == 0 && line.size() > 14 && line.compare(line.size() - 5, 5, "-----") == 0;
    if (!inside) {
      if (begin) {
        current = Block{plain(line.substr(11, line.size() - 16)), {}, origin + " line " + std::to_string(line_no)};
        inside = in_headers = true;
        headers.clear();
        body.clear();
      } else if (finish) {
        fail(ErrorCode::PEM_DAMAGED, origin + " line " + std::to_string(line_no) + ": '" + plain(line) + "' has no BEGIN line");
      } else if (!line.empty()) {
        if (example.empty()) example = plain(line.substr(0, 40));
        ++ignored;
      }
      if (pos > text.size()) break;
      continue;
    }
    if (begin || (pos > text.size() && !finish)) {
      fail(ErrorCode::PEM_DAMAGED, current.origin + ": the '" + current.label + "' block has no END line");
    }
    if (finish) {
      std::string label = plain(line.substr(9, line.size() - 14));
      if (label != current.label)
        fail(ErrorCode::PEM_DAMAGED, current.origin + ": block 'BEGIN " + current.label + "' ends with 'END " + label + "'");
      current.pem.clear();
      current.pem.append("-----BEGIN ").append(current.label).append("-----\n").append(headers);
      if (!headers.empty()) current.pem += '\n';
      current.pem.append(body).append("-----END ").append(current.label).append("-----\n");
      blocks.push_back(std::move(current));
      inside = false;
      continue;
    }
    if (in_headers && line.find(':') != SecureString::npos) {
      headers.append(line).append("\n");  // Proc-Type / DEK-Info of traditional encrypted keys
      continue;
    }
    in_headers = false;
    if (!line.empty()) body.append(line).append("\n");
  }
  if (ignored)
    into.notes.push_back(origin + ": ignored " + std::to_string(ignored) + " line(s) of text outside PEM blocks (e.g. '" +
                         example + "')");
  return blocks;
}

// The decoded body of one PEM block, read into OpenSSL's secure heap; its buffers (name, header
// and data) wiped and freed also on unwind.
struct PemBody {
  char* name = nullptr;
  char* header = nullptr;
  unsigned char* data = nullptr;
  long len = 0;
  PemBody() = default;
  PemBody(const PemBody&) = delete;
  PemBody& operator=(const PemBody&) = delete;
  ~PemBody() {
    if (name) OPENSSL_secure_clear_free(name, std::strlen(name));
    if (header) OPENSSL_secure_clear_free(header, std::strlen(header));
    if (data) OPENSSL_secure_clear_free(data, static_cast<std::size_t>(len));
  }
  bool read(BIO* bio) {
    return PEM_read_bio_ex(bio, &name, &header, &data, &len, PEM_FLAG_SECURE | PEM_FLAG_EAY_COMPATIBLE) == 1;
  }
  ByteView view() const { return ByteView(data, static_cast<std::size_t>(len)); }
};

ossl::BioPtr bio_of(const SecureString& s) {
  return ossl::BioPtr(ossl::check_alloc(BIO_new_mem_buf(s.data(), static_cast<int>(s.size())), "BIO_new_mem_buf"));
}

[[noreturn]] void damaged(const Block& b) {
  ossl::drain_errors();
  fail(ErrorCode::PEM_DAMAGED, b.origin + ": the '" + b.label + "' block is damaged (its base64 does not decode to a valid " +
                                   b.label + ")");
}

void parse_block(const Block& b, const Password* passphrase, BundleItems& into) {
  const std::string& l = b.label;
  if (l == "CERTIFICATE" || l == "X509 CERTIFICATE" || l == "TRUSTED CERTIFICATE") {
    auto bio = bio_of(b.pem);
    ossl::X509Ptr cert(PEM_read_bio_X509_AUX(bio.get(), nullptr, nullptr, nullptr));
    if (!cert) damaged(b);
    if (l == "TRUSTED CERTIFICATE") into.notes.push_back(b.origin + ": read a TRUSTED CERTIFICATE block as a plain certificate");
    add_cert(into, cert.get(), b.origin);
  } else if (l == "PRIVATE KEY" || l == "RSA PRIVATE KEY" || l == "EC PRIVATE KEY" || l == "DSA PRIVATE KEY" ||
             l == "ENCRYPTED PRIVATE KEY") {
    bool traditional_encrypted = b.pem.find("Proc-Type: 4,ENCRYPTED") != SecureString::npos;
    std::string form = l == "PRIVATE KEY"             ? "PKCS#8"
                       : l == "ENCRYPTED PRIVATE KEY" ? "encrypted PKCS#8"
                       : l == "RSA PRIVATE KEY"       ? "PKCS#1 RSA"
                       : l == "EC PRIVATE KEY"        ? "SEC1 EC"
                                                      : "traditional DSA";
    if (traditional_encrypted) form += " (OpenSSL-encrypted)";
    if (l == "PRIVATE KEY" || l == "ENCRYPTED PRIVATE KEY") {
      auto bio = bio_of(b.pem);
      PemBody body;
      bool read = body.read(bio.get());
      ossl::drain_errors();
      if (l == "PRIVATE KEY") {
        if (read && add_pkcs8(into, body.view(), "PKCS#8", b.origin)) return;
      } else {
        ossl::X509SigPtr sig = read ? parse_encrypted_pkcs8(body.view()) : nullptr;
        if (!sig) damaged(b);
        add_encrypted_pkcs8(into, sig.get(), passphrase, b.origin);
        return;
      }
    }
    // Traditional keys: "Proc-Type: 4,ENCRYPTED" derives its key with EVP_BytesToKey and a fixed
    // count of 1 (PEM_do_header), so the file chooses no iteration count here.
    PassState state{passphrase};
    auto bio = bio_of(b.pem);
    ossl::PkeyPtr key(PEM_read_bio_PrivateKey(bio.get(), nullptr, pass_callback, &state));
    if (!key) {
      if (state.asked || traditional_encrypted) passphrase_error(state, "the private key at " + b.origin);
      damaged(b);
    }
    add_key(into, std::move(key), {}, form, b.origin);
  } else if (l == "PKCS7") {
    auto bio = bio_of(b.pem);
    ossl::Pkcs7Ptr p7(PEM_read_bio_PKCS7(bio.get(), nullptr, nullptr, nullptr));
    if (!p7 || !PKCS7_type_is_signed(p7.get()) || !p7->d.sign) damaged(b);
    STACK_OF(X509)* certs = p7->d.sign->cert;
    for (int i = 0; i < sk_X509_num(certs); ++i) add_cert(into, sk_X509_value(certs, i), b.origin);
    into.notes.push_back(b.origin + ": took " + std::to_string(sk_X509_num(certs)) + " certificate(s) from a PKCS#7 block");
  } else if (l == "CERTIFICATE REQUEST" || l == "NEW CERTIFICATE REQUEST") {
    fail(ErrorCode::NOT_A_CERTIFICATE, b.origin + ": this is a certificate signing request (CSR), not a certificate");
  } else {
    into.notes.push_back(b.origin + ": ignored a '" + l + "' block (not needed for a key entry)");
  }
}

// ---- binary ----

bool try_pkcs12(ByteView data, const std::string& origin, const Password* passphrase, BundleItems& into) {
  ossl::Pkcs12Ptr p12 = parse_pkcs12(data);
  if (!p12) return false;
  const std::string title = origin + " (PKCS#12/PFX)";
  PassState state{passphrase, true};
  const Pkcs12OpenOptions options{origin, title, true, [&](const std::string&) { passphrase_error(state, title); }};
  Pkcs12Contents pfx = open_pkcs12(p12.get(), passphrase ? *passphrase : Password(), options);
  into.notes.push_back(origin + ": read a PKCS#12/PFX file" + std::string(pfx.legacy_encryption ? " with legacy RC2/3DES encryption" : ""));
  for (const Pkcs12Bag& bag : pfx.bags)
    if (bag.kind == Pkcs12Bag::Kind::Certificate) add_cert(into, bag.certificate(title), origin);
  for (const Pkcs12Bag& bag : pfx.bags)
    if (bag.kind == Pkcs12Bag::Kind::Key && !add_pkcs8(into, bag.key.view(), "PKCS#12", origin))
      private_key_from_pkcs8(bag.key.view(), "the private key in " + title);  // throws KEY_UNREADABLE
  return true;
}

void parse_binary(ByteView data, const std::string& origin, const Password* passphrase, BundleItems& into) {
  if (try_pkcs12(data, origin, passphrase, into)) return;
  const unsigned char* p = data.data();
  const long n = static_cast<long>(data.size());
  const unsigned char* end = data.data() + data.size();
  if (ossl::X509Ptr cert(d2i_X509(nullptr, &p, n)); cert && p == end) {
    add_cert(into, cert.get(), origin + " (DER)");
    return;
  }
  if (add_pkcs8(into, data, "PKCS#8", origin + " (DER)")) return;
  if (ossl::X509SigPtr sig = parse_encrypted_pkcs8(data)) {
    add_encrypted_pkcs8(into, sig.get(), passphrase, origin + " (DER)");
    return;
  }
  p = data.data();
  if (ossl::PkeyPtr key(d2i_AutoPrivateKey(nullptr, &p, n)); key && p == end) {
    add_key(into, std::move(key), {}, "traditional DER", origin + " (DER)");
    return;
  }
  ossl::drain_errors();
  fail(ErrorCode::NOT_RECOGNIZED, origin + ": not a PEM, DER or PKCS#12 file of certificates or keys");
}

}  // namespace

void parse_bundle_file(ByteView data, const std::string& origin, const Password* passphrase, BundleItems& into) {
  std::string_view view(reinterpret_cast<const char*>(data.data()), data.size());
  if (view.find_first_not_of(" \t\r\n\x1A") == std::string_view::npos || view == "\xEF\xBB\xBF")
    fail(ErrorCode::EMPTY_INPUT, origin + " is empty");
  if (view.find("-----BEGIN ") == std::string_view::npos) {
    parse_binary(data, origin, passphrase, into);
    return;
  }
  SecureString text = normalise(data, origin, into);
  for (const Block& b : split_blocks(text, origin, into)) parse_block(b, passphrase, into);
}

}  // namespace midks::fmt
