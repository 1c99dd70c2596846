// A strict reader for the small part of Java Object Serialization that key stores use:
// JCEKS stores secret keys as a serialized SealedObjectForKeyProtector, and inside it the key as a
// serialized SecretKeySpec or KeyRep. Only plain serializable objects, strings, enums and byte
// arrays are accepted; depth, handle count and every length are bounded.
#pragma once
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "byte_reader.hpp"

namespace midks::fmt {

struct JavaObject;

struct JavaValue {
  enum class Type { Null, Primitive, String, ByteArray, Object, Enum };
  Type type = Type::Null;
  std::int64_t number = 0;             // Primitive
  std::string text;                    // String, or the constant's name for Enum
  SecureBytes bytes;                   // ByteArray: a JCEKS secret key's bytes among them
  std::shared_ptr<JavaObject> object;  // Object
};

struct JavaObject {
  std::vector<std::string> class_chain;  // most derived first
  std::map<std::string, JavaValue> fields;

  const std::string& class_name() const { return class_chain.front(); }
  // Field of the given type, or nullptr.
  const JavaValue* field(const std::string& name, JavaValue::Type type) const;
};

// Reads one complete stream (magic, version, one object) from r, leaving r just after it.
JavaObject read_java_stream(ByteReader& r);

// The secret-key entry of a JCEKS store: SealedObject's four fields.
struct SealedKey {
  Bytes encoded_params;  // DER PBEParameter
  Bytes encrypted_content;
  std::string params_alg;
  std::string seal_alg;
};

// Reads a SealedObjectForKeyProtector stream and checks it has the shape Java's
// JceKeyStore accepts; anything else is refused the way keytool refuses it.
SealedKey read_sealed_key(ByteReader& r);

// Decrypts a sealed JCEKS secret key; returns the key bytes and sets algorithm ("AES", …).
SecureBytes unseal_secret_key(const SealedKey& sealed, const Password& password, std::string& algorithm);

// A SealedObjectForKeyProtector stream whose content is sealed again under `to` with a fresh salt
// (same iteration count); every other byte of the stream stays. Also gives the key it holds.
// Throws WRONG_KEY_PASSWORD when `from` does not open it.
struct Resealed {
  Bytes stream;
  SecureBytes key;
  std::string algorithm;
};
Resealed reseal_secret_key_stream(ByteView stream, const Password& from, const Password& to);

}  // namespace midks::fmt
