package dev.cove.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The port commands' output and exit codes against a control plane that answers as docs/ports.md says (the real
 * server's behaviour is checked by CliIT).
 */
class PortCommandsTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String ID = "sbx1";
    static final String URL = "https://3000-" + ID + ".cove.localhost:8443/";

    HttpServer server;
    final Map<String, String[]> answers = new ConcurrentHashMap<>();
    final List<String> requests = new CopyOnWriteArrayList<>();

    record Run(int code, String out, String err) {
        JsonNode json() throws Exception { return JSON.readTree(out); }
    }

    @BeforeEach
    void start() throws Exception {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", ex -> {
            String key = ex.getRequestMethod() + " " + ex.getRequestURI();
            String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            requests.add(key + " " + body);
            String[] a = answers.getOrDefault(key, new String[]{"404", "{\"code\":404,\"message\":\"sandbox '" + ID + "' not found\"}"});
            int status = Integer.parseInt(a[0]);
            byte[] out = a[1].getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().set("Content-Type", "application/json");
            ex.sendResponseHeaders(status, status == 204 ? -1 : out.length);
            if (status != 204) ex.getResponseBody().write(out);
            ex.close();
        });
        server.start();
        answer("POST /v2/sandboxes/" + ID + "/connect", 201, "{\"sandboxID\":\"" + ID + "\",\"templateID\":\"base\","
                + "\"envdAccessToken\":\"e\",\"domain\":\"cove.localhost:8443\"}");
    }

    @AfterEach
    void stop() { server.stop(0); }

    void answer(String key, int status, String body) { answers.put(key, new String[]{Integer.toString(status), body}); }

    Run cove(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        Map<String, String> env = Map.of("COVE_API_URL", "http://127.0.0.1:" + server.getAddress().getPort(),
                "COVE_DOMAIN", "cove.localhost:8443", "COVE_API_KEY", "e2b_test", "COVE_DATA_DIR", "/nonexistent");
        int code = CoveCli.run(env, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), args);
        return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void portsPrintsListenersExposedPortsAndLinks() throws Exception {
        String soon = Instant.now().plusSeconds(600).toString();
        answer("GET /sandboxes/" + ID + "/ports", 200, "{\"sandboxID\":\"" + ID + "\",\"defaultAccess\":\"private\","
                + "\"listening\":[{\"port\":3000,\"address\":\"0.0.0.0\",\"family\":\"ipv4\",\"pid\":42,"
                + "\"command\":\"python3 -m http.server 3000\",\"reachable\":true},"
                + "{\"port\":4000,\"address\":\"10.1.1.1\",\"family\":\"ipv4\",\"pid\":null,\"reachable\":false}],"
                + "\"exposed\":[{\"port\":3000,\"access\":\"link\",\"url\":\"" + URL + "\",\"state\":\"open\","
                + "\"exposedUntil\":null,\"expiresAt\":\"" + soon + "\",\"links\":[{\"id\":\"lnk_a\",\"port\":3000,"
                + "\"createdAt\":\"2026-01-01T00:00:00Z\",\"expiresAt\":\"" + soon + "\",\"lifetime\":false,\"revoked\":false},"
                + "{\"id\":\"lnk_b\",\"port\":3000,\"expiresAt\":\"" + soon + "\",\"lifetime\":true,\"revoked\":true}]}]}");
        Run r = cove("ports", ID);
        assertThat(r.code()).as(r.err()).isZero();
        List<String> lines = r.out().lines().toList();
        assertThat(lines.get(0)).startsWith("PORT").contains("ADDRESS", "PID", "COMMAND");
        assertThat(lines.get(1)).startsWith("3000").contains("0.0.0.0", "42", "python3 -m http.server 3000");
        assertThat(lines.get(2)).startsWith("4000").contains("10.1.1.1 (edge may not reach)", "-");
        assertThat(lines.get(4)).startsWith("PORT").contains("POLICY", "STATE", "URL", "EXPIRES IN", "LINKS");
        assertThat(lines.get(5)).startsWith("3000").contains("link", "open", URL, "9m").endsWith("1");
        assertThat(lines.get(7)).startsWith("LINK").contains("PORT", "STATE", "EXPIRES IN");
        assertThat(lines.get(8)).startsWith("lnk_a").contains("active");
        assertThat(lines.get(9)).startsWith("lnk_b").contains("revoked");

        JsonNode j = cove("ports", ID, "--json").json();
        assertThat(j.get("defaultAccess").asText()).isEqualTo("private");
        assertThat(j.get("listening").get(0).get("pid").asInt()).isEqualTo(42);
        assertThat(j.get("listening").get(1).get("reachable").asBoolean()).isFalse();
        assertThat(j.get("exposed").get(0).get("links")).hasSize(2);
        assertThat(requests).allMatch(x -> !x.startsWith("POST /v2/sandboxes/" + ID + "/connect") || x.endsWith("{\"timeout\":1}"));
    }

    /**
     * A listener's argv is the sandbox's: its ESC, BEL, DEL and C1 CSI are shown visibly in the table and escaped in
     * --json, never printed raw to the operator's terminal (CliIT does the same against a real sandbox).
     */
    @Test
    void portsShowsControlCharactersVisibly() throws Exception {
        answer("GET /sandboxes/" + ID + "/ports", 200, "{\"sandboxID\":\"" + ID + "\",\"defaultAccess\":\"private\","
                + "\"listening\":[{\"port\":3000,\"address\":\"0.0.0.0\",\"family\":\"ipv4\",\"pid\":42,"
                + "\"command\":\"srv \\u001b]0;owned\\u0007\\u001b[2J\\r\\u007f\\u009b31m\\u0085\u00e9\",\"reachable\":true}],"
                + "\"exposed\":[]}");
        Run r = cove("ports", ID);
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("srv \\x1b]0;owned\\x07\\x1b[2J\\x0d\\x7f\\u009b31m\\u0085\u00e9");
        assertNoRawControls(r.out());
        Run j = cove("ports", ID, "--json");
        assertNoRawControls(j.out().replace("\n", ""));
        assertThat(j.json().get("listening").get(0).get("command").asText())
                .isEqualTo("srv \u001b]0;owned\u0007\u001b[2J\r\u007f\u009b31m\u0085\u00e9");
    }

    /** Nothing but newlines between lines: no C0, DEL or C1 character. */
    static void assertNoRawControls(String out) {
        assertThat(out.chars().filter(c -> c != '\n' && (c < 0x20 || c == 0x7f || (c >= 0x80 && c <= 0x9f)))).as(out).isEmpty();
    }

    @Test
    void exposePrintsTheUrlAndLinkOrTheReason() throws Exception {
        String path = "POST /sandboxes/" + ID + "/ports/3000/expose";
        answer(path, 200, "{\"port\":3000,\"access\":\"private\",\"url\":\"" + URL + "\",\"exposedUntil\":null,"
                + "\"expiresAt\":\"" + Instant.now().plusSeconds(300) + "\",\"token\":\"traffic-secret\",\"link\":{\"id\":\"lnk_c\","
                + "\"url\":\"" + URL + "?cove_token=cove_link_q.r\",\"token\":\"cove_link_q.r\",\"expiresAt\":\""
                + Instant.now().plusSeconds(600) + "\",\"lifetime\":false}}");
        Run r = cove("expose", ID, "3000", "--access", "private", "--link-ttl", "10m", "--ttl", "1h", "--http", "/health",
                "--status", "204", "--wait", "45s", "--pid", "7");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(requests.get(requests.size() - 1)).endsWith("{\"access\":\"private\",\"ttlSeconds\":3600,"
                + "\"link\":{\"ttlSeconds\":600},\"readiness\":{\"type\":\"http\",\"path\":\"/health\",\"status\":204},"
                + "\"timeoutSeconds\":45,\"pid\":7}");
        assertThat(r.out()).contains("URL:", URL, "Access:", "private", "Link:", "cove_token=cove_link_q.r", "Link id:", "lnk_c")
                .doesNotContain("traffic-secret");
        assertThat(cove("expose", "-q", ID, "3000").out()).isEqualTo(URL + "?cove_token=cove_link_q.r\n");
        assertThat(requests.get(requests.size() - 1)).endsWith("{}");
        cove("expose", ID, "3000", "--status", "200");
        assertThat(requests.get(requests.size() - 1)).endsWith("{\"readiness\":{\"type\":\"http\",\"path\":\"/\",\"status\":200}}");
        JsonNode j = cove("expose", ID, "3000", "--json").json();
        assertThat(j.get("token").asText()).isEqualTo("traffic-secret");
        assertThat(j.get("link").get("id").asText()).isEqualTo("lnk_c");

        answer(path, 409, "{\"code\":409,\"error_code\":\"port_not_listening\",\"message\":\"nothing listens on port 3000\","
                + "\"listening\":[8080]}");
        Run refused = cove("expose", ID, "3000");
        assertThat(refused.code()).isEqualTo(9);
        assertThat(refused.err()).contains("port_not_listening", "nothing listens on port 3000", "--wait");
        Run refusedJson = cove("expose", ID, "3000", "--json");
        assertThat(refusedJson.code()).isEqualTo(9);
        assertThat(refusedJson.json().get("error_code").asText()).isEqualTo("port_not_listening");
        assertThat(refusedJson.json().get("listening").get(0).asInt()).isEqualTo(8080);
        answer(path, 409, "{\"code\":409,\"error_code\":\"process_exited\",\"message\":\"process 7 exited\",\"pid\":7,\"exitCode\":2}");
        assertThat(cove("expose", ID, "3000").err()).isEqualTo("cove: port 3000 of " + ID
                + " is not ready (process_exited): process 7 exited\n");
        answer(path, 400, "{\"code\":400,\"error_code\":\"invalid_request\",\"message\":\"timeoutSeconds must be at most 300\"}");
        assertThat(cove("expose", ID, "3000").code()).isEqualTo(7);
        assertThat(cove("expose", ID, "3000", "--ttl", "0").code()).isEqualTo(2);
        assertThat(cove("expose", "nope", "3000").code()).isEqualTo(3);
    }

    @Test
    void shareRevokeAndUnexpose() throws Exception {
        answer("POST /sandboxes/" + ID + "/ports/3000/links", 201, "{\"id\":\"lnk_d\",\"port\":3000,\"url\":\"" + URL
                + "?cove_token=cove_link_s.t\",\"token\":\"cove_link_s.t\",\"createdAt\":\"2026-01-01T00:00:00Z\","
                + "\"expiresAt\":\"" + Instant.now().plusSeconds(600) + "\",\"lifetime\":false,\"revoked\":false}");
        Run share = cove("share", ID, "3000", "--ttl", "10m");
        assertThat(share.code()).as(share.err()).isZero();
        assertThat(share.out()).isEqualTo(URL + "?cove_token=cove_link_s.t\n");
        assertThat(share.err()).contains("lnk_d", "cove revoke " + ID + " lnk_d");
        assertThat(requests.get(requests.size() - 1)).endsWith("{\"ttlSeconds\":600}");
        assertThat(cove("share", ID, "3000", "--json").json().get("token").asText()).isEqualTo("cove_link_s.t");

        answer("DELETE /sandboxes/" + ID + "/links/lnk_d", 204, "");
        Run revoke = cove("revoke", ID, "lnk_d");
        assertThat(revoke.code()).isZero();
        assertThat(revoke.out()).isEqualTo("revoked lnk_d\n");
        answer("DELETE /sandboxes/" + ID + "/links/lnk_x", 404, "{\"code\":404,\"error_code\":\"link_not_found\",\"message\":\"no link lnk_x\"}");
        Run unknown = cove("revoke", ID, "lnk_x");
        assertThat(unknown.code()).isEqualTo(3);
        assertThat(unknown.err()).isEqualTo("cove: no link lnk_x\n");
        answer("DELETE /sandboxes/" + ID + "/links", 200, "{\"revoked\":3}");
        assertThat(cove("revoke", ID, "--all").out()).isEqualTo("revoked 3 links of " + ID + "\n");
        assertThat(cove("revoke", ID, "--all", "--json").json().get("revoked").asInt()).isEqualTo(3);
        assertThat(cove("revoke", ID, "lnk_d", "--all").code()).isEqualTo(2);
        assertThat(cove("revoke", ID).code()).isEqualTo(2);

        answer("DELETE /sandboxes/" + ID + "/ports/3000/expose", 204, "");
        Run unexpose = cove("unexpose", ID, "3000");
        assertThat(unexpose.code()).isZero();
        assertThat(unexpose.out()).isEqualTo("closed port 3000 of " + ID + "\n");
    }
}
