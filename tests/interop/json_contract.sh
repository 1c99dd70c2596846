#!/usr/bin/env bash
# docs/json.md is a contract: every field it names for a command appears in that command's --json
# output (searched at any depth), and every command prints valid JSON.
#   json_contract.sh <manage-certificates> <source dir>
set -uo pipefail
bin=$1; src=$2; b=$src/testdata/bundles
source "$(dirname "$0")/lib.sh"
require python3
cd "$work" && cp "$src/testdata/config/basic-auth.xml" config.xml
printf 'pw\n' > pw.txt
# A key with two certificates a second apart, for a real renewal.
openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 30 -subj "/CN=JSON CA" 2>/dev/null
openssl req -newkey rsa:2048 -nodes -keyout r.key -out r.csr -subj "/CN=renewed" 2>/dev/null
openssl x509 -req -in r.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 10 -extfile <(printf 'extendedKeyUsage=clientAuth\n') -out r1.pem 2>/dev/null
sleep 1
openssl x509 -req -in r.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 20 -extfile <(printf 'extendedKeyUsage=clientAuth\n') -out r2.pem 2>/dev/null
cat r1.pem ca.pem r.key > r1.bundle
printf 'n3w-pass\n' > newpw.txt
# A certificate reply for a key pair that csr --keystore makes, signed by the same CA.
reply() { openssl x509 -req -in ob.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 10 -extfile <(printf 'extendedKeyUsage=clientAuth\n') -out ob.pem 2>/dev/null; }
j() { "$bin" "$@" --json 2>/dev/null; }
{
  echo "-a	$(j -a defaultsecuritykeypairhandle "$b/seed-order.pem")"
  echo "-a	$(j -a second "$b/server-auth-only.pem" --force)"
  echo "-a	$(j -a renewing r1.bundle)"
  echo "-g	$(j -g defaultsecuritykeypairhandle)"
  echo "-l	$(j -l)"
  echo "-s	$(j -s)"
  echo "-s	$(j -s --config "$src/testdata/config/broken.xml")"
  echo "-m	$(j -m)"
  echo "-b	$(j -b mid.user --instance-password-file pw.txt)"
  echo "doctor	$(j doctor "$b/seed-order.pem")"
  echo "csr	$(j csr c --subject CN=x)"
  echo "csr	$(j csr --keystore ob.jks --alias ob --subject CN=ob)"
  reply
  echo "-a	$(j -a jsonca ca.pem --keystore ob.jks)"
  echo "-a	$(j -a ob ob.pem --keystore ob.jks)"
  echo "convert	$(j convert converted.p12 --to pkcs12)"
  echo "split	$(j split --out-dir up)"
  echo "verify	$(j verify --url https://127.0.0.1:1 --timeout 1)"
  echo "renew	$(j renew renewing r2.pem --prune)"
  echo "expiry	$(j expiry security/agent_keystore /nonexistent)"
  echo "-d	$(j -d second)"
  echo "passwd	$(j passwd --new-storepass-file newpw.txt)"
  echo "error	$(j -g nosuch)"
} > outputs.tsv
python3 - "$src/docs/json.md" outputs.tsv <<'PY'
import json, re, sys
doc = open(sys.argv[1]).read()
outputs = {}
for line in open(sys.argv[2]):
    cmd, _, text = line.rstrip("\n").partition("\t")
    outputs.setdefault(cmd, []).append(json.loads(text))  # invalid JSON fails here
def keys(v, into):
    if isinstance(v, dict):
        for k, x in v.items():
            into.add(k); keys(x, into)
    elif isinstance(v, list):
        for x in v: keys(x, into)
    return into
failed = 0
rows = re.findall(r"^\| `([^`]+)`(?:, `[^`]+`)* \| `[^`]+`(?:, `[^`]+`)* \| (.+) \|$", doc, re.M)
rows.append(("error", "`code`, `exit_code`, `message`, `fix`"))
rows.append(("-a", "`subject`, `issuer`, `serial`, `not_before`, `not_after`, `days_left`, `key_algorithm`, `key_bits`, `sha1`, `sha256`, `is_ca`, `key_usage`, `extended_key_usage`, `subject_alt_names`, `severity`, `message`, `fix`"))
for cmd, fields in rows:
    names = set(re.findall(r"`([a-z_]+)`", re.sub(r"\([^)]*\)", "", fields)))
    if cmd not in outputs:
        print(f"FAIL {cmd}: documented but not exercised"); failed += 1; continue
    seen = set()
    for o in outputs[cmd]: keys(o, seen)
    missing = sorted(names - seen)
    print(("ok   " if not missing else "FAIL ") + f"{cmd}: {len(names)} documented fields" + (f", missing {missing}" if missing else ""))
    failed += bool(missing)
print(f"{len(rows)} commands checked, {failed} failed")
sys.exit(1 if failed or len(rows) < 15 else 0)
PY
