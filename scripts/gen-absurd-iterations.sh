#!/usr/bin/env bash
# Regenerates testdata/bundles/absurd: bundles whose attacker-chosen iteration counts are 2^31-1
# (and one whose scrypt N is 2^30). Running a KDF that long takes minutes (openssl needs 7+ minutes
# for one such MAC), so each file is made with 2048 iterations and the DER INTEGER is then
# rewritten (the enclosing lengths re-encoded). The patched files need not decrypt: readers must
# refuse them first.
# (gen-bundles.sh recreates testdata/bundles from scratch: run this one after it.)
set -euo pipefail
cd "$(dirname "$0")/.."
out=testdata/bundles/absurd
rm -rf "$out" && mkdir -p "$out"
work=$(mktemp -d) && trap 'rm -rf "$work"' EXIT
export LC_ALL=C

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$work/key.pem" -out "$work/cert.pem" \
  -subj "/CN=absurd-iterations" -days 3650 2>/dev/null
openssl pkcs12 -export -iter 2048 -name absurd -inkey "$work/key.pem" -in "$work/cert.pem" \
  -passout pass:absurd-pass -out "$work/base.pfx"
# Without a MAC (and then the certificate safe must be asked for), so that nothing but the
# iteration check stands before the safe's or the bag's KDF.
openssl pkcs12 -export -iter 2048 -nomac -certpbe AES-256-CBC -keypbe AES-256-CBC -name absurd -inkey "$work/key.pem" -in "$work/cert.pem" \
  -passout pass:absurd-pass -out "$work/nomac.pfx"
openssl pkcs8 -topk8 -v2 aes-256-cbc -iter 2048 -passout pass:absurd-pass -in "$work/key.pem" -outform DER \
  -out "$work/base.p8"
openssl pkcs8 -topk8 -v2 aes-256-cbc -scrypt -scrypt_N 2048 -scrypt_r 8 -scrypt_p 1 -passout pass:absurd-pass \
  -in "$work/key.pem" -outform DER -out "$work/scrypt.p8"
openssl x509 -in "$work/cert.pem" -outform DER -out "$work/cert.der"

# patch IN OUT INDEX [VALUE]: the INDEX-th INTEGER equal to 2048 (in DER order, looking inside
# OCTET STRINGs that hold DER) becomes VALUE (default 2^31-1).
patch() {
  python3 - "$@" <<'PY'
import sys
src, dst, want = sys.argv[1], sys.argv[2], int(sys.argv[3])
value = int(sys.argv[4]) if len(sys.argv) > 4 else 2**31 - 1
new_content = value.to_bytes((value.bit_length() + 8) // 8, "big")
seen = 0

def length(n):
    if n < 0x80: return bytes([n])
    b = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(b)]) + b

def parse(buf):  # -> list of (tag, content bytes); raises on anything but whole, definite-length DER
    items, i = [], 0
    while i < len(buf):
        tag = buf[i]; i += 1
        if tag & 0x1f == 0x1f: raise ValueError("high tag")
        n = buf[i]; i += 1
        if n & 0x80:
            k = n & 0x7f
            if k == 0 or k > 4 or i + k > len(buf): raise ValueError("length")
            n = int.from_bytes(buf[i:i + k], "big"); i += k
        if i + n > len(buf): raise ValueError("overrun")
        items.append((tag, buf[i:i + n])); i += n
    return items

def walk(buf):
    global seen
    out = b""
    for tag, content in parse(buf):
        if tag == 0x02 and content == b"\x08\x00":
            if seen == want: content = new_content
            seen += 1
        elif tag & 0x20:
            content = walk(content)
        elif tag == 0x04:
            try: content = walk(content)
            except (ValueError, IndexError): pass  # an OCTET STRING of plain bytes
        out += bytes([tag]) + length(len(content)) + content
    return out

data = walk(open(src, "rb").read())
if seen <= want: sys.exit(f"{src}: only {seen} INTEGER(s) 2048")
open(dst, "wb").write(data)
PY
}

# pfx_key_in_encrypted_safe EPKI CERT OUT: a PFX that holds the shrouded key bag EPKI (DER) and
# the certificate CERT (DER) together in one password-encrypted safe (PBES2, PBKDF2-HMAC-SHA256
# 2048, AES-256-CBC) under a SHA-256 MAC of 2048 iterations, as `openssl pkcs12 -export` never
# writes (its keys go in a plain safe): only who decrypts the safe sees the key bag's count.
pfx_key_in_encrypted_safe() {
  python3 - "$@" <<'PY'
import hashlib, hmac, os, subprocess, sys
epki, cert = open(sys.argv[1], "rb").read(), open(sys.argv[2], "rb").read()
password, iterations = b"absurd-pass", 2048

def tlv(tag, content):
    n = len(content)
    length = bytes([n]) if n < 0x80 else bytes([0x80 | ((n.bit_length() + 7) // 8)]) + n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([tag]) + length + content
def seq(*items): return tlv(0x30, b"".join(items))
def oid(dotted):
    parts = [int(x) for x in dotted.split(".")]
    out = bytes([40 * parts[0] + parts[1]])
    for p in parts[2:]:
        chunk = [p & 0x7F]
        while p > 0x7F:
            p >>= 7
            chunk.insert(0, 0x80 | (p & 0x7F))
        out += bytes(chunk)
    return tlv(0x06, out)
def integer(n): return tlv(0x02, n.to_bytes((n.bit_length() + 8) // 8, "big"))
def octets(b): return tlv(0x04, b)
def explicit0(b): return tlv(0xA0, b)

DATA, ENCRYPTED_DATA = "1.2.840.113549.1.7.1", "1.2.840.113549.1.7.6"
key_id = hashlib.sha1(b"absurd").digest()
attrs = tlv(0x31, seq(oid("1.2.840.113549.1.9.21"), tlv(0x31, octets(key_id))) +
                  seq(oid("1.2.840.113549.1.9.20"), tlv(0x31, tlv(0x1E, "absurd".encode("utf-16-be")))))
key_bag = seq(oid("1.2.840.113549.1.12.10.1.2"), explicit0(epki), attrs)
cert_bag = seq(oid("1.2.840.113549.1.12.10.1.3"),
               explicit0(seq(oid("1.2.840.113549.1.9.22.1"), explicit0(octets(cert)))), attrs)
safe_contents = seq(key_bag, cert_bag)

salt, iv = os.urandom(16), os.urandom(16)
key = hashlib.pbkdf2_hmac("sha256", password, salt, iterations, 32)
cipher = subprocess.run(["openssl", "enc", "-aes-256-cbc", "-K", key.hex(), "-iv", iv.hex()],
                        input=safe_contents, capture_output=True, check=True).stdout
pbes2 = seq(oid("1.2.840.113549.1.5.13"), seq(
    seq(oid("1.2.840.113549.1.5.12"), seq(octets(salt), integer(iterations), seq(oid("1.2.840.113549.2.9"), tlv(0x05, b"")))),
    seq(oid("2.16.840.1.101.3.4.1.42"), octets(iv))))
encrypted_data = seq(oid(ENCRYPTED_DATA), explicit0(seq(integer(0), seq(oid(DATA), pbes2, tlv(0x80, cipher)))))
auth_safe = seq(encrypted_data)

# The MAC key: RFC 7292 appendix B with SHA-256 (u = 32, v = 64), ID 3, the password as BMPString.
def p12_kdf(pw, salt, id_byte, rounds, n, u=32, v=64):
    fill = lambda b: (b * (v * ((len(b) + v - 1) // v) // len(b) + 1))[: v * ((len(b) + v - 1) // v)] if b else b""
    I = bytearray(fill(salt) + fill(pw))
    out = b""
    while len(out) < n:
        a = hashlib.sha256(bytes([id_byte]) * v + bytes(I)).digest()
        for _ in range(rounds - 1):
            a = hashlib.sha256(a).digest()
        out += a
        b = int.from_bytes((a * (v // u + 1))[:v], "big")
        for j in range(0, len(I), v):
            I[j:j + v] = ((int.from_bytes(I[j:j + v], "big") + b + 1) % (1 << (8 * v))).to_bytes(v, "big")
    return out[:n]
mac_salt = os.urandom(20)
mac_key = p12_kdf(password.decode().encode("utf-16-be") + b"\0\0", mac_salt, 3, iterations, 32)
mac = hmac.new(mac_key, auth_safe, hashlib.sha256).digest()
pfx = seq(integer(3), seq(oid(DATA), explicit0(octets(auth_safe))),
          seq(seq(seq(oid("2.16.840.1.101.3.4.2.1"), tlv(0x05, b"")), octets(mac)), octets(mac_salt), integer(iterations)))
open(sys.argv[3], "wb").write(pfx)
PY
}

# OpenSSL writes the encrypted certificate safe first, then the shrouded key bag, then the MAC.
patch "$work/base.pfx" "$out/mac-iterations.pfx" 2
patch "$work/nomac.pfx" "$out/key-bag-iterations.pfx" 1
patch "$work/nomac.pfx" "$out/cert-safe-iterations.pfx" 0
patch "$work/base.p8" "$out/encrypted-pkcs8.der" 0
{ echo "-----BEGIN ENCRYPTED PRIVATE KEY-----"; base64 -w 64 "$out/encrypted-pkcs8.der"
  echo "-----END ENCRYPTED PRIVATE KEY-----"; cat "$work/cert.pem"; } > "$out/encrypted-pkcs8.pem"
# The shrouded key bag inside the encrypted safe: a sane file first, which openssl must read whole
# (proving the hand-made structure and MAC right), then the same with the key bag's count patched.
pfx_key_in_encrypted_safe "$work/base.p8" "$work/cert.der" "$work/sane-key-in-safe.pfx"
openssl pkcs12 -in "$work/sane-key-in-safe.pfx" -passin pass:absurd-pass -nodes 2>/dev/null | grep -q "BEGIN PRIVATE KEY" ||
  { echo "the key-in-encrypted-safe PFX does not open with openssl" >&2; exit 1; }
pfx_key_in_encrypted_safe "$out/encrypted-pkcs8.der" "$work/cert.der" "$out/key-bag-in-encrypted-safe.pfx"
# scrypt with N = 2^30 (128 GiB of memory at r = 8).
patch "$work/scrypt.p8" "$work/scrypt-n.p8" 0 $((1 << 30))
{ echo "-----BEGIN ENCRYPTED PRIVATE KEY-----"; base64 -w 64 "$work/scrypt-n.p8"
  echo "-----END ENCRYPTED PRIVATE KEY-----"; cat "$work/cert.pem"; } > "$out/scrypt-n-pkcs8.pem"
echo "passphrase of every file: absurd-pass" > "$out/README"
