package dev.cove.edge.tls;

import io.netty.handler.codec.http2.Http2SecurityUtil;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.SupportedCipherSuiteFilter;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.net.ssl.SSLException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.math.BigInteger;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Collection;
import java.util.Date;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The edge's TLS identity: a local CA, made once per data directory, and a server certificate it signs for the
 * platform's names. Clients trust the CA, not the server certificate, so the server certificate can be re-issued
 * (new domain, near expiry) without touching any client: {@code NODE_EXTRA_CA_CERTS=<tls>/ca.crt},
 * {@code curl --cacert <tls>/ca.crt}, or a JDK trust store built from it.
 *
 * <p>Files under {@code <dataDir>/tls/}: {@code ca.crt}, {@code ca.key}, {@code server.crt}, {@code server.key}
 * (PEM; keys PKCS#8, mode 0600). Keys are EC P-256: fast to make, and every TLS client of note accepts them.
 */
public final class TlsMaterial {
    private static final Logger log = LoggerFactory.getLogger(TlsMaterial.class);

    public static final String CA_CERT = "ca.crt";
    public static final String CA_KEY = "ca.key";
    static final String SERVER_CERT = "server.crt";
    static final String SERVER_KEY = "server.key";

    private static final Duration CA_VALIDITY = Duration.ofDays(3650);
    /** Apple's platforms refuse server certificates valid longer than 825 days, even from a user-trusted CA. */
    private static final Duration SERVER_VALIDITY = Duration.ofDays(800);
    private static final Duration RENEW_BEFORE = Duration.ofDays(30);
    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");
    private static final Set<PosixFilePermission> WORLD_READABLE = PosixFilePermissions.fromString("rw-r--r--");
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Path directory;
    private final X509Certificate caCertificate;
    private final X509Certificate serverCertificate;
    private final PrivateKey serverKey;

    private TlsMaterial(Path directory, X509Certificate caCertificate, X509Certificate serverCertificate, PrivateKey serverKey) {
        this.directory = directory;
        this.caCertificate = caCertificate;
        this.serverCertificate = serverCertificate;
        this.serverKey = serverKey;
    }

    /**
     * Loads the CA and server certificate from {@code tlsDirectory}, making what is missing: the CA on first start,
     * the server certificate when it is missing, near expiry, not signed by this CA, or issued for other names
     * (the domain changed).
     */
    public static TlsMaterial loadOrCreate(Path tlsDirectory, String domain) throws IOException {
        Files.createDirectories(tlsDirectory);
        try {
            KeyPair ca = loadOrCreateCa(tlsDirectory);
            X509Certificate caCert = readCertificate(tlsDirectory.resolve(CA_CERT));
            Set<String> names = subjectAltNames(domain);
            Path certFile = tlsDirectory.resolve(SERVER_CERT);
            Path keyFile = tlsDirectory.resolve(SERVER_KEY);
            if (Files.exists(certFile) && Files.exists(keyFile)) {
                X509Certificate cert = readCertificate(certFile);
                String stale = staleReason(cert, caCert, names);
                if (stale == null) {
                    restrict(keyFile);
                    return new TlsMaterial(tlsDirectory, caCert, cert, readKey(keyFile));
                }
                log.info("Re-issuing the edge's server certificate: {}", stale);
            }
            KeyPair server = newKeyPair();
            X509Certificate cert = issueServerCertificate(domain, server.getPublic(), caCert, ca.getPrivate());
            writeAtomically(keyFile, pem("PRIVATE KEY", server.getPrivate().getEncoded()), OWNER_ONLY);
            writeAtomically(certFile, pem("CERTIFICATE", cert.getEncoded()), WORLD_READABLE);
            return new TlsMaterial(tlsDirectory, caCert, cert, server.getPrivate());
        } catch (GeneralSecurityException | OperatorCreationException e) {
            throw new IOException("Cannot prepare the TLS material in " + tlsDirectory + ": " + e.getMessage()
                    + ". Remove the directory to start over with a new CA (clients must then trust the new ca.crt).", e);
        }
    }

    /** The CA certificate (PEM) clients trust. */
    public Path caCertificateFile() { return directory.resolve(CA_CERT); }

    public X509Certificate caCertificate() { return caCertificate; }

    public X509Certificate serverCertificate() { return serverCertificate; }

    /** Server context on the JDK's SSLEngine, offering h2 then http/1.1 by ALPN. */
    public SslContext newServerSslContext() throws SSLException {
        return SslContextBuilder.forServer(serverKey, serverCertificate)
                .sslProvider(SslProvider.JDK)
                .protocols("TLSv1.3", "TLSv1.2")
                // RFC 9113 §9.2.2 forbids many TLS 1.2 suites under h2; this list is the allowed subset.
                .ciphers(Http2SecurityUtil.CIPHERS, SupportedCipherSuiteFilter.INSTANCE)
                .applicationProtocolConfig(new ApplicationProtocolConfig(
                        ApplicationProtocolConfig.Protocol.ALPN,
                        ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                        ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT,
                        ApplicationProtocolNames.HTTP_2, ApplicationProtocolNames.HTTP_1_1))
                .build();
    }

    private static KeyPair loadOrCreateCa(Path dir) throws IOException, GeneralSecurityException, OperatorCreationException {
        Path certFile = dir.resolve(CA_CERT);
        Path keyFile = dir.resolve(CA_KEY);
        if (Files.exists(certFile) && Files.exists(keyFile)) {
            X509Certificate cert = readCertificate(certFile);
            if (cert.getNotAfter().toInstant().isAfter(Instant.now())) {
                restrict(keyFile);
                return new KeyPair(cert.getPublicKey(), readKey(keyFile));
            }
            log.warn("The local CA in {} has expired; making a new one. Clients must trust the new {}.", dir, CA_CERT);
        }
        KeyPair ca = newKeyPair();
        X509Certificate cert = issueCaCertificate(ca);
        // Key first: a crash in between leaves no certificate without its key.
        writeAtomically(keyFile, pem("PRIVATE KEY", ca.getPrivate().getEncoded()), OWNER_ONLY);
        writeAtomically(certFile, pem("CERTIFICATE", cert.getEncoded()), WORLD_READABLE);
        // A new CA invalidates any server certificate signed by the old one.
        Files.deleteIfExists(dir.resolve(SERVER_CERT));
        log.info("Made a local CA for the edge: {} (give it to clients: NODE_EXTRA_CA_CERTS, curl --cacert)", certFile);
        return ca;
    }

    private static X509Certificate issueCaCertificate(KeyPair ca) throws GeneralSecurityException, OperatorCreationException, CertIOException {
        X500Name name = new X500Name("CN=Cove local CA (" + hostName() + "),O=Cove");
        Instant now = Instant.now();
        JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
        X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(name, serial(),
                Date.from(now.minus(Duration.ofHours(1))), Date.from(now.plus(CA_VALIDITY)), name, ca.getPublic())
                // Path length 0: this CA signs server certificates only, never other CAs.
                .addExtension(Extension.basicConstraints, true, new BasicConstraints(0))
                .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign))
                .addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(ca.getPublic()));
        return sign(builder, ca.getPrivate());
    }

    private static X509Certificate issueServerCertificate(String domain, PublicKey key, X509Certificate ca, PrivateKey caKey)
            throws GeneralSecurityException, OperatorCreationException, CertIOException {
        Instant now = Instant.now();
        JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
        X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(ca, serial(),
                Date.from(now.minus(Duration.ofHours(1))), Date.from(now.plus(SERVER_VALIDITY)),
                new X500Name("CN=" + domain + ",O=Cove"), key)
                .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
                .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature))
                .addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth))
                .addExtension(Extension.subjectAlternativeName, false, new GeneralNames(sanEntries(domain)))
                .addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(key))
                .addExtension(Extension.authorityKeyIdentifier, false, ext.createAuthorityKeyIdentifier(ca));
        return sign(builder, caKey);
    }

    private static GeneralName[] sanEntries(String domain) {
        return new GeneralName[] {
                new GeneralName(GeneralName.dNSName, "*." + domain),
                new GeneralName(GeneralName.dNSName, domain),
                // Covered by the wildcard too; listed so the api host matches even for clients strict about wildcards.
                new GeneralName(GeneralName.dNSName, "api." + domain),
                new GeneralName(GeneralName.dNSName, "localhost"),
                new GeneralName(GeneralName.iPAddress, "127.0.0.1"),
                new GeneralName(GeneralName.iPAddress, "::1"),
        };
    }

    /** The names a server certificate must carry, in the form {@link X509Certificate#getSubjectAlternativeNames} uses. */
    private static Set<String> subjectAltNames(String domain) {
        return Set.of("dns:*." + domain, "dns:" + domain, "dns:api." + domain, "dns:localhost",
                "ip:" + InetAddress.ofLiteral("127.0.0.1").getHostAddress(), "ip:" + InetAddress.ofLiteral("::1").getHostAddress());
    }

    /** Why an existing server certificate must be re-issued, or null if it is fine. */
    private static String staleReason(X509Certificate cert, X509Certificate ca, Set<String> names) throws GeneralSecurityException {
        try {
            cert.verify(ca.getPublicKey());
        } catch (GeneralSecurityException notSignedByCa) {
            return "not signed by the current CA";
        }
        if (cert.getNotAfter().toInstant().isBefore(Instant.now().plus(RENEW_BEFORE))) return "it expires soon";
        Set<String> actual = new HashSet<>();
        Collection<List<?>> sans = cert.getSubjectAlternativeNames();
        if (sans != null) {
            for (List<?> san : sans) {
                int type = (Integer) san.get(0);
                String value = String.valueOf(san.get(1));
                if (type == GeneralName.dNSName) actual.add("dns:" + value);
                else if (type == GeneralName.iPAddress) actual.add("ip:" + InetAddress.ofLiteral(value).getHostAddress());
            }
        }
        return actual.equals(names) ? null : "its names " + actual + " differ from " + names + " (domain changed)";
    }

    private static X509Certificate sign(X509v3CertificateBuilder builder, PrivateKey signer)
            throws GeneralSecurityException, OperatorCreationException {
        return new JcaX509CertificateConverter().getCertificate(
                builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(signer)));
    }

    private static KeyPair newKeyPair() throws GeneralSecurityException {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
        return generator.generateKeyPair();
    }

    /** Positive, 159 bits: unique without coordination, within RFC 5280's 20 octets. */
    private static BigInteger serial() { return new BigInteger(159, RANDOM); }

    private static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException unknown) {
            return "localhost";
        }
    }

    private static X509Certificate readCertificate(Path file) throws IOException, GeneralSecurityException {
        try (var in = new ByteArrayInputStream(Files.readAllBytes(file))) {
            return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
        }
    }

    private static PrivateKey readKey(Path file) throws IOException, GeneralSecurityException {
        String pem = Files.readString(file, StandardCharsets.US_ASCII);
        String base64 = pem.replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
        return KeyFactory.getInstance("EC").generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder().decode(base64)));
    }

    private static String pem(String type, byte[] der) {
        String body = Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der);
        return "-----BEGIN " + type + "-----\n" + body + "\n-----END " + type + "-----\n";
    }

    /** Write to a temporary file with the final permissions, then rename: readers never see a partial file. */
    private static void writeAtomically(Path target, String content, Set<PosixFilePermission> permissions) throws IOException {
        Path tmp = Files.createTempFile(target.getParent(), "." + target.getFileName(), ".tmp",
                PosixFilePermissions.asFileAttribute(OWNER_ONLY));
        try {
            Files.writeString(tmp, content, StandardCharsets.US_ASCII);
            Files.setPosixFilePermissions(tmp, permissions); // explicit: the umask must not widen or narrow it
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** Keys copied around by hand may have lost their mode; a key readable by others is tightened, not trusted. */
    private static void restrict(Path keyFile) throws IOException {
        if (!Files.getPosixFilePermissions(keyFile).equals(OWNER_ONLY)) {
            log.warn("{} was readable by others; restricting it to its owner (0600)", keyFile);
            Files.setPosixFilePermissions(keyFile, OWNER_ONLY);
        }
    }
}
