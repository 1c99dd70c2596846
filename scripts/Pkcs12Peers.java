// Writes the PKCS#12 files of testdata/keystores/pkcs12-peers that Java programs make
// (scripts/gen-pkcs12-peers.sh runs it with bcprov on the class path):
//   java-same-ms.p12  the JDK's own PKCS12 KeyStore, three key entries added in one millisecond
//                     (as a program copying protected keys does), so that all three share the
//                     localKeyId "Time <ms>", and a trusted certificate
//   bc-ber.p12        Bouncy Castle's default "PKCS12" KeyStore: BER (indefinite lengths), 3DES
//                     keys, RC2-40 certificates, SHA-1 localKeyIds
//   java Pkcs12Peers <pem dir> <out dir>      (store and key password: changeit)
// Each key file in <pem dir> is an unencrypted PKCS#8 PEM beside its chain (NAME.key, NAME-chain.pem).
import java.io.*;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.security.*;
import java.security.cert.*;
import java.security.cert.Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.*;
import javax.crypto.*;
import javax.crypto.spec.*;
import org.bouncycastle.jce.provider.BouncyCastleProvider;

public class Pkcs12Peers {
    static final char[] PASS = "changeit".toCharArray();
    static final String[] KEYS = {"mid-rsa", "mid-ec256", "mid-ec384"};

    public static void main(String[] args) throws Exception {
        Security.addProvider(new BouncyCastleProvider());
        File pem = new File(args[0]), out = new File(args[1]);
        CertificateFactory cf = CertificateFactory.getInstance("X.509");
        Map<String, PrivateKey> keys = new LinkedHashMap<>();
        Map<String, Certificate[]> chains = new LinkedHashMap<>();
        for (String name : KEYS) {
            keys.put(name, readKey(new File(pem, name + ".key")));
            try (InputStream in = new FileInputStream(new File(pem, name + "-chain.pem"))) {
                chains.put(name, cf.generateCertificates(in).toArray(new Certificate[0]));
            }
        }
        Certificate root;
        try (InputStream in = new FileInputStream(new File(pem, "root.pem"))) { root = cf.generateCertificate(in); }

        // The JDK keystore dates an entry when it is set and makes its localKeyId of that date;
        // protected keys (setKeyEntry with bytes) are set without a KDF in between, so a few of
        // them share a millisecond. Retried until all three do.
        Map<String, byte[]> sealed = new LinkedHashMap<>();
        for (String name : KEYS) sealed.put(name, seal(keys.get(name)));
        KeyStore jdk = null;
        for (int attempt = 0; attempt < 1000 && jdk == null; attempt++) {
            KeyStore ks = KeyStore.getInstance("PKCS12", "SUN");
            ks.load(null, null);
            for (String name : KEYS) ks.setKeyEntry(name, sealed.get(name), chains.get(name));
            Set<Date> dates = new HashSet<>();
            for (String name : KEYS) dates.add(ks.getCreationDate(name));
            if (dates.size() == 1) jdk = ks;
        }
        if (jdk == null) throw new Exception("three entries never shared a millisecond");
        jdk.setCertificateEntry("fixture-root", root);
        store(jdk, new File(out, "java-same-ms.p12"));

        KeyStore bc = KeyStore.getInstance("PKCS12", "BC");
        bc.load(null, null);
        for (String name : KEYS) bc.setKeyEntry(name, keys.get(name), PASS, chains.get(name));
        bc.setCertificateEntry("fixture-root", root);
        store(bc, new File(out, "bc-ber.p12"));
    }

    static PrivateKey readKey(File f) throws Exception {
        String text = new String(Files.readAllBytes(f.toPath()), StandardCharsets.US_ASCII);
        byte[] der = Base64.getMimeDecoder().decode(text.replaceAll("-----[A-Z ]+-----", ""));
        PKCS8EncodedKeySpec spec = new PKCS8EncodedKeySpec(der);
        for (String alg : new String[] {"RSA", "EC"}) {
            try { return KeyFactory.getInstance(alg).generatePrivate(spec); } catch (Exception e) { /* the other one */ }
        }
        throw new Exception("not an RSA or EC key: " + f);
    }

    // An EncryptedPrivateKeyInfo as the JDK's PKCS12 writes one by default (PBES2, PBKDF2 with
    // HMAC-SHA256, AES-256-CBC, 10000 iterations), under the store password.
    static byte[] seal(PrivateKey key) throws Exception {
        SecureRandom random = new SecureRandom();
        byte[] salt = new byte[20], iv = new byte[16];
        random.nextBytes(salt);
        random.nextBytes(iv);
        String alg = "PBEWithHmacSHA256AndAES_256";
        SecretKey pbe = SecretKeyFactory.getInstance(alg).generateSecret(new PBEKeySpec(PASS));
        Cipher c = Cipher.getInstance(alg);
        c.init(Cipher.ENCRYPT_MODE, pbe, new PBEParameterSpec(salt, 10000, new IvParameterSpec(iv)));
        byte[] data = c.doFinal(key.getEncoded());
        // The cipher's parameters are PBES2-params; named so, they get PBES2's OID.
        AlgorithmParameters pbes2 = AlgorithmParameters.getInstance("PBES2");
        pbes2.init(c.getParameters().getEncoded());
        return new EncryptedPrivateKeyInfo(pbes2, data).getEncoded();
    }

    static void store(KeyStore ks, File f) throws Exception {
        try (OutputStream o = new FileOutputStream(f)) { ks.store(o, PASS); }
    }
}
