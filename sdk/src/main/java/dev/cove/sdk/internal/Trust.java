package dev.cove.sdk.internal;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * TLS trust for Cove's local CA: certificates signed by it are trusted, and so is everything the JDK trusts by
 * default (an operator may put a public certificate in front of Cove later without clients changing).
 */
public final class Trust {
    private Trust() {}

    /** An SSL context trusting the PEM certificate(s) in {@code caCert} plus the JDK's default trust store. */
    public static SSLContext trusting(Path caCert) {
        try (InputStream in = Files.newInputStream(caCert)) {
            List<Certificate> certs = new ArrayList<>(CertificateFactory.getInstance("X.509").generateCertificates(in));
            if (certs.isEmpty()) throw new IllegalArgumentException("no certificate in " + caCert);
            KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
            ks.load(null, null);
            for (int i = 0; i < certs.size(); i++) ks.setCertificateEntry("cove-ca-" + i, certs.get(i));
            X509TrustManager cove = x509(ks);
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, new TrustManager[]{new Either(cove)}, null);
            return ctx;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the CA certificate " + caCert
                    + " (COVE_CA_CERT; `cove ca export` prints Cove's)", e);
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("cannot use " + caCert + " as a CA certificate: " + e.getMessage(), e);
        }
    }

    private static X509TrustManager x509(KeyStore ks) throws GeneralSecurityException {
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(ks);
        for (TrustManager tm : tmf.getTrustManagers()) {
            if (tm instanceof X509TrustManager) return (X509TrustManager) tm;
        }
        throw new GeneralSecurityException("no X509TrustManager");
    }

    /**
     * Trusts a server chain when Cove's CA or the JDK's trust store does. The JDK's store (some 150 certificates)
     * is loaded only when a chain is not Cove's: that keeps it off a CLI command's cold start.
     */
    private static final class Either implements X509TrustManager {
        private final X509TrustManager first;
        private volatile X509TrustManager jdk;

        Either(X509TrustManager first) { this.first = first; }

        private X509TrustManager second() {
            X509TrustManager m = jdk;
            if (m == null) {
                try {
                    m = x509(null);
                } catch (GeneralSecurityException e) {
                    throw new IllegalStateException("the JDK's trust store cannot be loaded", e);
                }
                jdk = m;
            }
            return m;
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            second().checkClientTrusted(chain, authType);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            try {
                first.checkServerTrusted(chain, authType);
            } catch (CertificateException e) {
                second().checkServerTrusted(chain, authType);
            }
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            X509Certificate[] a = first.getAcceptedIssuers();
            X509Certificate[] b = second().getAcceptedIssuers();
            X509Certificate[] all = Arrays.copyOf(a, a.length + b.length);
            System.arraycopy(b, 0, all, a.length, b.length);
            return all;
        }
    }
}
