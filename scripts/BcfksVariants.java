// Writes the BCFKS variants keytool cannot ask for (scripts/gen-bcfks.sh runs it with bcprov on
// the class path), through Bouncy Castle's own BCFKSLoadStoreParameter:
//   kwp-sha3.bcfks   store and keys under AES-256-KWP, integrity HMAC-SHA3-512 with PBKDF2-HMAC-SHA3-512
//                    (20000 iterations, 32-byte salts); an RSA key pair with its chain (own key
//                    password other-key-pass), a trusted certificate and an AES key
//   signed.bcfks     integrity by an RSA signature (SignatureCheck) instead of an HMAC
//   scrypt.bcfks     integrity key derived with scrypt (N=1024, r=8, p=1)
//   java BcfksVariants <source.p12> <its password> <out dir>     (store password: changeit)
import java.io.*;
import java.security.*;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import javax.crypto.KeyGenerator;
import org.bouncycastle.crypto.util.PBKDF2Config;
import org.bouncycastle.crypto.util.ScryptConfig;
import org.bouncycastle.jcajce.BCFKSLoadStoreParameter;
import org.bouncycastle.jce.provider.BouncyCastleProvider;

public class BcfksVariants {
    static final char[] STOREPASS = "changeit".toCharArray();

    public static void main(String[] args) throws Exception {
        Security.addProvider(new BouncyCastleProvider());
        KeyStore src = KeyStore.getInstance("PKCS12");
        try (InputStream in = new FileInputStream(args[0])) { src.load(in, args[1].toCharArray()); }
        String alias = src.aliases().nextElement();
        PrivateKey key = (PrivateKey) src.getKey(alias, args[1].toCharArray());
        Certificate[] chain = src.getCertificateChain(alias);
        File out = new File(args[2]);

        // The encryption algorithm of keys is the store's as loaded, so it is chosen at load time.
        KeyStore kwp = KeyStore.getInstance("BCFKS", "BC");
        kwp.load(new BCFKSLoadStoreParameter.Builder().withStoreEncryptionAlgorithm(BCFKSLoadStoreParameter.EncryptionAlgorithm.AES256_KWP).build());
        fill(kwp, key, chain);
        try (OutputStream o = new FileOutputStream(new File(out, "kwp-sha3.bcfks"))) {
            kwp.store(new BCFKSLoadStoreParameter.Builder(o, STOREPASS)
                .withStoreEncryptionAlgorithm(BCFKSLoadStoreParameter.EncryptionAlgorithm.AES256_KWP)
                .withStoreMacAlgorithm(BCFKSLoadStoreParameter.MacAlgorithm.HmacSHA3_512)
                .withStorePBKDFConfig(new PBKDF2Config.Builder().withPRF(PBKDF2Config.PRF_SHA3_512).withIterationCount(20000).withSaltLength(32).build())
                .build());
        }

        KeyStore plain = KeyStore.getInstance("BCFKS", "BC");
        plain.load(null, null);
        fill(plain, key, chain);
        try (OutputStream o = new FileOutputStream(new File(out, "signed.bcfks"))) {
            plain.store(new BCFKSLoadStoreParameter.Builder(o, key)
                .withStoreSignatureAlgorithm(BCFKSLoadStoreParameter.SignatureAlgorithm.SHA512withRSA)
                .withCertificates(new X509Certificate[] {(X509Certificate) chain[0]})
                .build());
        }
        try (OutputStream o = new FileOutputStream(new File(out, "scrypt.bcfks"))) {
            plain.store(new BCFKSLoadStoreParameter.Builder(o, STOREPASS)
                .withStorePBKDFConfig(new ScryptConfig.Builder(1024, 8, 1).withSaltLength(16).build())
                .build());
        }
    }

    static void fill(KeyStore ks, PrivateKey key, Certificate[] chain) throws Exception {
        ks.setKeyEntry("rsa-own-pass", key, "other-key-pass".toCharArray(), chain);
        ks.setCertificateEntry("root", chain[chain.length - 1]);
        KeyGenerator aes = KeyGenerator.getInstance("AES");
        aes.init(128);
        ks.setKeyEntry("aes-128", aes.generateKey(), STOREPASS, null);
    }
}
