import java.io.*;
import java.security.*;
import java.security.cert.Certificate;
import java.util.*;
// EntryDump TYPE FILE STOREPASS [alias=keypass]...: one line per alias, sorted: kind and SHA-256 of
// the key's encoding and of every certificate; "error" when the entry does not open.
public class EntryDump {
    public static void main(String[] a) throws Exception {
        KeyStore ks = KeyStore.getInstance(a[0]);
        try (InputStream in = new FileInputStream(a[1])) { ks.load(in, a[2].toCharArray()); }
        Map<String, String> pass = new HashMap<>();
        for (int i = 3; i < a.length; i++) { int e = a[i].indexOf('='); pass.put(a[i].substring(0, e), a[i].substring(e + 1)); }
        List<String> names = Collections.list(ks.aliases());
        Collections.sort(names);
        for (String al : names) {
            StringBuilder sb = new StringBuilder(al);
            try {
                if (ks.isCertificateEntry(al)) sb.append(" cert ").append(sha(ks.getCertificate(al).getEncoded()));
                else {
                    Key k = ks.getKey(al, pass.getOrDefault(al, a[2]).toCharArray());
                    sb.append(" key ").append(k.getAlgorithm()).append(' ').append(sha(k.getEncoded()));
                    Certificate[] chain = ks.getCertificateChain(al);
                    if (chain != null) for (Certificate c : chain) sb.append(' ').append(sha(c.getEncoded()));
                }
            } catch (Exception e) { sb.append(" error ").append(e); }
            System.out.println(sb);
        }
    }
    static String sha(byte[] b) throws Exception {
        StringBuilder s = new StringBuilder();
        for (byte x : MessageDigest.getInstance("SHA-256").digest(b)) s.append(String.format("%02x", x));
        return s.substring(0, 16);
    }
}
