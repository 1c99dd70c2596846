#include "java_serial.hpp"

#include <openssl/asn1t.h>
#include <openssl/x509.h>

#include <algorithm>
#include <variant>

#include "key_protection.hpp"
#include "midks/ossl.hpp"

namespace midks::fmt {

namespace {

enum : std::uint8_t {
  TC_NULL = 0x70,
  TC_REFERENCE = 0x71,
  TC_CLASSDESC = 0x72,
  TC_OBJECT = 0x73,
  TC_STRING = 0x74,
  TC_ARRAY = 0x75,
  TC_ENDBLOCKDATA = 0x78,
  TC_LONGSTRING = 0x7C,
  TC_ENUM = 0x7E,
};
enum : std::uint8_t { SC_WRITE_METHOD = 0x01, SC_SERIALIZABLE = 0x02, SC_EXTERNALIZABLE = 0x04, SC_ENUM = 0x10 };
constexpr std::uint32_t kBaseHandle = 0x7E0000;
constexpr int kMaxDepth = 8;
constexpr std::size_t kMaxHandles = 4096;

struct FieldDesc {
  char type;
  std::string name;
};

struct ClassDesc {
  std::string name;
  std::uint8_t flags = 0;
  std::vector<FieldDesc> fields;
  const ClassDesc* super = nullptr;  // owned by the reader, like every descriptor
};

// Objects are recorded only as placeholders: a back-reference to an object (which could point at
// the object itself and form an ownership cycle) never occurs in a key store and is refused.
struct ObjectSlot {};
using Handle = std::variant<const ClassDesc*, std::string, ObjectSlot, SecureBytes>;

// Every serialization stream starts with these (java.io.ObjectStreamConstants).
constexpr std::uint16_t kStreamMagic = 0xACED;
constexpr std::uint16_t kStreamVersion = 5;

class StreamReader {
 public:
  explicit StreamReader(ByteReader& r) : r_(r) {}

  JavaObject read_root() {
    std::size_t at = r_.offset();
    if (r_.u16() != kStreamMagic || r_.u16() != kStreamVersion) r_.fail_at(at, "serialized Java object has no stream header");
    JavaValue v = read_content(0);
    if (v.type != JavaValue::Type::Object) r_.fail_at(at, "serialized data is not an object");
    return *v.object;
  }

 private:
  [[noreturn]] void bad(const std::string& problem) { r_.fail_at(r_.offset(), "serialized Java object: " + problem); }

  std::size_t new_handle(Handle h) {
    if (handles_.size() >= kMaxHandles) bad("too many objects");
    handles_.push_back(std::move(h));
    return handles_.size() - 1;
  }

  const Handle& reference() {
    std::uint32_t h = r_.u32();
    if (h < kBaseHandle || h - kBaseHandle >= handles_.size()) bad("dangling back-reference");
    return handles_[h - kBaseHandle];
  }

  std::string read_string_body(std::uint8_t tc) {
    std::string s;
    if (tc == TC_STRING) {
      s = r_.java_utf();
    } else {
      std::uint64_t n = r_.u64();
      if (n > r_.remaining()) bad("string longer than the data");
      bool ok = true;
      s = modified_utf8_to_utf8(r_.bytes(static_cast<std::size_t>(n)), ok);
      if (!ok) bad("string is not modified UTF-8");
    }
    new_handle(s);
    return s;
  }

  std::string read_type_string() {
    std::uint8_t tc = r_.u8();
    if (tc == TC_STRING || tc == TC_LONGSTRING) return read_string_body(tc);
    if (tc == TC_REFERENCE) {
      const Handle& h = reference();
      if (auto* s = std::get_if<std::string>(&h)) return *s;
    }
    bad("field type name is not a string");
  }

  const ClassDesc* read_class_desc(int depth) {
    if (depth > kMaxDepth) bad("nested too deeply");
    std::uint8_t tc = r_.u8();
    if (tc == TC_NULL) return nullptr;
    if (tc == TC_REFERENCE) {
      const Handle& h = reference();
      if (auto* cd = std::get_if<const ClassDesc*>(&h)) return *cd;
      bad("back-reference is not a class description");
    }
    if (tc != TC_CLASSDESC) bad("unsupported class description (proxy classes are not accepted)");
    // Descriptors are owned here and linked by plain pointers: a descriptor that names itself as
    // its superclass (a hostile stream) is then a loop the depth checks stop, not a leak.
    ClassDesc* cd = class_descs_.emplace_back(std::make_unique<ClassDesc>()).get();
    cd->name = r_.java_utf();
    r_.u64();  // serialVersionUID
    new_handle(cd);
    cd->flags = r_.u8();
    if (cd->flags & SC_EXTERNALIZABLE) bad("externalizable class " + cd->name + " is not accepted");
    std::uint16_t count = r_.u16();
    for (std::uint16_t i = 0; i < count; ++i) {
      FieldDesc f;
      f.type = static_cast<char>(r_.u8());
      f.name = r_.java_utf();
      if (f.type == '[' || f.type == 'L') {
        read_type_string();
      } else if (std::string("BCDFIJSZ").find(f.type) == std::string::npos) {
        bad("unknown field type code");
      }
      cd->fields.push_back(std::move(f));
    }
    skip_annotation();
    cd->super = read_class_desc(depth + 1);
    return cd;
  }

  void skip_annotation() {
    if (r_.u8() != TC_ENDBLOCKDATA) bad("class annotations are not accepted");
  }

  std::int64_t read_primitive(char type) {
    switch (type) {
      case 'B': case 'Z': return static_cast<std::int8_t>(r_.u8());
      case 'C': case 'S': return static_cast<std::int16_t>(r_.u16());
      case 'I': case 'F': return static_cast<std::int32_t>(r_.u32());
      default: return static_cast<std::int64_t>(r_.u64());
    }
  }

  JavaValue read_content(int depth) {
    if (depth > kMaxDepth) bad("nested too deeply");
    std::uint8_t tc = r_.u8();
    JavaValue v;
    switch (tc) {
      case TC_NULL:
        return v;
      case TC_STRING:
      case TC_LONGSTRING:
        v.type = JavaValue::Type::String;
        v.text = read_string_body(tc);
        return v;
      case TC_REFERENCE: {
        const Handle& h = reference();
        if (auto* s = std::get_if<std::string>(&h)) {
          v.type = JavaValue::Type::String;
          v.text = *s;
        } else if (auto* b = std::get_if<SecureBytes>(&h)) {
          v.type = JavaValue::Type::ByteArray;
          v.bytes = *b;
        } else if (std::holds_alternative<ObjectSlot>(h)) {
          bad("back-references to objects are not accepted");
        } else {
          bad("back-reference to a class where a value was expected");
        }
        return v;
      }
      case TC_ARRAY: {
        auto cd = read_class_desc(depth + 1);
        if (!cd || cd->name != "[B") bad("only byte arrays are accepted");
        std::size_t handle = new_handle(SecureBytes{});
        std::uint32_t n = r_.u32();
        if (n > r_.remaining()) bad("array longer than the data");
        ByteView data = r_.bytes(n);
        v.type = JavaValue::Type::ByteArray;
        v.bytes = SecureBytes(data);
        handles_[handle] = v.bytes;
        return v;
      }
      case TC_ENUM: {
        auto cd = read_class_desc(depth + 1);
        if (!cd) bad("enum without a class");
        new_handle(std::string());
        JavaValue name = read_content(depth + 1);
        if (name.type != JavaValue::Type::String) bad("enum constant name is not a string");
        v.type = JavaValue::Type::Enum;
        v.text = name.text;
        return v;
      }
      case TC_OBJECT: {
        auto cd = read_class_desc(depth + 1);
        if (!cd) bad("object without a class");
        auto obj = std::make_shared<JavaObject>();
        new_handle(ObjectSlot{});
        std::vector<const ClassDesc*> chain;
        for (const ClassDesc* c = cd; c; c = c->super) {
          if (chain.size() > static_cast<std::size_t>(kMaxDepth)) bad("class hierarchy too deep");
          chain.push_back(c);
          obj->class_chain.push_back(c->name);
        }
        for (auto it = chain.rbegin(); it != chain.rend(); ++it) {  // superclass data first
          const ClassDesc& c = **it;
          if (!(c.flags & SC_SERIALIZABLE)) bad("class " + c.name + " is not serializable");
          for (const FieldDesc& f : c.fields) {
            JavaValue fv;
            if (f.type == '[' || f.type == 'L') {
              fv = read_content(depth + 1);
            } else {
              fv.type = JavaValue::Type::Primitive;
              fv.number = read_primitive(f.type);
            }
            obj->fields[f.name] = std::move(fv);
          }
          if (c.flags & SC_WRITE_METHOD) skip_annotation();
        }
        v.type = JavaValue::Type::Object;
        v.object = obj;
        return v;
      }
      default:
        bad("unsupported element 0x" + std::string(1, "0123456789abcdef"[tc >> 4]) +
            std::string(1, "0123456789abcdef"[tc & 15]));
    }
  }

  ByteReader& r_;
  std::vector<Handle> handles_;
  std::vector<std::unique_ptr<ClassDesc>> class_descs_;
};

}  // namespace

const JavaValue* JavaObject::field(const std::string& name, JavaValue::Type type) const {
  auto it = fields.find(name);
  return it != fields.end() && it->second.type == type ? &it->second : nullptr;
}

JavaObject read_java_stream(ByteReader& r) { return StreamReader(r).read_root(); }

SealedKey read_sealed_key(ByteReader& r) {
  std::size_t at = r.offset();
  JavaObject obj = read_java_stream(r);
  // JceKeyStore's deserialization filter: the top object must be exactly this class.
  if (obj.class_name() != "com.sun.crypto.provider.SealedObjectForKeyProtector" || obj.class_chain.size() != 2 ||
      obj.class_chain[1] != "javax.crypto.SealedObject")
    fail(ErrorCode::KEYSTORE_CORRUPT, "invalid secret key format: sealed object of class " + obj.class_name() + " at byte offset " +
             std::to_string(at) + " (Java accepts only SealedObjectForKeyProtector)");
  using T = JavaValue::Type;
  const JavaValue* params = obj.field("encodedParams", T::ByteArray);
  const JavaValue* content = obj.field("encryptedContent", T::ByteArray);
  const JavaValue* params_alg = obj.field("paramsAlg", T::String);
  const JavaValue* seal_alg = obj.field("sealAlg", T::String);
  if (!params || !content || !params_alg || !seal_alg)
    fail(ErrorCode::KEYSTORE_CORRUPT, "invalid secret key format: sealed object at byte offset " + std::to_string(at) +
                               " lacks SealedObject's fields");
  auto plain = [](const SecureBytes& b) { return Bytes(b.data(), b.data() + b.size()); };  // encrypted: not secret
  return SealedKey{plain(params->bytes), plain(content->bytes), params_alg->text, seal_alg->text};
}

namespace {

struct SealParams {
  Bytes salt;
  std::uint64_t iterations;
};

SealParams seal_params(const SealedKey& sealed) {
  if (sealed.seal_alg != "PBEWithMD5AndTripleDES")
    fail(ErrorCode::UNSUPPORTED_ALGORITHM, "secret key is sealed with unsupported algorithm " + sealed.seal_alg);
  const unsigned char* p = sealed.encoded_params.data();
  ossl::Handle<PBEPARAM, PBEPARAM_free> params(
      d2i_PBEPARAM(nullptr, &p, static_cast<long>(sealed.encoded_params.size())));
  std::int64_t iterations = 0;
  if (!params || !ASN1_INTEGER_get_int64(&iterations, params->iter) || iterations < 1) {
    ossl::drain_errors();
    fail(ErrorCode::KEYSTORE_CORRUPT, "secret key's PBE parameters are malformed");
  }
  ByteView salt = ossl::octets(params->salt);
  return {Bytes(salt.begin(), salt.end()), static_cast<std::uint64_t>(iterations)};
}

// The sealed content decrypted: the serialized key (a stream of its own), its key fields found.
struct Unsealed {
  SecureBytes stream;
  std::string algorithm;
  SecureBytes key;
};

Unsealed unseal(const SealedKey& sealed, const SealParams& params, const Password& password) {
  Unsealed out;
  out.stream = jce_pbe_crypt(false, sealed.encrypted_content, password, params.salt, params.iterations);
  // A wrong password passes the padding check about once in 256 tries; what it decrypts to then
  // lacks the stream header every sealed key starts with (Java: UnrecoverableKeyException either way).
  ByteReader header(out.stream.view(), "sealed secret key");
  if (out.stream.size() < 4 || header.u16() != kStreamMagic || header.u16() != kStreamVersion)
    fail(ErrorCode::WRONG_KEY_PASSWORD, "password is incorrect (the decrypted sealed key is not a Java serialization stream)");
  ByteReader r(out.stream.view(), "sealed secret key");
  JavaObject key = read_java_stream(r);
  using T = JavaValue::Type;
  const JavaValue* alg = key.field("algorithm", T::String);
  const JavaValue* bytes = key.class_name() == "javax.crypto.spec.SecretKeySpec" ? key.field("key", T::ByteArray)
                                                                                   : key.field("encoded", T::ByteArray);
  if (!alg || !bytes || (key.class_name() != "javax.crypto.spec.SecretKeySpec" && key.class_name() != "java.security.KeyRep"))
    fail(ErrorCode::UNSUPPORTED_ALGORITHM, "sealed secret key holds an unsupported object (" + key.class_name() + ")");
  out.algorithm = alg->text;
  out.key = bytes->bytes;
  return out;
}

// Overwrites the one occurrence of `old` in `stream` with `replacement` of the same length.
void overwrite_once(Bytes& stream, ByteView old, ByteView replacement, const char* what) {
  auto at = std::search(stream.begin(), stream.end(), old.begin(), old.end());
  if (old.size() != replacement.size() || at == stream.end() || std::search(at + 1, stream.end(), old.begin(), old.end()) != stream.end())
    fail(ErrorCode::KEYSTORE_CORRUPT, std::string("the sealed secret key's ") + what + " cannot be told apart in its stream");
  std::copy(replacement.begin(), replacement.end(), at);
}

}  // namespace

SecureBytes unseal_secret_key(const SealedKey& sealed, const Password& password, std::string& algorithm) {
  Unsealed u = unseal(sealed, seal_params(sealed), password);
  algorithm = u.algorithm;
  return std::move(u.key);
}

Resealed reseal_secret_key_stream(ByteView stream, const Password& from, const Password& to) {
  ByteReader r(stream, "sealed secret key");
  SealedKey sealed = read_sealed_key(r);
  SealParams params = seal_params(sealed);
  Unsealed u = unseal(sealed, params, from);
  Bytes salt = ossl::random_bytes(params.salt.size());
  SecureBytes content = jce_pbe_crypt(true, u.stream.view(), to, salt, params.iterations);
  // Same plaintext, same cipher: the same length, so every length in the stream stays right.
  Bytes out(stream.begin(), stream.end());
  Bytes new_params = sealed.encoded_params;
  overwrite_once(new_params, params.salt, salt, "salt");
  overwrite_once(out, sealed.encoded_params, new_params, "parameters");
  overwrite_once(out, sealed.encrypted_content, content.view(), "content");
  return {std::move(out), std::move(u.key), std::move(u.algorithm)};
}

}  // namespace midks::fmt
