package dev.cove.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real {@code cove server} in a child JVM, as a user runs it: fresh data directory, ephemeral ports,
 * a test's own resource prefix (coveit, covecrsh, …) so that a leak shows in {@code ip netns list}. Being a separate
 * process lets tests kill it with SIGKILL and start it again on the same data directory.
 */
public final class CoveServerProcess implements AutoCloseable {
    public static final String API_KEY = "e2b_" + "0123456789abcdef0123456789abcdef";
    public static final String DOMAIN = "cove.localhost";
    public static final ObjectMapper JSON = new ObjectMapper();

    public final Path dataDir;
    public final String prefix;
    final String poolSubnet;
    final String poolSubnet6;
    private final List<String> extraArgs;
    private Process process;
    private Path log;
    public int httpPort;
    public int httpsPort;
    /** The operator's metrics port, -1 unless started with {@code --metrics-port}. */
    public int metricsPort = -1;
    private HttpClient client;

    public CoveServerProcess(Path dataDir, String prefix, String poolSubnet, String poolSubnet6, String... extraArgs) {
        this.dataDir = dataDir;
        this.prefix = prefix;
        this.poolSubnet = poolSubnet;
        this.poolSubnet6 = poolSubnet6;
        this.extraArgs = List.of(extraArgs);
    }

    static Path templateCache() {
        String env = System.getenv("COVE_TEMPLATE_CACHE");
        return Path.of(env != null ? env : "/var/cache/cove/templates");
    }

    public CoveServerProcess start() throws Exception {
        Files.createDirectories(dataDir);
        Path endpoints = dataDir.resolve("run/endpoints.json");
        Files.deleteIfExists(endpoints);
        List<String> cmd = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-Dio.netty.machineId=00:00:00:00:00:00:00:01",
                "-cp", System.getProperty("java.class.path"),
                "dev.cove.server.Main", "server",
                "--data-dir", dataDir.toString(),
                "--template-dir", templateCache().toString(),
                "--http-port", "0", "--https-port", "0",
                "--domain", DOMAIN,
                "--resource-prefix", prefix,
                "--pool-subnet", poolSubnet, "--pool-subnet6", poolSubnet6,
                // nothing a sandbox does in a test leaves the machine: every address denied, lookups fail locally
                "--deny-out", "0.0.0.0/0,::/0", "--dns-upstream", "127.0.0.1:9"));
        // The suites written before port access test what E2B clients see: public ports. Suites that test access
        // policies pass their own --default-port-access.
        if (!extraArgs.contains("--default-port-access")) cmd.addAll(List.of("--default-port-access", "public"));
        cmd.addAll(extraArgs);
        log = dataDir.resolve("server-" + System.nanoTime() + ".log");
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().put("COVE_API_KEY", API_KEY);
        process = pb.start();
        Instant deadline = Instant.now().plus(Duration.ofMinutes(5)); // first run may build the base template
        while (!Files.exists(endpoints)) {
            if (!process.isAlive()) throw new IllegalStateException("cove server exited early:\n" + logText());
            if (Instant.now().isAfter(deadline)) throw new IllegalStateException("cove server did not start:\n" + logText());
            Thread.sleep(50);
        }
        JsonNode ep = JSON.readTree(Files.readString(endpoints));
        httpPort = ep.get("httpPort").asInt();
        httpsPort = ep.get("httpsPort").asInt();
        metricsPort = ep.path("metricsPort").asInt(-1);
        client = HttpClient.newBuilder().sslContext(trustCoveCa()).connectTimeout(Duration.ofSeconds(5)).build();
        return this;
    }

    long pid() { return process.pid(); }

    /** SIGKILL, as a crash: no shutdown hook runs. */
    void crash() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
    }

    public String logText() {
        try { return log == null ? "" : Files.readString(log); } catch (IOException e) { return e.toString(); }
    }

    public Path caCert() { return dataDir.resolve("tls/ca.crt"); }

    public SSLContext trustCoveCa() throws Exception {
        KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
        ks.load(null, null);
        try (InputStream in = Files.newInputStream(caCert())) {
            ks.setCertificateEntry("cove-ca", CertificateFactory.getInstance("X.509").generateCertificate(in));
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(ks);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, tmf.getTrustManagers(), null);
        return ctx;
    }

    /** The control plane as E2B SDKs reach it: {@code https://api.<domain>:<https port>}. */
    public URI apiUri(String path) { return URI.create("https://api." + DOMAIN + ":" + httpsPort + path); }

    public HttpResponse<String> api(String method, String path, String jsonBody) throws IOException, InterruptedException {
        return api(method, path, jsonBody, API_KEY);
    }

    public HttpResponse<String> api(String method, String path, String jsonBody, String apiKey) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(apiUri(path)).timeout(Duration.ofSeconds(60))
                .method(method, jsonBody == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(jsonBody));
        if (jsonBody != null) b.header("Content-Type", "application/json");
        if (apiKey != null) b.header("X-API-KEY", apiKey);
        return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    public HttpClient client() { return client; }

    static JsonNode json(HttpResponse<String> r) throws IOException { return JSON.readTree(r.body()); }

    @Override
    public void close() throws Exception {
        if (process != null && process.isAlive()) {
            process.destroy(); // SIGTERM: the server stops listening; sandboxes outlive it by design
            if (!process.waitFor(20, TimeUnit.SECONDS)) crash();
        }
    }
}
