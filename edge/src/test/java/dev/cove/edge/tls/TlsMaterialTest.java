package dev.cove.edge.tls;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.cert.X509Certificate;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class TlsMaterialTest {
    @TempDir Path tls;

    /** First start makes a CA and a server certificate it signs, for the platform's names; keys are owner-only. */
    @Test
    void firstStartMakesCaAndServerCertificate() throws Exception {
        TlsMaterial material = TlsMaterial.loadOrCreate(tls, "cove.localhost");

        X509Certificate ca = material.caCertificate();
        X509Certificate server = material.serverCertificate();
        server.verify(ca.getPublicKey());
        assertThat(ca.getBasicConstraints()).isEqualTo(0);
        assertThat(server.getBasicConstraints()).isEqualTo(-1);
        assertThat(server.getExtendedKeyUsage()).containsExactly("1.3.6.1.5.5.7.3.1");
        assertThat(server.getSubjectAlternativeNames()).containsExactlyInAnyOrder(
                List.of(2, "*.cove.localhost"), List.of(2, "cove.localhost"), List.of(2, "api.cove.localhost"),
                List.of(2, "localhost"), List.of(7, "127.0.0.1"), List.of(7, "0:0:0:0:0:0:0:1"));
        assertThat(material.caCertificateFile()).isEqualTo(tls.resolve("ca.crt"));
        assertThat(Files.readString(tls.resolve("ca.crt"))).startsWith("-----BEGIN CERTIFICATE-----");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(tls.resolve("ca.key")))).isEqualTo("rw-------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(tls.resolve("server.key")))).isEqualTo("rw-------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(tls.resolve("ca.crt")))).isEqualTo("rw-r--r--");
    }

    /** A restart reuses everything; nothing a client trusts changes. */
    @Test
    void restartReusesEverything() throws Exception {
        TlsMaterial first = TlsMaterial.loadOrCreate(tls, "cove.localhost");
        TlsMaterial second = TlsMaterial.loadOrCreate(tls, "cove.localhost");

        assertThat(second.caCertificate()).isEqualTo(first.caCertificate());
        assertThat(second.serverCertificate()).isEqualTo(first.serverCertificate());
    }

    /** A new domain gets a new server certificate from the same CA, so clients need not re-trust anything. */
    @Test
    void newDomainReissuesOnlyTheServerCertificate() throws Exception {
        TlsMaterial first = TlsMaterial.loadOrCreate(tls, "cove.localhost");
        TlsMaterial second = TlsMaterial.loadOrCreate(tls, "sandboxes.example.test");

        assertThat(second.caCertificate()).isEqualTo(first.caCertificate());
        assertThat(second.serverCertificate()).isNotEqualTo(first.serverCertificate());
        second.serverCertificate().verify(first.caCertificate().getPublicKey());
        assertThat(second.serverCertificate().getSubjectAlternativeNames()).contains(List.of(2, "*.sandboxes.example.test"));
        assertThat(TlsMaterial.loadOrCreate(tls, "sandboxes.example.test").serverCertificate())
                .isEqualTo(second.serverCertificate());
    }

    /** A new CA (its files removed) invalidates the server certificate signed by the old one. */
    @Test
    void newCaReissuesTheServerCertificate() throws Exception {
        TlsMaterial first = TlsMaterial.loadOrCreate(tls, "cove.localhost");
        Files.delete(tls.resolve("ca.key"));
        Files.delete(tls.resolve("ca.crt"));

        TlsMaterial second = TlsMaterial.loadOrCreate(tls, "cove.localhost");

        assertThat(second.caCertificate()).isNotEqualTo(first.caCertificate());
        second.serverCertificate().verify(second.caCertificate().getPublicKey());
    }

    /** A key that lost its mode (copied by hand) is tightened back to 0600. */
    @Test
    void looseKeyPermissionsAreTightened() throws Exception {
        TlsMaterial.loadOrCreate(tls, "cove.localhost");
        Files.setPosixFilePermissions(tls.resolve("ca.key"), PosixFilePermissions.fromString("rw-r--r--"));

        TlsMaterial.loadOrCreate(tls, "cove.localhost");

        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(tls.resolve("ca.key")))).isEqualTo("rw-------");
    }
}
