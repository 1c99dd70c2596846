// Loads key stores the way a MID Server's JVM does (KeyStore.getInstance(type) + SunX509 key
// manager) and uses each store's key entry for a mutual-TLS request, one JVM for many stores.
//   java MtlsClient <port> <server-ca.pem> <type> <keystore> [<type> <keystore>]…   (password: env STOREPASS)
// Prints one line per store: "ok <store> …" when the handshake with the client certificate
// completed and the server answered, "fail <store> …" otherwise. With env CLIENT_ALIAS set, the
// key manager presents that alias only, as the MID presents defaultsecuritykeypairhandle. With env
// KEY_MANAGER=PKIX the PKIX key manager is used instead of SunX509: SunX509 must recover every key
// entry with the store password, so it cannot load a MID keystore whose midwss has its own key
// password; PKIX skips such entries. With env EXTRA_PROVIDER set to a provider class on the class
// path (org.bouncycastle.jce.provider.BouncyCastleProvider), that provider is registered first, so
// that BCFKS stores load as on a FIPS-mode MID.
import java.io.*;
import java.net.*;
import java.nio.charset.StandardCharsets;
import java.security.KeyStore;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.*;
import java.util.Arrays;
import javax.net.ssl.*;

public class MtlsClient {
    static void addExtraProvider() throws Exception {
        String extra = System.getenv("EXTRA_PROVIDER");
        if (extra != null && !extra.isEmpty())
            java.security.Security.addProvider((java.security.Provider) Class.forName(extra).getDeclaredConstructor().newInstance());
    }

    public static void main(String[] args) throws Exception {
        addExtraProvider();
        int port = Integer.parseInt(args[0]);
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        try (InputStream in = new FileInputStream(args[1])) {
            trust.setCertificateEntry("server-ca", CertificateFactory.getInstance("X.509").generateCertificate(in));
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance("PKIX");
        tmf.init(trust);
        char[] pass = System.getenv("STOREPASS").toCharArray();
        for (int i = 2; i + 1 < args.length; i += 2) {
            System.out.println(attempt(args[i], args[i + 1], pass, tmf, port));
        }
    }

    static String attempt(String type, String path, char[] pass, TrustManagerFactory tmf, int port) {
        try {
            KeyStore ks = KeyStore.getInstance(type);
            try (InputStream in = new FileInputStream(path)) { ks.load(in, pass); }
            String only = System.getenv("CLIENT_ALIAS");
            boolean pkix = "PKIX".equals(System.getenv("KEY_MANAGER"));
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(pkix ? "PKIX" : "SunX509");
            if (pkix) kmf.init(new KeyStoreBuilderParameters(KeyStore.Builder.newInstance(ks, new KeyStore.PasswordProtection(pass))));
            else kmf.init(ks, pass);
            KeyManager[] kms = kmf.getKeyManagers();
            if (only != null) {
                String alias = only;
                if (pkix) {  // PKIX names entries "<uid>.<builder>.<alias>"
                    String[] all = ((X509KeyManager) kms[0]).getClientAliases("RSA", null);
                    alias = all == null ? null : Arrays.stream(all).filter(a -> a.endsWith("." + only)).findFirst().orElse(null);
                    if (alias == null) return "fail " + path + " no usable key entry " + only;
                }
                kms = new KeyManager[] {fixedAlias((X509KeyManager) kms[0], alias)};
            }
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(kms, tmf.getTrustManagers(), null);
            try (SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket("127.0.0.1", port)) {
                s.setSoTimeout(15000);
                s.startHandshake();
                Certificate[] mine = s.getSession().getLocalCertificates();
                if (mine == null || mine.length == 0) return "fail " + path + " no client certificate was sent";
                OutputStream out = s.getOutputStream();
                out.write("GET / HTTP/1.0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                out.flush();
                String reply = new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
                if (!reply.startsWith("HTTP/1.0 200")) return "fail " + path + " server did not answer 200";
                return "ok " + path + " " + s.getSession().getProtocol() + ", client certificate "
                    + ((X509Certificate) mine[0]).getSubjectX500Principal() + " serial "
                    + ((X509Certificate) mine[0]).getSerialNumber().toString(16) + ", chain of " + mine.length;
            }
        } catch (Exception e) {
            return "fail " + path + " " + e;
        }
    }

    static X509KeyManager fixedAlias(X509KeyManager inner, String alias) {
        return new X509KeyManager() {
            public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) { return alias; }
            public String[] getClientAliases(String keyType, Principal[] issuers) { return new String[] {alias}; }
            public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) { return null; }
            public String[] getServerAliases(String keyType, Principal[] issuers) { return null; }
            public X509Certificate[] getCertificateChain(String a) { return inner.getCertificateChain(a); }
            public PrivateKey getPrivateKey(String a) { return inner.getPrivateKey(a); }
        };
    }
}
