package dev.cove.it.sdk;

import dev.cove.it.CoveServerProcess;
import dev.cove.sdk.CoveConfig;
import dev.cove.sdk.Sandbox;
import dev.cove.sdk.SandboxInfo;
import dev.cove.sdk.SandboxPaginator;
import dev.cove.sdk.SandboxQuery;
import dev.cove.sdk.SandboxState;
import dev.cove.sdk.errors.AuthenticationException;
import dev.cove.sdk.errors.CoveException;
import dev.cove.sdk.errors.InvalidArgumentException;
import dev.cove.sdk.errors.NotFoundException;
import dev.cove.sdk.errors.SandboxEndedException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * The Java SDK's sandbox lifecycle against a real {@code cove server}: create (builder, resources, metadata),
 * connect, list with paging, info, timeouts, kill and close, configuration and every error a user meets.
 */
class SdkSandboxIT {
    static SdkServer server;
    static CoveConfig config;

    @BeforeAll
    static void start() throws Exception {
        server = SdkServer.start("sdk-sandbox");
        config = server.config();
    }

    @AfterAll
    static void stop() throws Exception {
        if (server != null) server.close();
    }

    /** The builder's fields reach the server, and getInfo reports them back. */
    @Test
    void builderCreatesASandboxWithItsResourcesMetadataAndTimeout() {
        Instant before = Instant.now();
        try (Sandbox sbx = server.track(Sandbox.builder().config(config)
                .template("base")
                .timeout(Duration.ofMinutes(3))
                .metadata("app", "builder").metadata(Map.of("owner", "sdk-it"))
                .envVar("GREETING", "hello")
                .cpuCount(1).memoryMB(256)
                .allowInternetAccess(true)
                .create())) {
            assertThat(sbx.getSandboxId()).matches("[a-z0-9]+");
            assertThat(sbx.getTemplateId()).isEqualTo("base");
            assertThat(sbx.getDomain()).isEqualTo(server.domain());
            assertThat(sbx.getEnvdAccessToken()).isNotBlank();
            assertThat(sbx.getEnvdVersion()).isNotBlank();

            SandboxInfo info = sbx.getInfo();
            assertThat(info.sandboxId()).isEqualTo(sbx.getSandboxId());
            assertThat(info.state()).isEqualTo(SandboxState.RUNNING);
            assertThat(info.cpuCount()).isEqualTo(1);
            assertThat(info.memoryMB()).isEqualTo(256);
            assertThat(info.metadata()).containsEntry("app", "builder").containsEntry("owner", "sdk-it");
            assertThat(info.startedAt()).isAfterOrEqualTo(before.minusSeconds(2));
            assertThat(Duration.between(info.startedAt(), info.endAt())).isBetween(Duration.ofSeconds(175), Duration.ofSeconds(185));
            assertThat(info.domain()).isEqualTo(server.domain());
            assertThat(sbx.isRunning()).isTrue();
        }
    }

    /** getHost has E2B's shape {@code <port>-<id>.<domain>} with the domain's port. */
    @Test
    void getHostHasE2bsShape() {
        try (Sandbox sbx = server.track(Sandbox.builder().config(config).create())) {
            assertThat(sbx.getHost(3000)).isEqualTo("3000-" + sbx.getSandboxId() + "." + server.domain());
            assertThat(sbx.getUrl(8080)).isEqualTo("https://8080-" + sbx.getSandboxId() + "." + server.domain() + "/");
            assertThatThrownBy(() -> sbx.getHost(0)).isInstanceOf(IllegalArgumentException.class);
        }
    }

    /** connect(id) attaches to the same sandbox and only ever extends its life; an unknown id is NotFound. */
    @Test
    void connectAttachesByIdAndExtendsButNeverShortens() {
        try (Sandbox sbx = server.track(Sandbox.builder().config(config).timeout(Duration.ofSeconds(60)).create())) {
            Instant endAt = sbx.getInfo().endAt();
            Sandbox same = Sandbox.connect(sbx.getSandboxId(), Duration.ofSeconds(10), config);
            assertThat(same.getSandboxId()).isEqualTo(sbx.getSandboxId());
            assertThat(same.getEnvdAccessToken()).isEqualTo(sbx.getEnvdAccessToken());
            assertThat(sbx.getInfo().endAt()).as("a shorter connect timeout keeps endAt").isEqualTo(endAt);
            Sandbox.connect(sbx.getSandboxId(), Duration.ofSeconds(600), config);
            assertThat(sbx.getInfo().endAt()).isAfter(endAt.plusSeconds(400));
        }
        assertThatThrownBy(() -> Sandbox.connect("doesnotexist000000000", config))
                .isInstanceOf(NotFoundException.class)
                .hasMessageContaining("doesnotexist000000000")
                .satisfies(e -> assertThat(((CoveException) e).status()).isEqualTo(404));
    }

    /** list filters by metadata and state and pages with the server's next token. */
    @Test
    void listFiltersByMetadataAndPages() {
        String run = UUID.randomUUID().toString();
        List<Sandbox> made = new ArrayList<>();
        try {
            for (int i = 0; i < 3; i++) {
                made.add(server.track(Sandbox.builder().config(config).metadata("run", run).metadata("i", "" + i).create()));
            }
            SandboxQuery query = SandboxQuery.builder().metadata("run", run).state(SandboxState.RUNNING).limit(2).build();
            SandboxPaginator pages = Sandbox.list(query, config);
            assertThat(pages.hasNext()).isTrue();
            List<SandboxInfo> first = pages.nextItems();
            assertThat(first).hasSize(2);
            assertThat(pages.hasNext()).isTrue();
            assertThat(pages.nextToken()).isNotBlank();
            List<SandboxInfo> second = pages.nextItems();
            assertThat(second).hasSize(1);
            assertThat(pages.hasNext()).isFalse();
            List<String> ids = new ArrayList<>();
            first.forEach(s -> ids.add(s.sandboxId()));
            second.forEach(s -> ids.add(s.sandboxId()));
            assertThat(ids).containsExactlyInAnyOrderElementsOf(made.stream().map(Sandbox::getSandboxId).toList());
            // newest first by default, oldest first on request
            assertThat(first.get(0).sandboxId()).isEqualTo(made.get(2).getSandboxId());
            assertThat(Sandbox.list(SandboxQuery.builder().metadata("run", run).oldestFirst().build(), config).nextItems()
                    .get(0).sandboxId()).isEqualTo(made.get(0).getSandboxId());
            // a pair must match exactly; a key and value that need escaping round-trip
            assertThat(Sandbox.list(SandboxQuery.builder().metadata("run", run).metadata("i", "1").build(), config).all())
                    .extracting(SandboxInfo::sandboxId).containsExactly(made.get(1).getSandboxId());
            assertThat(Sandbox.list(SandboxQuery.builder().metadata("run", run + "&x=y").build(), config).all()).isEmpty();
            assertThat(Sandbox.list(SandboxQuery.builder().metadata("run", run).state(SandboxState.PAUSED).build(), config).all())
                    .isEmpty();
        } finally {
            made.forEach(Sandbox::kill);
        }
        assertThat(Sandbox.list(SandboxQuery.builder().metadata("run", run).build(), config).all())
                .as("killed sandboxes are not listed").isEmpty();
    }

    /** setTimeout may shorten; zero ends the sandbox, after which it is not running and getInfo is NotFound. */
    @Test
    void setTimeoutShortensAndZeroEndsTheSandbox() {
        Sandbox sbx = server.track(Sandbox.builder().config(config).timeout(Duration.ofMinutes(5)).create());
        sbx.setTimeout(Duration.ofSeconds(30));
        assertThat(Duration.between(Instant.now(), sbx.getInfo().endAt())).isLessThan(Duration.ofSeconds(35));
        sbx.setTimeout(Duration.ofMillis(1500)); // rounded up to 2 s, as E2B does
        await().atMost(Duration.ofSeconds(20)).until(() -> !sbx.isRunning());
        assertThatThrownBy(sbx::getInfo).isInstanceOf(NotFoundException.class);
        assertThat(sbx.kill()).as("kill after the end reports it had ended").isFalse();
        assertThatThrownBy(() -> sbx.setTimeout(Duration.ofSeconds(30))).isInstanceOf(NotFoundException.class);
        sbx.close(); // quiet after the end
    }

    /** kill ends the sandbox once (true), then false; the static forms work by id; close after kill is quiet. */
    @Test
    void killAndCloseEndTheSandboxOnce() {
        Sandbox sbx = server.track(Sandbox.builder().config(config).create());
        String id = sbx.getSandboxId();
        assertThat(Sandbox.getInfo(id, config).state()).isEqualTo(SandboxState.RUNNING);
        assertThat(sbx.kill()).isTrue();
        assertThat(sbx.kill()).isFalse();
        assertThat(sbx.isRunning()).isFalse();
        sbx.close();
        assertThat(Sandbox.kill("doesnotexist000000000", config)).isFalse();
        assertThatThrownBy(() -> Sandbox.getInfo(id, config)).isInstanceOf(NotFoundException.class)
                .hasMessageContaining(id);
        // the agent API of an ended sandbox says so
        assertThatThrownBy(() -> sbx.commands().run("true")).isInstanceOf(SandboxEndedException.class)
                .hasMessageContaining("not running");

        Sandbox closed;
        try (Sandbox s = server.track(Sandbox.builder().config(config).create())) {
            closed = s;
            assertThat(s.isRunning()).isTrue();
        }
        assertThat(closed.isRunning()).as("close kills").isFalse();
    }

    /** Errors carry the server's sentence in a type a caller can catch. */
    @Test
    void errorsAreTypedAndCarryTheServersMessage() {
        CoveConfig wrongKey = config.toBuilder().apiKey("e2b_00000000000000000000000000000000").build();
        assertThatThrownBy(() -> Sandbox.builder().config(wrongKey).create())
                .isInstanceOf(AuthenticationException.class)
                .hasMessageContaining("Cannot get the team for the given API key");
        CoveConfig noKey = config.toBuilder().apiKey(null).build();
        assertThatThrownBy(() -> Sandbox.list(SandboxQuery.all(), noKey).nextItems())
                .isInstanceOf(AuthenticationException.class).hasMessageContaining("X-API-KEY");

        assertThatThrownBy(() -> Sandbox.builder().config(config).template("nope").create())
                .isInstanceOf(NotFoundException.class).hasMessage("template 'nope' not found");
        assertThatThrownBy(() -> Sandbox.builder().config(config).timeout(Duration.ofDays(30)).create())
                .isInstanceOf(InvalidArgumentException.class).hasMessageContaining("Timeout cannot be greater than");
        assertThatThrownBy(() -> Sandbox.builder().config(config).allowOut("example.com").create())
                .isInstanceOf(InvalidArgumentException.class).hasMessageContaining("ALL_TRAFFIC");
        assertThatThrownBy(() -> Sandbox.builder().config(config).memoryMB(1).create())
                .isInstanceOf(InvalidArgumentException.class).hasMessageContaining("memoryMB");
    }

    /** A wrong address or an untrusted certificate fail with a sentence saying what to check. */
    @Test
    void transportFailuresSayWhatToCheck() throws Exception {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0)) { closedPort = s.getLocalPort(); }
        CoveConfig nowhere = CoveConfig.builder().apiUrl("http://127.0.0.1:" + closedPort).apiKey("e2b_00").build();
        assertThatThrownBy(() -> Sandbox.list(SandboxQuery.all(), nowhere).nextItems())
                .isInstanceOf(CoveException.class).hasMessageContaining("cove up")
                .satisfies(e -> assertThat(((CoveException) e).code()).isEqualTo("unreachable"));

        CoveConfig untrusted = CoveConfig.builder().domain(server.domain()).apiKey(CoveServerProcess.API_KEY).build();
        assertThatThrownBy(() -> Sandbox.list(SandboxQuery.all(), untrusted).nextItems())
                .isInstanceOf(CoveException.class).hasMessageContaining("COVE_CA_CERT")
                .satisfies(e -> assertThat(((CoveException) e).code()).isEqualTo("tls_untrusted"));
    }

    /**
     * With nothing but a data directory (and E2B's key variable), the SDK finds the local server: URL, domain and
     * CA from {@code run/endpoints.json}. Plain HTTP on localhost reaches the control plane too.
     */
    @Test
    void configurationComesFromTheEnvironmentAndTheLocalServer() throws Exception {
        CoveConfig local = CoveConfig.fromEnvironment(Map.of(
                "COVE_DATA_DIR", server.dataDir.toString(), "E2B_API_KEY", CoveServerProcess.API_KEY));
        assertThat(local.domain()).isEqualTo(server.domain());
        assertThat(local.apiUrl()).isEqualTo(URI.create("https://api." + server.domain()));
        assertThat(local.caCert()).isEqualTo(server.process.caCert());
        try (Sandbox sbx = server.track(Sandbox.builder().config(local).metadata("via", "env").create())) {
            assertThat(Sandbox.list(SandboxQuery.builder().metadata("via", "env").build(), local).all())
                    .extracting(SandboxInfo::sandboxId).containsExactly(sbx.getSandboxId());

            CoveConfig plain = CoveConfig.fromEnvironment(Map.of(
                    "COVE_API_URL", "http://localhost:" + server.process.httpPort,
                    "COVE_DOMAIN", server.domain(),
                    "COVE_CA_CERT", server.process.caCert().toString(),
                    "COVE_API_KEY", CoveServerProcess.API_KEY));
            assertThat(Sandbox.getInfo(sbx.getSandboxId(), plain).metadata()).containsEntry("via", "env");
            // the agent API still goes to https://49983-<id>.<domain>, trusted through COVE_CA_CERT
            assertThat(Sandbox.connect(sbx.getSandboxId(), plain).commands().run("echo ok").stdout()).isEqualTo("ok\n");
        }
        assertThat(local.toString()).doesNotContain(CoveServerProcess.API_KEY);
    }

    /** The E2B SDK's health contract: a sandbox that ended answers 502 on the agent port, which isRunning reads. */
    @Test
    void isRunningFollowsTheAgentHealthCheck() throws Exception {
        Sandbox sbx = server.track(Sandbox.builder().config(config).create());
        assertThat(sbx.isRunning()).isTrue();
        sbx.kill();
        assertThat(sbx.isRunning()).isFalse();
        HttpClient http = HttpClient.newBuilder().sslContext(server.process.trustCoveCa()).build();
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("https://49983-" + sbx.getSandboxId() + "."
                + server.domain() + "/health")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(502);
    }
}
