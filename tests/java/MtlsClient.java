// Loads a key store the way a MID Server's JVM does (KeyStore.getInstance(type) + SunX509 key
// manager) and uses its key entry for a mutual-TLS request. Exit 0 only if the handshake with the
// client certificate completed and the server answered.
//   java MtlsClient <keystore> <JKS|JCEKS|PKCS12> <server-ca.pem> <port>   (store password: env STOREPASS)
import java.io.*;
import java.net.*;
import java.nio.charset.StandardCharsets;
import java.security.KeyStore;
import java.security.cert.*;
import javax.net.ssl.*;

public class MtlsClient {
    public static void main(String[] args) throws Exception {
        char[] pass = System.getenv("STOREPASS").toCharArray();
        KeyStore ks = KeyStore.getInstance(args[1]);
        try (InputStream in = new FileInputStream(args[0])) { ks.load(in, pass); }
        KeyManagerFactory kmf = KeyManagerFactory.getInstance("SunX509");
        kmf.init(ks, pass);

        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        try (InputStream in = new FileInputStream(args[2])) {
            trust.setCertificateEntry("server-ca", CertificateFactory.getInstance("X.509").generateCertificate(in));
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance("PKIX");
        tmf.init(trust);

        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(kmf.getKeyManagers(), tmf.getTrustManagers(), null);
        try (SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket("127.0.0.1", Integer.parseInt(args[3]))) {
            s.setSoTimeout(15000);
            s.startHandshake();
            Certificate[] mine = s.getSession().getLocalCertificates();
            if (mine == null || mine.length == 0) { System.out.println("no client certificate was sent"); System.exit(1); }
            OutputStream out = s.getOutputStream();
            out.write("GET / HTTP/1.0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            String reply = new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
            if (!reply.startsWith("HTTP/1.0 200")) { System.out.println("unexpected reply: " + reply); System.exit(1); }
            System.out.println("handshake ok: " + s.getSession().getProtocol() + ", client certificate "
                + ((X509Certificate) mine[0]).getSubjectX500Principal() + ", chain of " + mine.length);
        } catch (SSLException e) {
            System.out.println("handshake failed: " + e);
            System.exit(2);
        }
    }
}
