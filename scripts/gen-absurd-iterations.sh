#!/usr/bin/env bash
# Regenerates testdata/bundles/absurd: bundles whose attacker-chosen iteration counts are 2^31-1.
# Running a KDF that long takes minutes (openssl needs 7+ minutes for one such MAC), so each file
# is made with 2048 iterations and the DER INTEGER is then rewritten to 0x7fffffff (the enclosing
# lengths re-encoded). The patched files need not decrypt: readers must refuse them first.
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

# patch IN OUT INDEX: the INDEX-th INTEGER equal to 2048 (in DER order, looking inside OCTET
# STRINGs that hold DER) becomes 2^31-1.
patch() {
  python3 - "$@" <<'PY'
import sys
src, dst, want = sys.argv[1], sys.argv[2], int(sys.argv[3])
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
            if seen == want: content = b"\x7f\xff\xff\xff"
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

# OpenSSL writes the encrypted certificate safe first, then the shrouded key bag, then the MAC.
patch "$work/base.pfx" "$out/mac-iterations.pfx" 2
patch "$work/nomac.pfx" "$out/key-bag-iterations.pfx" 1
patch "$work/nomac.pfx" "$out/cert-safe-iterations.pfx" 0
patch "$work/base.p8" "$out/encrypted-pkcs8.der" 0
{ echo "-----BEGIN ENCRYPTED PRIVATE KEY-----"; base64 -w 64 "$out/encrypted-pkcs8.der"
  echo "-----END ENCRYPTED PRIVATE KEY-----"; cat "$work/cert.pem"; } > "$out/encrypted-pkcs8.pem"
echo "passphrase of every file: absurd-pass" > "$out/README"
