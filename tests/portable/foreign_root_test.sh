#!/usr/bin/env bash
# The portable binary where MID hosts stand: a root that holds nothing of Debian's, entered with
# chroot. It has a static busybox as /bin/sh and its tools, RHEL's layout (the CA bundle at
# /etc/pki/tls/certs/ca-bundle.crt, an /etc/pki/tls/openssl.cnf shaped like a FIPS-mode RHEL 9's with
# its crypto-policies include, /etc/passwd and /etc/group naming the MID's user), a MID agent folder
# owned by that user, and no libc.so, no /usr/lib/ssl, no /etc/ssl.
#   foreign_root_test.sh tarball <build dir> <source dir>   binary and wrapper from the tarball,
#                                                          put into agent/bin/scripts/ as the
#                                                          container recipe does
#   foreign_root_test.sh rpm <build dir> <source dir>       the RPM installed into the root with
#                                                          rpm --root; the wrapper finds it on PATH
# Inside, under busybox sh: the container recipe's -a "DefaultSecurityKeyPairHandle" bundle.pem and
# -m through the wrapper, a certutil-style RC2/3DES PFX, verify --url against openssl s_server on
# 127.0.0.1 (its CA only in RHEL's bundle path), -l as the MID's user. Outside, keytool and a JVM
# mutual-TLS handshake judge the keystore it wrote.
set -uo pipefail
mode=$1; build=$(cd "$2" && pwd); src=$(cd "$3" && pwd)
source "$src/tests/interop/lib.sh"
[ "$(id -u)" -eq 0 ] || skip_test "needs root (chroot)"
require chroot keytool java javac openssl readelf
{ [ -x /bin/busybox ] && ! readelf -d /bin/busybox 2>/dev/null | grep -q NEEDED; } ||
  skip_test "needs a static /bin/busybox (Debian's busybox-static)"
[ "$mode" = rpm ] && require rpm
mid_uid=1001 mid_gid=1001   # numeric: the host need not know this user
root=$work/root agent=$work/root/opt/agent chroot_bin=$(command -v chroot)

# ---- the MID agent folder, made by keytool and openssl as a real MID has it (PKCS12 keystore) ----
gen_agent "$work/gen" pkcs12 >/dev/null || { echo "FAIL gen-mid-agent.sh"; exit 1; }
mkdir -p "$root/opt" "$root/tmp" "$root/root" && chmod 1777 "$root/tmp"
cp -a "$work/gen/agent" "$agent"
chown -R "$mid_uid:$mid_gid" "$agent"

# ---- the program, as each package puts it ----
case $mode in
  tarball)
    tarball=$(ls "$build"/midks-*-linux-x86_64.tar.gz 2>/dev/null | head -1)
    [ -n "$tarball" ] || { echo "FAIL no tarball in $build (scripts/build-linux.sh makes it)"; exit 1; }
    tar -xzf "$tarball" -C "$work"
    cp "$work"/midks-*/manage-certificates "$work"/midks-*/manage-certificates.sh "$agent/bin/scripts/"
    chown "$mid_uid:$mid_gid" "$agent/bin/scripts/"* ;;
  rpm)
    rpmfile=$(ls "$build"/midks-*.x86_64.rpm 2>/dev/null | head -1)
    [ -n "$rpmfile" ] || { echo "FAIL no RPM in $build (scripts/build-linux.sh makes it)"; exit 1; }
    run_cmd rpm --root "$root" --dbpath /var/lib/rpm -i --nodeps "$rpmfile"
    check "rpm --root installs the package" '[ $rc -eq 0 ] && [ -x "$root/usr/bin/manage-certificates" ]'
    check "the installed binary is the tested binary" 'cmp -s "$root/usr/bin/manage-certificates" "$build/manage-certificates"'
    cp "$root/usr/share/midks/manage-certificates.sh" "$agent/bin/scripts/" ;;
  *) echo "usage: $0 tarball|rpm <build dir> <source dir>"; exit 2 ;;
esac

# ---- the rest of the root: busybox, RHEL's files, the MID's user ----
mkdir -p "$root/bin" "$root/dev" "$root/etc/pki/tls/certs" "$root/etc/crypto-policies/back-ends"
mknod -m 666 "$root/dev/null" c 1 3   # as a container runtime gives it
cp /bin/busybox "$root/bin/busybox"
chroot "$root" /bin/busybox --install -s /bin
printf 'root:x:0:0:root:/root:/bin/sh\nmid:x:%s:%s:MID Server:/opt/agent:/bin/sh\n' $mid_uid $mid_gid > "$root/etc/passwd"
printf 'root:x:0:\nmid:x:%s:\n' $mid_gid > "$root/etc/group"
# A FIPS-mode RHEL 9's openssl.cnf: it asks for the fips provider (a module this root does not have)
# and fips=yes on every algorithm. A program that read it would fail or change behaviour.
cat > "$root/etc/pki/tls/openssl.cnf" <<'EOF'
openssl_conf = openssl_init
[openssl_init]
ssl_conf = ssl_module
providers = provider_sect
alg_section = evp_properties
[ssl_module]
system_default = crypto_policy
[crypto_policy]
.include = /etc/crypto-policies/back-ends/opensslcnf.config
[provider_sect]
default = default_sect
fips = fips_sect
[default_sect]
activate = 1
[fips_sect]
module = /usr/lib64/ossl-modules/fips.so
activate = 1
[evp_properties]
default_properties = "fips=yes"
EOF
printf 'CipherString = @SECLEVEL=2:kEECDH:kRSA:kEDH:kPSK:kDHEPSK:kECDHEPSK:-aDSS:-3DES:!DES:!RC4:!RC2:!IDEA:-SEED:!eNULL:!aNULL:!MD5:-SHA384:-CAMELLIA:-ARIA:-AESCCM8\nMinProtocol = TLSv1.2\n' \
  > "$root/etc/crypto-policies/back-ends/opensslcnf.config"
check "the root has no C library, no /usr/lib/ssl and no /etc/ssl" \
  '[ -z "$(find "$root" -name "libc.so*" -o -name "ld-linux*")" ] && [ ! -e "$root/usr/lib/ssl" ] && [ ! -e "$root/etc/ssl" ]'

# ---- the server: its CA only in RHEL's bundle path; it asks for the MID's client certificate ----
cd "$work"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout server-ca.key -out server-ca.pem \
  -days 2 -subj "/CN=Instance Public CA" 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout server.key -out server.csr -subj "/CN=127.0.0.1" 2>/dev/null
openssl x509 -req -in server.csr -CA server-ca.pem -CAkey server-ca.key -CAcreateserial -days 2 \
  -extfile <(printf 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n') -out server.pem 2>/dev/null
cp server-ca.pem "$root/etc/pki/tls/certs/ca-bundle.crt"
start_s_server -cert server.pem -key server.key -CAfile "$work/gen/root.pem" -Verify 3 -verify_return_error -www -quiet

# in_root [--as UID:GID] COMMAND: COMMAND under busybox sh inside the root, with a container's bare
# environment; sets $out and $rc.
in_root() {
  local spec=()
  if [ "$1" = --as ]; then spec=(--userspec="$2"); shift 2; fi
  out=$(env -i PATH=/usr/bin:/bin HOME=/root PFXPASS=pfx-pass ${extra_env:-} "$chroot_bin" "${spec[@]}" "$root" /bin/sh -c "$1" 2>&1); rc=$?
}
wrapper=/opt/agent/bin/scripts/manage-certificates.sh
cp "$work/gen/bundle.pem" "$root/tmp/bundle.pem"
cp "$src/testdata/bundles/legacy.pfx" "$root/tmp/legacy.pfx"

in_root "cd /opt/agent && sh $wrapper --version"
check "the binary starts in the root and names the OpenSSL built into it" \
  '[ $rc -eq 0 ] && grep -q "^OpenSSL 3\.5\..*built in" <<<"$out"'

# The container recipe: -a by full path from another folder, then -m from the agent folder.
in_root "cd / && sh $wrapper -a \"DefaultSecurityKeyPairHandle\" /tmp/bundle.pem"
check "-a \"DefaultSecurityKeyPairHandle\" bundle.pem through the wrapper under busybox sh" '[ $rc -eq 0 ]'
check "… the keystore stays the MID user's, by number (1001:1001, mode 600)" \
  '[ "$(stat -c %u:%g:%a "$agent/security/agent_keystore")" = "$mid_uid:$mid_gid:600" ]'
check "… and its backup went into security_backup/" '[ -n "$(ls "$agent/security_backup" 2>/dev/null)" ]'
in_root "cd /opt/agent && sh bin/scripts/manage-certificates.sh -m"
check "-m through the wrapper" '[ $rc -eq 0 ] && ! grep -q "mid.instance.password" "$agent/config.xml"'
check "… config.xml stays the MID user's" '[ "$(stat -c %u:%g "$agent/config.xml")" = "$mid_uid:$mid_gid" ]'

# certutil's PFX: RC2-40 certificates and 3DES key, opened by the legacy provider compiled in.
in_root "cd /tmp && sh $wrapper -a legacy-client /tmp/legacy.pfx --keystore /tmp/legacy.p12 --keypass-env PFXPASS"
check "a legacy certutil PFX (RC2/3DES) imports with no ossl-modules folder" '[ $rc -eq 0 ] && [ -s "$root/tmp/legacy.p12" ]'

# verify finds RHEL's CA bundle by itself, and presents the MID's key to a server that asks.
in_root "cd /opt/agent && sh bin/scripts/manage-certificates.sh verify --url https://127.0.0.1:$port --timeout 5"
check "verify --url: the server's CA found only in /etc/pki/tls/certs/ca-bundle.crt, mutual TLS completes" '[ $rc -eq 0 ]'

# The FIPS-mode openssl.cnf where the built-in OpenSSL's OPENSSLDIR would look: not read.
mkdir -p "$root/etc/ssl" && cp "$root/etc/pki/tls/openssl.cnf" "$root/etc/ssl/openssl.cnf"
in_root --as "$mid_uid:$mid_gid" "cd /opt/agent && sh bin/scripts/manage-certificates.sh -l"
check "-l as the MID's user, with a FIPS-mode openssl.cnf in /etc/ssl left unread" \
  '[ $rc -eq 0 ] && grep -qE "(^|,)defaultsecuritykeypairhandle(,|$)" <<<"$out" && grep -qE "(^|,)midwss(,|$)" <<<"$out"'
rm -rf "$root/etc/ssl"
# An openssl.cnf named by OPENSSL_CONF is read: here one whose random generator does not exist.
printf 'openssl_conf = init\n[init]\nrandom = random_sect\n[random_sect]\nrandom = no-such-drbg\n' > "$root/tmp/rand.cnf"
extra_env=OPENSSL_CONF=/tmp/rand.cnf in_root "sh $wrapper -a other /tmp/bundle.pem --keystore /tmp/other.p12"
check "an openssl.cnf named by OPENSSL_CONF is honoured (its [random] section: INTERNAL, nothing written)" \
  '[ $rc -ne 0 ] && grep -q "INTERNAL" <<<"$out" && [ ! -e "$root/tmp/other.p12" ]'

# ---- outside: keytool and a JVM judge what was written inside ----
store=$agent/security/agent_keystore
run_cmd kt -list -keystore "$store" -storepass changeit
check "keytool lists the keystore written in the root (the MID's own entries kept)" \
  '[ $rc -eq 0 ] && grep -qi "^defaultsecuritykeypairhandle, .*PrivateKeyEntry" <<<"$out" && grep -qi "^midwss," <<<"$out"'
java_classes
start_s_server -cert server.pem -key server.key -CAfile "$work/gen/root.pem" -Verify 3 -verify_return_error -www -quiet
out=$(CLIENT_ALIAS=defaultsecuritykeypairhandle KEY_MANAGER=PKIX STOREPASS=changeit \
      java -cp "$classes" MtlsClient "$port" server-ca.pem PKCS12 "$store" 2>&1)
check "a JVM's mutual-TLS handshake with the key the root's -a stored" 'grep -q "^ok " <<<"$out"'
finish
