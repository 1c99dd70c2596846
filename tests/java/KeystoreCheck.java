// Opens a key store the way a JVM does (KeyStore.getInstance(type); for BCFKS, env EXTRA_PROVIDER
// names the provider class to register first, as a FIPS MID lists Bouncy Castle in its
// java.security) and proves every entry usable:
// each private key is recovered with its password and must sign what its leaf's public key
// verifies; each secret key is recovered; each certificate parses.
//   java KeystoreCheck <type> <keystore> [alias=keypass]…     (store password: env STOREPASS)
// Prints one line per entry, sorted by alias:
//   <alias> PrivateKeyEntry <SHA-256 of the leaf> chain=<n> key=<algorithm> matches-leaf
//   <alias> trustedCertEntry <SHA-256>
//   <alias> SecretKeyEntry <algorithm> <bits> sha256=<SHA-256 of the key bytes>
// and "fail <alias> <reason>" for an entry that does not open or whose key is not its leaf's.
import java.io.FileInputStream;
import java.io.InputStream;
import java.security.*;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.*;
import javax.crypto.SecretKey;

public class KeystoreCheck {
    public static void main(String[] args) throws Exception {
        MtlsClient.addExtraProvider();
        char[] storepass = System.getenv("STOREPASS").toCharArray();
        Map<String, char[]> keypass = new HashMap<>();
        for (int i = 2; i < args.length; i++) {
            int eq = args[i].indexOf('=');
            keypass.put(args[i].substring(0, eq), args[i].substring(eq + 1).toCharArray());
        }
        KeyStore ks = KeyStore.getInstance(args[0]);
        try (InputStream in = new FileInputStream(args[1])) { ks.load(in, storepass); }
        System.out.println("type " + ks.getType() + " provider " + ks.getProvider().getName() + " entries " + ks.size());
        List<String> aliases = Collections.list(ks.aliases());
        Collections.sort(aliases);
        int failed = 0;
        for (String alias : aliases) {
            try {
                System.out.println(describe(ks, alias, keypass.getOrDefault(alias, storepass)));
            } catch (Exception e) {
                failed++;
                System.out.println("fail " + alias + " " + e);
            }
        }
        System.exit(failed == 0 ? 0 : 1);
    }

    static String describe(KeyStore ks, String alias, char[] pass) throws Exception {
        if (ks.isCertificateEntry(alias)) return alias + " trustedCertEntry " + fingerprint(ks.getCertificate(alias));
        Key key = ks.getKey(alias, pass);
        // The key's digest, never the key: the same secret key in two stores prints the same line.
        if (key instanceof SecretKey)
            return alias + " SecretKeyEntry " + key.getAlgorithm() + " " + key.getEncoded().length * 8 + " sha256=" + sha256(key.getEncoded());
        if (!(key instanceof PrivateKey)) throw new Exception("no key recovered");
        Certificate[] chain = ks.getCertificateChain(alias);
        X509Certificate leaf = (X509Certificate) chain[0];
        String alg = key.getAlgorithm().equals("RSA") ? "SHA256withRSA" : key.getAlgorithm().startsWith("EC") ? "SHA256withECDSA" : null;
        if (alg == null) throw new Exception("unexpected key algorithm " + key.getAlgorithm());
        byte[] message = ("proof for " + alias).getBytes("UTF-8");
        Signature sign = Signature.getInstance(alg);
        sign.initSign((PrivateKey) key);
        sign.update(message);
        byte[] signature = sign.sign();
        Signature verify = Signature.getInstance(alg);
        verify.initVerify(leaf.getPublicKey());
        verify.update(message);
        if (!verify.verify(signature)) throw new Exception("the key does not match its leaf certificate");
        return alias + " PrivateKeyEntry " + fingerprint(leaf) + " chain=" + chain.length + " key=" + key.getAlgorithm() + " matches-leaf";
    }

    static String fingerprint(Certificate c) throws Exception { return sha256(c.getEncoded()); }

    static String sha256(byte[] data) throws Exception {
        byte[] d = MessageDigest.getInstance("SHA-256").digest(data);
        StringBuilder sb = new StringBuilder();
        for (byte b : d) sb.append(sb.length() == 0 ? "" : ":").append(String.format("%02X", b));
        return sb.toString();
    }
}
