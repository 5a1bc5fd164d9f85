package dev.cove.sdk.ports;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cove.sdk.Access;
import dev.cove.sdk.AuditEvent;
import dev.cove.sdk.FakeControlPlane;
import dev.cove.sdk.Sandbox;
import dev.cove.sdk.errors.ConflictException;
import dev.cove.sdk.errors.CoveException;
import dev.cove.sdk.errors.InvalidArgumentException;
import dev.cove.sdk.errors.NotFoundException;
import dev.cove.sdk.errors.PortNotReadyException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The SDK's side of the ports contract (docs/ports.md): requests it sends and how it reads the answers. */
class PortsTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String ID = "i5z0abc";
    static final String PORTS = "{\"sandboxID\":\"" + ID + "\",\"defaultAccess\":\"private\","
            + "\"listening\":[{\"port\":3000,\"address\":\"0.0.0.0\",\"family\":\"ipv4\",\"pid\":42,"
            + "\"command\":\"python3 -m http.server 3000\",\"reachable\":true},"
            + "{\"port\":2000,\"address\":\"10.9.9.9\",\"family\":\"ipv4\",\"pid\":null,\"reachable\":false},"
            + "{\"port\":3000,\"address\":\"::\",\"family\":\"ipv6\",\"pid\":42,\"command\":\"python3 -m http.server 3000\",\"reachable\":true}],"
            + "\"exposed\":[{\"port\":3000,\"access\":\"link\",\"url\":\"https://3000-" + ID + ".cove.localhost:8443/\","
            + "\"state\":\"open\",\"exposedUntil\":null,\"expiresAt\":\"2026-11-26T16:00:00Z\","
            + "\"links\":[{\"id\":\"lnk_1\",\"port\":3000,\"createdAt\":\"2026-11-26T15:00:00Z\","
            + "\"expiresAt\":\"2026-11-26T15:10:00Z\",\"lifetime\":false,\"revoked\":false}]}]}";

    FakeControlPlane cp;
    Sandbox sbx;

    @BeforeEach
    void start() throws Exception {
        cp = new FakeControlPlane();
        sbx = cp.sandbox(ID);
    }

    @AfterEach
    void stop() { cp.close(); }

    JsonNode lastBody() throws Exception { return JSON.readTree(cp.last().body()); }

    @Test
    void theSandboxKnowsItsDefaultPortAccessAndTrafficToken() {
        assertThat(sbx.getDefaultPortAccess()).isEqualTo(Access.PRIVATE);
        assertThat(sbx.getTrafficAccessToken()).isEqualTo("traffic");
    }

    /** GET /ports: listeners with pid, command, family and reachability, sorted; exposed ports with links. */
    @Test
    void listReadsListenersAndExposedPorts() {
        cp.answer("GET /sandboxes/" + ID + "/ports", 200, PORTS);
        Ports.PortsInfo info = sbx.ports().list();
        assertThat(cp.last().method()).isEqualTo("GET");
        assertThat(cp.last().apiKey()).isEqualTo("e2b_test");
        assertThat(info.defaultAccess()).isEqualTo(Access.PRIVATE);
        assertThat(info.listening()).extracting(ListeningPort::port).containsExactly(2000, 3000, 3000);
        ListeningPort p = info.listening().get(1);
        assertThat(p).isEqualTo(new ListeningPort(3000, "0.0.0.0")); // compatible with the two-field form
        assertThat(p.pid()).isEqualTo(42);
        assertThat(p.command()).isEqualTo("python3 -m http.server 3000");
        assertThat(p.family()).isEqualTo("ipv4");
        assertThat(p.reachable()).isTrue();
        assertThat(info.listening().get(0).reachable()).isFalse();
        assertThat(info.listening().get(0).pid()).isNull();
        assertThat(info.listening().get(2).family()).isEqualTo("ipv6");

        ExposedPort e = info.exposed().get(0);
        assertThat(e.port()).isEqualTo(3000);
        assertThat(e.policy()).isEqualTo(Access.LINK);
        assertThat(e.isOpen()).isTrue();
        assertThat(e.exposedUntil()).isNull();
        assertThat(e.expiresAt()).isEqualTo(Instant.parse("2026-11-26T16:00:00Z"));
        assertThat(e.token()).isNull();
        assertThat(e.link()).isNull();
        assertThat(e.links()).singleElement().satisfies(l -> {
            assertThat(l.id()).isEqualTo("lnk_1");
            assertThat(l.url()).isNull();
            assertThat(l.expiresAt()).isEqualTo(Instant.parse("2026-11-26T15:10:00Z"));
            assertThat(l.lifetime()).isFalse();
        });

        assertThat(sbx.ports().isListening(2000)).isTrue();
        assertThat(sbx.ports().isListening(4000)).isFalse();
        assertThat(sbx.ports().exposed()).hasSize(1);
        assertThat(new ListeningPort(9000, "::1").family()).isEqualTo("ipv6");
    }

    /** A server that does not say whether a listener is reachable: wildcard and loopback are, anything else is not. */
    @Test
    void reachabilityDefaultsByAddress() {
        cp.answer("GET /sandboxes/" + ID + "/ports", 200, "{\"sandboxID\":\"" + ID + "\",\"defaultAccess\":\"public\","
                + "\"listening\":[{\"port\":1,\"address\":\"0.0.0.0\"},{\"port\":2,\"address\":\"::\"},"
                + "{\"port\":3,\"address\":\"127.0.0.1\"},{\"port\":4,\"address\":\"::1\"},"
                + "{\"port\":5,\"address\":\"10.255.255.1\"},{\"port\":6,\"address\":\"fd00::5\"}],\"exposed\":[]}");
        assertThat(sbx.ports().listening()).extracting(ListeningPort::reachable)
                .containsExactly(true, true, true, true, false, false);
    }

    /** IPv6 addresses read in their short form, however the server spelled them. */
    @Test
    void ipv6AddressesAreCanonical() {
        assertThat(ListeningPort.canonical("0:0:0:0:0:0:0:0")).isEqualTo("::");
        assertThat(ListeningPort.canonical("0:0:0:0:0:0:0:1")).isEqualTo("::1");
        assertThat(ListeningPort.canonical("fd00:0:0:0:0:0:0:5")).isEqualTo("fd00::5");
        assertThat(ListeningPort.canonical("fd63:6f84:0:1:0:0:0:2")).isEqualTo("fd63:6f84:0:1::2");
        assertThat(ListeningPort.canonical("1:0:2:0:3:0:4:0")).isEqualTo("1:0:2:0:3:0:4:0");
        assertThat(ListeningPort.canonical("::ffff:127.0.0.1")).isEqualTo("127.0.0.1");
        assertThat(ListeningPort.canonical("0.0.0.0")).isEqualTo("0.0.0.0");
        assertThat(ListeningPort.canonical(null)).isNull();
    }

    /** The default policy comes from create's answer, else from GET /ports (once). */
    @Test
    void defaultPortAccessIsAskedForWhenCreateDidNotSay() {
        cp.answer("POST /v2/sandboxes/other/connect", 201, "{\"sandboxID\":\"other\",\"templateID\":\"base\","
                + "\"envdAccessToken\":\"e\",\"domain\":\"cove.localhost:8443\"}");
        cp.answer("GET /sandboxes/other/ports", 200, "{\"sandboxID\":\"other\",\"defaultAccess\":\"public\",\"listening\":[],\"exposed\":[]}");
        Sandbox other = Sandbox.connect("other", cp.config());
        cp.requests.clear();
        assertThat(other.getDefaultPortAccess()).isEqualTo(Access.PUBLIC);
        assertThat(other.getDefaultPortAccess()).isEqualTo(Access.PUBLIC);
        assertThat(cp.requests).hasSize(1);
    }

    /** expose sends every option by the contract's names and reads URL, window, token and the link made with it. */
    @Test
    void exposeSendsOptionsAndReadsTheAnswer() throws Exception {
        cp.answer("POST /sandboxes/" + ID + "/ports/3000/expose", 200, "{\"port\":3000,\"access\":\"private\","
                + "\"url\":\"https://3000-" + ID + ".cove.localhost:8443/\",\"exposedUntil\":\"2026-11-26T15:10:00Z\","
                + "\"expiresAt\":\"2026-11-26T15:10:00Z\",\"token\":\"secret-traffic\",\"link\":{\"id\":\"lnk_2\","
                + "\"url\":\"https://3000-" + ID + ".cove.localhost:8443/?cove_token=cove_link_x.y\",\"token\":\"cove_link_x.y\","
                + "\"expiresAt\":\"2026-11-26T15:05:00Z\",\"lifetime\":false}}");
        ExposedPort e = sbx.expose(3000, new ExposeOptions().access(Access.PRIVATE).ttl(Duration.ofMinutes(10))
                .link(Duration.ofMinutes(5)).readiness(Wait.forHttp("/health").forStatusCode(204)
                        .withStartupTimeout(Duration.ofSeconds(20))).pid(42));
        assertThat(cp.last().path()).isEqualTo("/sandboxes/" + ID + "/ports/3000/expose");
        assertThat(lastBody().toString()).isEqualTo("{\"access\":\"private\",\"ttlSeconds\":600,\"link\":{\"ttlSeconds\":300},"
                + "\"readiness\":{\"type\":\"http\",\"path\":\"/health\",\"status\":204},\"timeoutSeconds\":20,\"pid\":42}");
        assertThat(e.url()).isEqualTo("https://3000-" + ID + ".cove.localhost:8443/");
        assertThat(e.policy()).isEqualTo(Access.PRIVATE);
        assertThat(e.state()).isEqualTo("open");
        assertThat(e.exposedUntil()).isEqualTo(Instant.parse("2026-11-26T15:10:00Z"));
        assertThat(e.token()).isEqualTo("secret-traffic");
        ShareLink link = e.link();
        assertThat(link.id()).isEqualTo("lnk_2");
        assertThat(link.port()).isEqualTo(3000);
        assertThat(link.token()).isEqualTo("cove_link_x.y");
        assertThat(link.url()).endsWith("?cove_token=cove_link_x.y");
        assertThat(link.expiresAt()).isEqualTo(Instant.parse("2026-11-26T15:05:00Z"));
        assertThat(e.links()).containsExactly(link);
        assertThat(e.toString() + link).doesNotContain("secret-traffic").doesNotContain("cove_link_x");

        // the short forms: tcp readiness from Wait.forListeningPort, a lifetime link, nothing else
        sbx.expose(3000, Access.PUBLIC, Wait.forListeningPort(), null);
        assertThat(lastBody().toString()).isEqualTo("{\"access\":\"public\",\"readiness\":{\"type\":\"tcp\"},\"timeoutSeconds\":60}");
        sbx.expose(3000);
        assertThat(lastBody().toString()).isEqualTo("{}");
        sbx.expose(3000, new ExposeOptions().link().readiness(Readiness.http("/")));
        assertThat(lastBody().toString()).isEqualTo("{\"link\":{},\"readiness\":{\"type\":\"http\",\"path\":\"/\"}}");
        sbx.expose(3000, new ExposeOptions().readiness(Readiness.tcp().withTimeout(Duration.ofSeconds(90))).timeout(Duration.ofMillis(1500)));
        assertThat(lastBody().toString()).isEqualTo("{\"readiness\":{\"type\":\"tcp\"},\"timeoutSeconds\":2}");
    }

    /** The four refusals of expose become PortNotReadyException with their details. */
    @Test
    void exposeRefusalsAreTyped() {
        String path = "POST /sandboxes/" + ID + "/ports/3000/expose";
        cp.answer(path, 409, "{\"code\":409,\"error_code\":\"port_not_listening\",\"message\":\"nothing listens on port 3000\","
                + "\"listening\":[8080,9090]}");
        assertThatThrownBy(() -> sbx.expose(3000)).isInstanceOfSatisfying(PortNotReadyException.class, e -> {
            assertThat(e).isInstanceOf(ConflictException.class).hasMessage("nothing listens on port 3000");
            assertThat(e.status()).isEqualTo(409);
            assertThat(e.code()).isEqualTo("port_not_listening");
            assertThat(e.reason()).isEqualTo(PortNotReadyException.Reason.PORT_NOT_LISTENING);
            assertThat(e.listening()).containsExactly(8080, 9090);
        });
        cp.answer(path, 409, "{\"code\":409,\"error_code\":\"port_unreachable\",\"message\":\"bound to 10.1.1.1\",\"address\":\"10.1.1.1\"}");
        assertThatThrownBy(() -> sbx.expose(3000)).isInstanceOfSatisfying(PortNotReadyException.class, e -> {
            assertThat(e.reason()).isEqualTo(PortNotReadyException.Reason.PORT_UNREACHABLE);
            assertThat(e.address()).isEqualTo("10.1.1.1");
        });
        cp.answer(path, 409, "{\"code\":409,\"error_code\":\"unexpected_status\",\"message\":\"GET / answered 404\",\"status\":404,\"expected\":200}");
        assertThatThrownBy(() -> sbx.expose(3000)).isInstanceOfSatisfying(PortNotReadyException.class, e -> {
            assertThat(e.reason()).isEqualTo(PortNotReadyException.Reason.UNEXPECTED_STATUS);
            assertThat(e.answeredStatus()).isEqualTo(404);
            assertThat(e.expectedStatus()).isEqualTo(200);
        });
        cp.answer(path, 409, "{\"code\":409,\"error_code\":\"process_exited\",\"message\":\"process 42 exited\",\"pid\":42,\"exitCode\":1}");
        assertThatThrownBy(() -> sbx.expose(3000)).isInstanceOfSatisfying(PortNotReadyException.class, e -> {
            assertThat(e.reason()).isEqualTo(PortNotReadyException.Reason.PROCESS_EXITED);
            assertThat(e.pid()).isEqualTo(42);
            assertThat(e.exitCode()).isEqualTo(1);
            assertThat(e.answeredStatus()).isNull();
        });
        // the server as built says how it ended in "status"
        cp.answer(path, 409, "{\"code\":409,\"error_code\":\"process_exited\",\"message\":\"ended\",\"pid\":42,\"status\":\"exit status 3\"}");
        assertThatThrownBy(() -> sbx.expose(3000)).isInstanceOfSatisfying(PortNotReadyException.class, e -> {
            assertThat(e.exitCode()).isEqualTo(3);
            assertThat(e.processStatus()).isEqualTo("exit status 3");
            assertThat(e.answeredStatus()).isNull();
        });
        cp.answer(path, 409, "{\"code\":409,\"error_code\":\"process_exited\",\"message\":\"ended\",\"pid\":42,\"status\":\"signal: killed\"}");
        assertThatThrownBy(() -> sbx.expose(3000)).isInstanceOfSatisfying(PortNotReadyException.class, e -> {
            assertThat(e.exitCode()).isNull();
            assertThat(e.processStatus()).isEqualTo("signal: killed");
        });
        cp.answer(path, 409, "{\"code\":409,\"error_code\":\"unexpected_status\",\"message\":\"500\",\"status\":500,\"expected\":\"<500\"}");
        assertThatThrownBy(() -> sbx.expose(3000)).isInstanceOfSatisfying(PortNotReadyException.class, e -> {
            assertThat(e.answeredStatus()).isEqualTo(500);
            assertThat(e.expectedStatus()).as("any status below 500").isNull();
        });
        cp.answer(path, 409, "{\"code\":409,\"error_code\":\"sandbox_paused\",\"message\":\"paused\"}");
        assertThatThrownBy(() -> sbx.expose(3000)).isExactlyInstanceOf(ConflictException.class);
        cp.answer(path, 400, "{\"code\":400,\"error_code\":\"invalid_request\",\"message\":\"timeoutSeconds must be at most 300\"}");
        assertThatThrownBy(() -> sbx.expose(3000)).isInstanceOf(InvalidArgumentException.class).hasMessageContaining("300");
    }

    /** Links: share with and without TTL, list, revoke one (404 link_not_found typed), revoke all; unexpose; audit. */
    @Test
    void linksUnexposeAndAudit() throws Exception {
        String link = "{\"id\":\"lnk_3\",\"port\":3000,\"url\":\"https://3000-x/?cove_token=cove_link_a.b\","
                + "\"token\":\"cove_link_a.b\",\"createdAt\":\"2026-11-26T15:00:00Z\",\"expiresAt\":\"2026-11-26T15:10:00Z\","
                + "\"lifetime\":false,\"revoked\":false}";
        cp.answer("POST /sandboxes/" + ID + "/ports/3000/links", 201, link);
        ShareLink l = sbx.ports().share(3000, Duration.ofMinutes(10));
        assertThat(lastBody().toString()).isEqualTo("{\"ttlSeconds\":600}");
        assertThat(l.id()).isEqualTo("lnk_3");
        assertThat(l.token()).isEqualTo("cove_link_a.b");
        assertThat(l.createdAt()).isEqualTo(Instant.parse("2026-11-26T15:00:00Z"));
        sbx.ports().share(3000);
        assertThat(lastBody().toString()).isEqualTo("{}");

        cp.answer("GET /sandboxes/" + ID + "/links", 200, "{\"links\":[{\"id\":\"lnk_3\",\"port\":3000,"
                + "\"createdAt\":\"2026-11-26T15:00:00Z\",\"expiresAt\":\"2026-11-26T16:00:00Z\",\"lifetime\":true,\"revoked\":true}]}");
        List<ShareLink> links = sbx.ports().links();
        assertThat(links).singleElement().satisfies(x -> {
            assertThat(x.port()).isEqualTo(3000);
            assertThat(x.lifetime()).isTrue();
            assertThat(x.revoked()).isTrue();
            assertThat(x.token()).isNull();
        });

        cp.answer("DELETE /sandboxes/" + ID + "/links/lnk_3", 204, "");
        sbx.ports().revoke("lnk_3");
        assertThat(cp.last().method()).isEqualTo("DELETE");
        cp.answer("DELETE /sandboxes/" + ID + "/links/lnk_9", 404, "{\"code\":404,\"error_code\":\"link_not_found\",\"message\":\"no link lnk_9\"}");
        assertThatThrownBy(() -> sbx.ports().revoke("lnk_9")).isInstanceOf(NotFoundException.class)
                .satisfies(e -> assertThat(((CoveException) e).code()).isEqualTo("link_not_found"));
        cp.answer("DELETE /sandboxes/" + ID + "/links", 200, "{\"revoked\":2}");
        assertThat(sbx.ports().revokeAll()).isEqualTo(2);

        cp.answer("DELETE /sandboxes/" + ID + "/ports/3000/expose", 204, "");
        sbx.unexpose(3000);
        assertThat(cp.last().path()).isEqualTo("/sandboxes/" + ID + "/ports/3000/expose");

        cp.answer("GET /sandboxes/" + ID + "/audit", 200, "{\"events\":[{\"at\":\"2026-11-26T15:00:00Z\",\"kind\":\"expose\","
                + "\"port\":3000,\"source\":\"127.0.0.1\"},{\"at\":\"2026-11-26T15:01:00Z\",\"kind\":\"access\",\"port\":3000,"
                + "\"linkId\":\"lnk_3\",\"source\":\"127.0.0.1\",\"access\":\"link\",\"count\":12,\"status\":200}]}");
        List<AuditEvent> audit = sbx.audit();
        assertThat(audit).hasSize(2);
        assertThat(audit.get(0).kind()).isEqualTo("expose");
        assertThat(audit.get(0).count()).isEqualTo(1);
        assertThat(audit.get(0).status()).isNull();
        assertThat(audit.get(1)).isEqualTo(new AuditEvent(Instant.parse("2026-11-26T15:01:00Z"), "access", 3000, "lnk_3",
                "127.0.0.1", "link", 12, 200));
        cp.answer("GET /sandboxes/" + ID + "/audit?limit=5", 200, "{\"events\":[]}");
        assertThat(sbx.audit(5)).isEmpty();
    }

    /** What the SDK refuses before sending anything. */
    @Test
    void badInputIsRefusedLocally() {
        assertThatThrownBy(() -> sbx.expose(0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new ExposeOptions().ttl(Duration.ZERO)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Readiness.of(Wait.forHttp("/").forStatusCode(200).forStatusCode(204)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("one HTTP status");
        assertThatThrownBy(() -> Readiness.of(new WaitStrategy() {
            @Override public void waitUntilReady(Sandbox sandbox, int port) {}
            @Override public WaitStrategy withStartupTimeout(Duration timeout) { return this; }
        })).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("Wait.forListeningPort()");
        assertThatThrownBy(() -> Readiness.http("health")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> sbx.ports().revoke(" ")).isInstanceOf(IllegalArgumentException.class);
        assertThat(Access.of("Public")).isEqualTo(Access.PUBLIC);
        assertThatThrownBy(() -> Access.of("open")).isInstanceOf(IllegalArgumentException.class);
        assertThat(cp.requests).isEmpty();
    }
}
