package dev.cove.sdk;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Where the SDK looks for Cove: COVE_* first, E2B_* second, a local server's data directory last. */
class CoveConfigTest {
    @TempDir
    Path empty;

    /** COVE_* names win over E2B_* names; the API URL defaults to https://api.<domain> with the domain's port. */
    @Test
    void coveNamesWinOverE2bNames() {
        CoveConfig c = CoveConfig.fromEnvironment(Map.of(
                "COVE_DOMAIN", "cove.example:8443", "E2B_DOMAIN", "e2b.app",
                "COVE_API_KEY", "e2b_aa", "E2B_API_KEY", "e2b_bb",
                "COVE_DATA_DIR", empty.toString()));
        assertThat(c.domain()).isEqualTo("cove.example:8443");
        assertThat(c.apiKey()).isEqualTo("e2b_aa");
        assertThat(c.apiUrl()).isEqualTo(URI.create("https://api.cove.example:8443"));
        assertThat(c.sandboxUrl()).isNull();
    }

    /** The official SDK's variables alone are enough. */
    @Test
    void e2bNamesAreTheFallback() {
        CoveConfig c = CoveConfig.fromEnvironment(Map.of("E2B_DOMAIN", "sbx.example", "E2B_API_KEY", "e2b_bb",
                "E2B_API_URL", "http://localhost:8080/", "E2B_SANDBOX_URL", "http://localhost:8080",
                "COVE_DATA_DIR", empty.toString()));
        assertThat(c.domain()).isEqualTo("sbx.example");
        assertThat(c.apiKey()).isEqualTo("e2b_bb");
        assertThat(c.apiUrl()).isEqualTo(URI.create("http://localhost:8080"));
        assertThat(c.sandboxUrl()).isEqualTo(URI.create("http://localhost:8080"));
    }

    /** With no URL or domain set, a local server's endpoints file and key file configure everything. */
    @Test
    void aLocalServerIsFoundThroughItsDataDirectory(@TempDir Path dataDir) throws Exception {
        Files.createDirectories(dataDir.resolve("run"));
        Files.createDirectories(dataDir.resolve("tls"));
        Path ca = dataDir.resolve("tls/ca.crt");
        Files.writeString(ca, TEST_CA);
        Files.writeString(dataDir.resolve("run/endpoints.json"), "{\"apiUrl\":\"https://api.cove.localhost:9443\","
                + "\"domain\":\"cove.localhost:9443\",\"httpPort\":9080,\"httpsPort\":9443,\"caCert\":\"" + ca + "\"}");
        Files.writeString(dataDir.resolve("api-key"), "e2b_0123\n");
        CoveConfig c = CoveConfig.fromEnvironment(Map.of("COVE_DATA_DIR", dataDir.toString()));
        assertThat(c.apiUrl()).isEqualTo(URI.create("https://api.cove.localhost:9443"));
        assertThat(c.domain()).isEqualTo("cove.localhost:9443");
        assertThat(c.apiKey()).isEqualTo("e2b_0123");
        assertThat(c.caCert()).isEqualTo(ca);
        assertThat(c.sslContext()).isNotNull();
        assertThat(c.toString()).doesNotContain("e2b_0123");

        // An explicit domain means another server: the local endpoints are not mixed in (the key file still is).
        CoveConfig other = CoveConfig.fromEnvironment(Map.of("COVE_DATA_DIR", dataDir.toString(), "COVE_DOMAIN", "far.example"));
        assertThat(other.apiUrl()).isEqualTo(URI.create("https://api.far.example"));
        assertThat(other.caCert()).isNull();
    }

    /** Nothing configured and no local server: cove up's defaults. */
    @Test
    void defaultsAreCoveUpsDefaults() {
        CoveConfig c = CoveConfig.fromEnvironment(Map.of("COVE_DATA_DIR", empty.toString()));
        assertThat(c.domain()).isEqualTo("cove.localhost:8443");
        assertThat(c.apiUrl()).isEqualTo(URI.create("https://api.cove.localhost:8443"));
        assertThat(c.apiKey()).isNull();
        assertThat(c.requestTimeout()).hasSeconds(60);
    }

    /** A self-signed CA certificate (test data only). */
    static final String TEST_CA = ""
            + "-----BEGIN CERTIFICATE-----\n"
            + "MIIBdjCCAR2gAwIBAgIUQSBPapNxuoZwhc/lN+6aEZCVupkwCgYIKoZIzj0EAwIw\n"
            + "ETEPMA0GA1UEAwwGdGVzdGNhMB4XDTI2MTEyNjEzMjczNFoXDTM2MTEyMzEzMjcz\n"
            + "NFowETEPMA0GA1UEAwwGdGVzdGNhMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE\n"
            + "rwU2yklFErmDDXqyiy/d0jfvlwhUc96GXwIvpsxpoqiAxYLmUciHF1LEqXKwkj9p\n"
            + "x72vo1Jx+Se0knmRji0QD6NTMFEwHQYDVR0OBBYEFJr8XMvDaNGwG96ztiuqcYxX\n"
            + "3P15MB8GA1UdIwQYMBaAFJr8XMvDaNGwG96ztiuqcYxX3P15MA8GA1UdEwEB/wQF\n"
            + "MAMBAf8wCgYIKoZIzj0EAwIDRwAwRAIgLaLW2HozjMOVBmyS7j0P+gEn9NKYPaq7\n"
            + "Dglrq/+vnhoCIBefTMh107ffv2zEQJpRZ6ZCjcIstb2SURDeBQzDQkRQ\n"
            + "-----END CERTIFICATE-----\n";
}
