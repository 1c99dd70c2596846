// Writes the PKCS#12 files of testdata/keystores/pkcs12-peers whose key bags have no localKeyId,
// with node-forge (scripts/gen-pkcs12-peers.sh installs it in a scratch folder and runs this):
//   forge-no-key-id.p12          node-forge's own writer (toPkcs12Asn1, generateLocalKeyId off):
//                                one RSA key and its chain, the friendlyName on the key and leaf
//   forge-no-key-id-unnamed.p12  the same without a friendlyName
//   forge-two-keys-no-key-id.p12 two RSA keys and their certificates, named, no localKeyId, in
//                                Java's layout (keys in the first safe, certificates after), the
//                                second key's certificate first
//   node pkcs12-no-key-id.js <out dir> <key1.pem> <chain1.pem> <key2.pem> <cert2.pem>   (password: changeit)
'use strict';
const fs = require('fs');
const path = require('path');
const forge = require('node-forge');
const {asn1, pki, pkcs12} = forge;

const [outDir, key1File, chain1File, key2File, cert2File] = process.argv.slice(2);
const password = 'changeit';
const certsOf = (file) => fs.readFileSync(file, 'ascii').match(/-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----/g).map(pki.certificateFromPem);
const key1 = pki.privateKeyFromPem(fs.readFileSync(key1File, 'ascii'));
const key2 = pki.privateKeyFromPem(fs.readFileSync(key2File, 'ascii'));
const chain1 = certsOf(chain1File);
const cert2 = certsOf(cert2File)[0];
const write = (name, pfx) => fs.writeFileSync(path.join(outDir, name), Buffer.from(asn1.toDer(pfx).getBytes(), 'binary'));

write('forge-no-key-id.p12', pkcs12.toPkcs12Asn1(key1, chain1, password, {generateLocalKeyId: false, friendlyName: 'mid-rsa'}));
write('forge-no-key-id-unnamed.p12', pkcs12.toPkcs12Asn1(key1, chain1, password, {generateLocalKeyId: false}));

// Two keys: the bags built as toPkcs12Asn1 builds its one, the MAC as it computes it.
const U = asn1.Class.UNIVERSAL, T = asn1.Type;
const oid = (name) => asn1.create(U, T.OID, false, asn1.oidToDer(pki.oids[name]).getBytes());
const explicit0 = (value) => asn1.create(asn1.Class.CONTEXT_SPECIFIC, 0, true, [value]);
const seq = (items) => asn1.create(U, T.SEQUENCE, true, items);
const octets = (bytes) => asn1.create(U, T.OCTETSTRING, false, bytes);
const named = (name) => asn1.create(U, T.SET, true, [seq([oid('friendlyName'), asn1.create(U, T.SET, true, [asn1.create(U, T.BMPSTRING, false, name)])])]);
const certBag = (cert, name) => seq([oid('certBag'), explicit0(seq([oid('x509Certificate'), explicit0(octets(asn1.toDer(pki.certificateToAsn1(cert)).getBytes()))])), named(name)]);
const keyBag = (key, name) => seq([oid('pkcs8ShroudedKeyBag'), explicit0(pki.encryptPrivateKeyInfo(pki.wrapRsaPrivateKey(pki.privateKeyToAsn1(key)), password, {algorithm: 'aes256'})), named(name)]);
const dataSafe = (bags) => seq([oid('data'), explicit0(octets(asn1.toDer(seq(bags)).getBytes()))]);

const authSafe = asn1.toDer(seq([
  dataSafe([keyBag(key1, 'mid-rsa'), keyBag(key2, 'forge-rsa')]),
  dataSafe([certBag(cert2, 'forge-rsa'), ...chain1.map((c, i) => certBag(c, i === 0 ? 'mid-rsa' : c.subject.getField('CN').value))]),
])).getBytes();
const salt = forge.random.getBytesSync(8), count = 2048;
const hmac = forge.hmac.create();
hmac.start('sha1', pkcs12.generateKey(password, new forge.util.ByteBuffer(salt), 3, count, 20));
hmac.update(authSafe);
const macData = seq([
  seq([seq([oid('sha1'), asn1.create(U, T.NULL, false, '')]), octets(hmac.getMac().getBytes())]),
  octets(salt),
  asn1.create(U, T.INTEGER, false, asn1.integerToDer(count).getBytes()),
]);
write('forge-two-keys-no-key-id.p12', seq([asn1.create(U, T.INTEGER, false, asn1.integerToDer(3).getBytes()), seq([oid('data'), explicit0(octets(authSafe))]), macData]));
