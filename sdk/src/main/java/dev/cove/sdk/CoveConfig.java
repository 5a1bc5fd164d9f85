package dev.cove.sdk;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cove.sdk.internal.Json;
import dev.cove.sdk.internal.Trust;

import javax.net.ssl.SSLContext;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;

/**
 * Where Cove is and how to talk to it. {@link #fromEnvironment()} reads, in this order:
 * <ul>
 *   <li>{@code COVE_API_KEY}, else {@code E2B_API_KEY}, else the key a local server keeps in
 *       {@code <data dir>/api-key};</li>
 *   <li>{@code COVE_DOMAIN}, else {@code E2B_DOMAIN} (may carry a port: {@code cove.localhost:8443});</li>
 *   <li>{@code COVE_API_URL}, else {@code E2B_API_URL}, else {@code https://api.<domain>};</li>
 *   <li>{@code COVE_CA_CERT}: a PEM file of the CA to trust besides the JDK's (Cove's local CA is
 *       {@code <data dir>/tls/ca.crt});</li>
 *   <li>{@code COVE_SANDBOX_URL}, else {@code E2B_SANDBOX_URL}: one URL for all agent traffic (routed by the
 *       {@code E2b-Sandbox-Id} header) instead of {@code https://49983-<id>.<domain>}.</li>
 * </ul>
 * When neither a domain nor an API URL is set, a local server is used if there is one: its
 * {@code <data dir>/run/endpoints.json} gives URL, domain and CA ({@code COVE_DATA_DIR}, default
 * {@code /var/lib/cove}). So on the machine where {@code cove up} runs, no configuration is needed.
 */
public final class CoveConfig {
    /** The data directory a local {@code cove up} uses unless told otherwise. */
    public static final Path DEFAULT_DATA_DIR = Path.of("/var/lib/cove");
    static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(60);

    private final URI apiUrl;
    private final String apiKey;
    private final String domain;
    private final SSLContext sslContext;
    private final Duration requestTimeout;
    private final URI sandboxUrl;
    private final Path caCert;

    private CoveConfig(Builder b) {
        this.domain = b.domain != null ? stripScheme(b.domain) : "cove.localhost:8443";
        this.apiUrl = b.apiUrl != null ? b.apiUrl : URI.create("https://api." + this.domain);
        this.apiKey = b.apiKey;
        this.caCert = b.caCert;
        this.sslContext = b.sslContext != null ? b.sslContext : b.caCert != null ? Trust.trusting(b.caCert) : null;
        this.requestTimeout = b.requestTimeout != null ? b.requestTimeout : DEFAULT_REQUEST_TIMEOUT;
        this.sandboxUrl = b.sandboxUrl;
    }

    public static Builder builder() { return new Builder(); }

    /** Configuration from the process environment (see the class comment). */
    public static CoveConfig fromEnvironment() { return fromEnvironment(System.getenv()); }

    /** Configuration from the given environment variables (see the class comment). */
    public static CoveConfig fromEnvironment(Map<String, String> env) {
        return builder().environment(env).build();
    }

    /** Base URL of the control plane, e.g. {@code https://api.cove.localhost:8443}. */
    public URI apiUrl() { return apiUrl; }

    /** The API key sent as {@code X-API-KEY}; null when none is configured (calls then fail with 401). */
    public String apiKey() { return apiKey; }

    /** The domain sandbox hosts live under, possibly with a port ({@code cove.localhost:8443}). */
    public String domain() { return domain; }

    /** TLS trust to use, or null for the JDK's defaults. */
    public SSLContext sslContext() { return sslContext; }

    /** The CA certificate file trusted, when one was given by path. */
    public Path caCert() { return caCert; }

    /** Timeout of each REST or unary agent call (default 60 s). */
    public Duration requestTimeout() { return requestTimeout; }

    /** One URL for all agent traffic, or null for {@code https://49983-<id>.<domain>}. */
    public URI sandboxUrl() { return sandboxUrl; }

    public Builder toBuilder() {
        Builder b = new Builder();
        b.apiUrl = apiUrl;
        b.apiKey = apiKey;
        b.domain = domain;
        b.sslContext = sslContext;
        b.caCert = caCert;
        b.requestTimeout = requestTimeout;
        b.sandboxUrl = sandboxUrl;
        return b;
    }

    @Override
    public String toString() {
        // Never print the key itself.
        return "CoveConfig{apiUrl=" + apiUrl + ", domain=" + domain + ", apiKey=" + (apiKey == null ? "none" : "set")
                + ", caCert=" + caCert + ", sandboxUrl=" + sandboxUrl + "}";
    }

    private static String stripScheme(String domain) {
        String d = domain.strip();
        int i = d.indexOf("://");
        if (i >= 0) d = d.substring(i + 3);
        while (d.endsWith("/")) d = d.substring(0, d.length() - 1);
        return d;
    }

    public static final class Builder {
        private URI apiUrl;
        private String apiKey;
        private String domain;
        private SSLContext sslContext;
        private Path caCert;
        private Duration requestTimeout;
        private URI sandboxUrl;

        private Builder() {}

        public Builder apiUrl(String apiUrl) { return apiUrl(apiUrl == null ? null : URI.create(trimSlash(apiUrl))); }

        public Builder apiUrl(URI apiUrl) { this.apiUrl = apiUrl; return this; }

        public Builder apiKey(String apiKey) { this.apiKey = apiKey; return this; }

        /** Domain of sandbox hosts, with the port when it is not 443: {@code cove.localhost:8443}. */
        public Builder domain(String domain) { this.domain = domain; return this; }

        /** Trust exactly what this context trusts (takes precedence over {@link #caCert(Path)}). */
        public Builder sslContext(SSLContext sslContext) { this.sslContext = sslContext; return this; }

        /** Trust this PEM CA certificate (Cove's {@code <data dir>/tls/ca.crt}) besides the JDK's defaults. */
        public Builder caCert(Path caCert) { this.caCert = caCert; return this; }

        public Builder requestTimeout(Duration requestTimeout) { this.requestTimeout = requestTimeout; return this; }

        public Builder sandboxUrl(String sandboxUrl) {
            this.sandboxUrl = sandboxUrl == null ? null : URI.create(trimSlash(sandboxUrl));
            return this;
        }

        /**
         * Fills what is not set yet from environment variables, then from a local server's data directory
         * (see {@link CoveConfig}).
         */
        public Builder environment(Map<String, String> env) {
            Objects.requireNonNull(env);
            if (apiKey == null) apiKey = first(env, "COVE_API_KEY", "E2B_API_KEY");
            if (domain == null) domain = first(env, "COVE_DOMAIN", "E2B_DOMAIN");
            if (apiUrl == null) {
                String url = first(env, "COVE_API_URL", "E2B_API_URL");
                if (url != null) apiUrl(url);
            }
            if (sandboxUrl == null) sandboxUrl(first(env, "COVE_SANDBOX_URL", "E2B_SANDBOX_URL"));
            if (caCert == null && sslContext == null) {
                String ca = first(env, "COVE_CA_CERT");
                if (ca != null) caCert = Path.of(ca);
            }
            String dir = first(env, "COVE_DATA_DIR");
            Path dataDir = dir != null ? Path.of(dir) : DEFAULT_DATA_DIR;
            if (domain == null && apiUrl == null) localServer(dataDir);
            if (apiKey == null) apiKey = readKey(dataDir.resolve("api-key"));
            return this;
        }

        /** URL, domain and CA of the server whose data directory this is, if it runs (or ran) here. */
        public Builder localServer(Path dataDir) {
            Path endpoints = dataDir.resolve("run/endpoints.json");
            if (!Files.isReadable(endpoints)) return this;
            try {
                JsonNode ep = Json.MAPPER.readTree(Files.readString(endpoints, StandardCharsets.UTF_8));
                String url = Json.text(ep, "apiUrl");
                String dom = Json.text(ep, "domain");
                String ca = Json.text(ep, "caCert");
                if (apiUrl == null && url != null) apiUrl(url);
                if (domain == null && dom != null) domain = dom;
                if (caCert == null && sslContext == null && ca != null && Files.isReadable(Path.of(ca))) caCert = Path.of(ca);
            } catch (IOException | RuntimeException e) {
                // A half-written or foreign file: behave as if there were no local server.
            }
            return this;
        }

        public CoveConfig build() { return new CoveConfig(this); }

        private static String readKey(Path file) {
            try {
                if (!Files.isReadable(file)) return null;
                String key = Files.readString(file, StandardCharsets.UTF_8).strip();
                return key.isEmpty() ? null : key;
            } catch (IOException e) {
                return null;
            }
        }

        private static String first(Map<String, String> env, String... names) {
            for (String n : names) {
                String v = env.get(n);
                if (v != null && !v.isBlank()) return v.strip();
            }
            return null;
        }

        private static String trimSlash(String s) {
            String t = s.strip();
            while (t.endsWith("/")) t = t.substring(0, t.length() - 1);
            return t;
        }
    }
}
