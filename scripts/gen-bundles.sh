#!/usr/bin/env bash
# Regenerates testdata/bundles: PEM/PFX/DER bundles as admins really have them, one per hazard
# and one per validation failure, made with openssl 3, plus cases.tsv (the table the tests read).
# Validity windows are fixed dates; the tests evaluate them at 2027-06-01T00:00:00Z.
set -euo pipefail
cd "$(dirname "$0")/.."
out=testdata/bundles
rm -rf "$out" && mkdir -p "$out/split" "$out/three" "$out/der"
work=$(mktemp -d) && trap 'rm -rf "$work"' EXIT
export LC_ALL=C

{ cat scripts/fixture-ca.cnf; cat <<'CNF'
[server_ext]
basicConstraints = CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = serverAuth
authorityKeyIdentifier = keyid
[nodigsig_ext]
basicConstraints = CA:FALSE
keyUsage = critical,keyEncipherment
extendedKeyUsage = clientAuth
authorityKeyIdentifier = keyid
[notca_ext]
basicConstraints = critical,CA:FALSE
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[self_ext]
basicConstraints = CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = clientAuth
CNF
cat scripts/fixture-extensions.cnf; } > "$work/ca.cnf"

key() { openssl genpkey "$@" 2>/dev/null; }
# sign NAME SUBJECT ISSUER(cert base name or "self") EXT START END   (key in $work/NAME.key)
sign() {
  local name=$1 subj=$2 issuer=$3 ext=$4 start=$5 end=$6
  export DB=$work/db-$name && mkdir -p "$DB" && : > "$DB/index.txt" && openssl rand -hex 8 > "$DB/serial"
  openssl req -new -key "$work/$name.key" -subj "$subj" -out "$work/$name.csr" 2>/dev/null
  if [ "$issuer" = self ]; then
    openssl ca -batch -notext -config "$work/ca.cnf" -selfsign -keyfile "$work/$name.key" -in "$work/$name.csr" \
      -extensions "$ext" -startdate "$start" -enddate "$end" -out "$work/$name.pem" 2>/dev/null
  else
    openssl ca -batch -notext -config "$work/ca.cnf" -cert "$work/$issuer.pem" -keyfile "$work/$issuer.key" \
      -in "$work/$name.csr" -extensions "$ext" -startdate "$start" -enddate "$end" -out "$work/$name.pem" 2>/dev/null
  fi
}
rsa() { key -algorithm RSA -pkeyopt rsa_keygen_bits:${2:-2048} -out "$work/$1.key"; }
ec() { key -algorithm EC -pkeyopt ec_paramgen_curve:$2 -out "$work/$1.key"; }
W=20260101000000Z; E=20360101000000Z  # the ordinary leaf window

rsa root; sign root "/CN=Bundle Root CA/O=midks tests" self root_ext 20250101000000Z 20450101000000Z
rsa int; sign int "/CN=Bundle Intermediate CA/O=midks tests" root int_ext 20250101000000Z 20450101000000Z
rsa leaf; sign leaf "/CN=mid-server-01/O=midks tests" int leaf_ext $W $E
ec ec256 P-256; sign ec256 "/CN=mid-ec256" int leaf_ext $W $E
ec ec384 P-384; sign ec384 "/CN=mid-ec384" int leaf_ext $W $E
ec ec521 P-521; sign ec521 "/CN=mid-ec521" int leaf_ext $W $E
key -algorithm ED25519 -out "$work/ed25519.key"; sign ed25519 "/CN=mid-ed25519" int leaf_ext $W $E
rsa weak 1024; sign weak "/CN=mid-weak-rsa1024" int leaf_ext $W $E
rsa soon; sign soon "/CN=mid-expiring" int leaf_ext $W 20270620000000Z
rsa expired; sign expired "/CN=mid-expired" int leaf_ext 20250101000000Z 20270101000000Z
rsa future; sign future "/CN=mid-future" int leaf_ext 20280101000000Z 20380101000000Z
rsa server; sign server "/CN=mid-server-eku" int server_ext $W $E
rsa nodig; sign nodig "/CN=mid-no-digitalsignature" int nodigsig_ext $W $E
rsa self; sign self "/CN=mid-self-signed" self self_ext $W $E
rsa notca; sign notca "/CN=Not A CA" root notca_ext 20250101000000Z 20450101000000Z
rsa undernotca; sign undernotca "/CN=mid-under-not-ca" notca leaf_ext $W $E
rsa other; sign other "/CN=Unrelated Other CA" self root_ext 20250101000000Z 20450101000000Z

p8() { openssl pkcs8 -topk8 -nocrypt -in "$work/$1.key"; }
cert() { cat "$work/$1.pem"; }
chain() { cert int; cert root; }
b() { cat > "$out/$1"; }

# --- accepted ---
{ cert leaf; chain; p8 leaf; } | b seed-order.pem
{ p8 leaf; cert leaf; chain; } | b key-first.pem
{ cert root; cert int; p8 leaf; cert leaf; } | b reversed.pem
{ cert leaf; chain; openssl rsa -in "$work/leaf.key" -traditional 2>/dev/null; } | b pkcs1.pem
{ openssl ecparam -name prime256v1; cert ec256; chain; openssl ec -in "$work/ec256.key" 2>/dev/null; } | b sec1-ec256.pem
{ cert ec384; chain; p8 ec384; } | b ec384.pem
{ cert ec521; chain; p8 ec521; } | b ec521.pem
{ cert ed25519; chain; p8 ed25519; } | b ed25519.pem
{ cert leaf; chain; openssl pkcs8 -topk8 -v2 aes-256-cbc -passout pass:bundle-pass -in "$work/leaf.key"; } | b encrypted-pkcs8.pem
{ cert leaf; chain; openssl rsa -aes256 -traditional -passout pass:bundle-pass -in "$work/leaf.key" 2>/dev/null; } | b traditional-encrypted.pem
sed 's/$/\r/' "$out/seed-order.pem" | b crlf.pem
awk 'NR % 3 == 0 { printf "%s\r\n", $0; next } { print }' "$out/seed-order.pem" | b mixed-endings.pem
{ printf '\xef\xbb\xbf'; cat "$out/seed-order.pem"; } | b bom.pem
{ cert leaf; printf '\x1a'; cert int; printf '\x1a'; cert root; printf '\x1a'; p8 leaf; printf '\x1a'; } | b ctrlz.pem
{ printf '\n\n  '; cert leaf; printf '\n\n\t\n'; chain | sed 's/^/  /'; printf '\n'; p8 leaf; printf '\nsome trailing notes the admin pasted\n'; } | b whitespace.pem
openssl pkcs12 -export -name mid -inkey "$work/leaf.key" -in <(cert leaf; chain) -passout pass:pfx-pass -out "$work/bag.p12"
openssl pkcs12 -in "$work/bag.p12" -passin pass:pfx-pass -nodes 2>/dev/null | b bag-attributes.pem
{ cert leaf; cert int; openssl x509 -in "$work/root.pem" -trustout -addtrust clientAuth; p8 leaf; } | b trusted-certificate.pem
{ cert leaf; cert int; cert int; chain; p8 leaf; p8 leaf; } | b duplicates.pem
{ cert leaf; chain; cert other; p8 leaf; } | b unrelated-certificate.pem
{ cert leaf; cert int; p8 leaf; } | b no-root.pem
{ cert soon; chain; p8 soon; } | b expiring-soon.pem
{ cert weak; chain; p8 weak; } | b rsa1024.pem
openssl crl2pkcs7 -nocrl -certfile <(chain) > "$out/chain.p7b.pem"
{ cert leaf; p8 leaf; } | b leaf-and-key.pem
chain | b split/ca-chain.pem; { cert leaf; p8 leaf; } | b split/leaf-key.pem
cert leaf | b three/leaf.pem; p8 leaf | b three/key.pem; chain | b three/chain.pem
openssl pkcs12 -export -name mid -inkey "$work/leaf.key" -in <(cert leaf; chain) -passout pass:pfx-pass -out "$out/modern.pfx"
openssl pkcs12 -export -legacy -name mid -inkey "$work/leaf.key" -in <(cert leaf; chain) -passout pass:pfx-pass -out "$out/legacy.pfx"
openssl x509 -in "$work/leaf.pem" -outform DER -out "$out/der/leaf.cer"
openssl x509 -in "$work/int.pem" -outform DER -out "$out/der/int.cer"
openssl x509 -in "$work/root.pem" -outform DER -out "$out/der/root.cer"
openssl pkcs8 -topk8 -nocrypt -in "$work/leaf.key" -outform DER -out "$out/der/key.der"

# --- refused or failing ---
{ cert leaf; chain; p8 ec256; } | b key-mismatch.pem
{ cert leaf; chain; p8 leaf; p8 ec256; } | b two-keys.pem
{ cert leaf; chain; } | b no-key.pem
p8 leaf | b no-certificate.pem
{ cert leaf; cert root; p8 leaf; } | b missing-intermediate.pem
# A leaf whose signature was damaged in transit (one byte of the signature flipped).
openssl x509 -in "$work/leaf.pem" -outform DER -out "$work/leaf.der"
size=$(stat -c %s "$work/leaf.der")
{ head -c $((size - 10)) "$work/leaf.der"; printf '\x00'; tail -c 9 "$work/leaf.der"; } > "$work/bad.der"
{ openssl x509 -inform DER -in "$work/bad.der"; chain; p8 leaf; } | b bad-signature.pem
{ cert self; p8 self; } | b self-signed-leaf.pem
{ cert server; chain; p8 server; } | b server-auth-only.pem
{ cert nodig; chain; p8 nodig; } | b no-digital-signature.pem
{ cert undernotca; cert notca; cert root; p8 undernotca; } | b issuer-not-ca.pem
{ cert expired; chain; p8 expired; } | b expired.pem
{ cert future; chain; p8 future; } | b not-yet-valid.pem
openssl req -new -key "$work/leaf.key" -subj "/CN=mid-server-01" | b certificate-request.pem
{ cert leaf | sed '3s/.*/!!!! not base64 !!!!/'; chain; p8 leaf; } | b damaged-base64.pem
{ cert leaf | sed '$d'; chain; p8 leaf; } | b missing-end.pem
: > "$out/empty.pem"

# The table: name, files (comma-separated), passphrase, outcome, codes (findings expected, or the
# refusal/error), chain (leaf first, CNs separated by >). outcome: ok | refused (import would need
# --force) | error (never importable).
chain_ok="mid-server-01>Bundle Intermediate CA>Bundle Root CA"
cat > "$out/cases.tsv" <<TSV
name	files	passphrase	outcome	codes	chain
seed order (leaf, int, root, key)	seed-order.pem		ok		$chain_ok
key before the certificates	key-first.pem		ok		$chain_ok
root first, key in the middle	reversed.pem		ok		$chain_ok
PKCS#1 RSA key	pkcs1.pem		ok		$chain_ok
SEC1 EC key with EC PARAMETERS	sec1-ec256.pem		ok	NON_RSA_KEY	mid-ec256>Bundle Intermediate CA>Bundle Root CA
EC P-384	ec384.pem		ok	NON_RSA_KEY	mid-ec384>Bundle Intermediate CA>Bundle Root CA
EC P-521	ec521.pem		ok	NON_RSA_KEY	mid-ec521>Bundle Intermediate CA>Bundle Root CA
Ed25519	ed25519.pem		ok	NON_RSA_KEY	mid-ed25519>Bundle Intermediate CA>Bundle Root CA
encrypted PKCS#8	encrypted-pkcs8.pem	bundle-pass	ok		$chain_ok
traditional encrypted PEM	traditional-encrypted.pem	bundle-pass	ok		$chain_ok
CRLF line endings	crlf.pem		ok		$chain_ok
mixed line endings	mixed-endings.pem		ok		$chain_ok
UTF-8 BOM	bom.pem		ok		$chain_ok
Ctrl-Z bytes from copy /b	ctrlz.pem		ok		$chain_ok
blank lines, indentation, trailing text	whitespace.pem		ok		$chain_ok
openssl pkcs12 -nodes output with Bag Attributes	bag-attributes.pem		ok		$chain_ok
root as TRUSTED CERTIFICATE	trusted-certificate.pem		ok		$chain_ok
duplicate certificates and keys	duplicates.pem		ok		$chain_ok
unrelated certificate left out	unrelated-certificate.pem		ok	UNRELATED_CERTIFICATE	$chain_ok
chain without the root	no-root.pem		ok	ROOT_MISSING	mid-server-01>Bundle Intermediate CA
leaf expiring within 30 days	expiring-soon.pem		ok	EXPIRES_SOON	mid-expiring>Bundle Intermediate CA>Bundle Root CA
RSA 1024-bit key	rsa1024.pem		refused	WEAK_KEY	
CA chain file + leaf/key file	split/ca-chain.pem,split/leaf-key.pem		ok		$chain_ok
leaf, key and chain as three files	three/leaf.pem,three/key.pem,three/chain.pem		ok		$chain_ok
PKCS#7 chain + leaf/key file	chain.p7b.pem,leaf-and-key.pem		ok		$chain_ok
PFX (AES, SHA-256 MAC)	modern.pfx	pfx-pass	ok		$chain_ok
PFX legacy RC2/3DES as certutil exports	legacy.pfx	pfx-pass	ok		$chain_ok
DER certificates and DER key	der/leaf.cer,der/int.cer,der/root.cer,der/key.der		ok		$chain_ok
key does not match any certificate	key-mismatch.pem		error	KEY_MISMATCH	
two different private keys	two-keys.pem		error	MULTIPLE_KEYS	
no private key	no-key.pem		error	NO_PRIVATE_KEY	
no certificate	no-certificate.pem		error	NO_CERTIFICATE	
missing intermediate	missing-intermediate.pem		refused	CHAIN_BROKEN	
damaged leaf signature	bad-signature.pem		error	SIGNATURE_INVALID	
self-signed leaf	self-signed-leaf.pem		refused	SELF_SIGNED_LEAF	
serverAuth-only EKU	server-auth-only.pem		refused	LEAF_NOT_CLIENT_AUTH	
keyUsage without digitalSignature	no-digital-signature.pem		refused	LEAF_KEY_USAGE	
issuer without CA:TRUE	issuer-not-ca.pem		refused	ISSUER_NOT_CA	
expired leaf	expired.pem		refused	EXPIRED	
leaf not yet valid	not-yet-valid.pem		refused	NOT_YET_VALID	
encrypted key without passphrase	encrypted-pkcs8.pem		error	PASSPHRASE_NEEDED	
encrypted key with wrong passphrase	encrypted-pkcs8.pem	wrong-pass	error	PASSPHRASE_WRONG	
PFX with wrong password	legacy.pfx	wrong-pass	error	PASSPHRASE_WRONG	
a CSR instead of a certificate	certificate-request.pem		error	NOT_A_CERTIFICATE	
damaged base64	damaged-base64.pem		error	PEM_DAMAGED	
missing END line	missing-end.pem		error	PEM_DAMAGED	
empty file	empty.pem		error	EMPTY_INPUT	
TSV
scripts/gen-absurd-iterations.sh  # its absurd/ folder lives under $out too
echo "bundles written to $out"
