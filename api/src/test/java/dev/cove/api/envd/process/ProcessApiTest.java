package dev.cove.api.envd.process;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cove.api.envd.EnvdTestBase;
import dev.cove.api.testing.EnvdClient;
import org.junit.jupiter.api.Test;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** process.Process over real HTTP against a real sandbox. */
class ProcessApiTest extends EnvdTestBase {

    private static String b64(String s) { return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8)); }

    private static String text(JsonNode event, String field) {
        JsonNode d = event.path("data");
        return d.has(field) ? new String(Base64.getDecoder().decode(d.path(field).asText()), StandardCharsets.UTF_8) : "";
    }

    /** Reads events until one's {@code field} output (accumulated) contains {@code expected}. */
    private static String readUntil(EnvdClient.Stream s, String field, String expected) {
        StringBuilder seen = new StringBuilder();
        JsonNode m;
        while ((m = s.next()) != null) {
            seen.append(text(m.path("event"), field));
            if (seen.toString().contains(expected)) return seen.toString();
            if (m.path("event").has("end")) break;
        }
        throw new AssertionError("never saw '" + expected + "' in: " + seen);
    }

    @Test
    void echoRunsAsUserAndEndsWithExitStatusZero() {
        EnvdClient.Result r = envd.run("echo hi; id -un; pwd", null);
        assertThat(r.out()).isEqualTo("hi\nuser\n/home/user\n");
        assertThat(r.exitCode()).isZero();
        assertThat(r.exited()).isTrue();
        assertThat(r.status()).isEqualTo("exit status 0");
        assertThat(r.events().getLast().path("end").has("error")).isFalse(); // a success has no error
        assertThat(r.pid()).isPositive();
        assertThat(r.events().getFirst().has("start")).isTrue();
        assertThat(r.events().getLast().has("end")).isTrue();
    }

    @Test
    void nonZeroExitAndStderr() {
        EnvdClient.Result r = envd.run("echo to-err >&2; echo to-out; exit 3", null);
        assertThat(r.exitCode()).isEqualTo(3);
        assertThat(r.status()).isEqualTo("exit status 3");
        // envd's error: the SDK's CommandExitError takes its message from it
        assertThat(r.events().getLast().path("end").path("error").asText()).isEqualTo("exit status 3");
        assertThat(r.err()).isEqualTo("to-err\n");
        assertThat(r.out()).isEqualTo("to-out\n");
    }

    /**
     * A sandbox killed under a running command cuts its stream with {@code unavailable} (the SDKs' TimeoutError),
     * not with the end event of a killed process, which the SDKs would report as the command's own failure.
     */
    @Test
    void sandboxKilledUnderACommandCutsItsStream() {
        JsonNode created = api.create("{\"templateID\":\"base\",\"timeout\":120}");
        String other = created.get("sandboxID").asText();
        EnvdClient otherEnvd = client(other).header("X-Access-Token", created.get("envdAccessToken").asText());
        try (EnvdClient.Stream s = otherEnvd.stream("process.Process/Start",
                EnvdClient.startRequest("sleep 60", null, null), null, Map.of())) {
            assertThat(s.next().path("event").has("start")).isTrue();
            assertThat(api.delete("/sandboxes/" + other).status()).isEqualTo(204);
            JsonNode m;
            while ((m = s.next()) != null) assertThat(m.path("event").has("end")).as(m.toString()).isFalse();
            assertThat(s.end.path("error").path("code").asText()).isEqualTo("unavailable");
        }
    }

    @Test
    void largeOutputIsStreamedCompletely() {
        long expected = 40L * 1024 * 1024;
        try (EnvdClient.Stream s = envd.stream("process.Process/Start",
                EnvdClient.startRequest("head -c " + expected + " /dev/zero | tr '\\0' 'a'", null, null), null, Map.of())) {
            long total = 0;
            int messages = 0;
            JsonNode end = null;
            JsonNode m;
            while ((m = s.next()) != null) {
                JsonNode ev = m.path("event");
                if (ev.path("data").has("stdout")) {
                    byte[] chunk = Base64.getDecoder().decode(ev.path("data").path("stdout").asText());
                    total += chunk.length;
                    messages++;
                }
                if (ev.has("end")) end = ev.path("end");
            }
            s.check();
            assertThat(total).isEqualTo(expected);
            assertThat(messages).isGreaterThan(100); // streamed in chunks, not in one piece
            assertThat(end).isNotNull();
            assertThat(end.has("exitCode")).isFalse(); // 0 is a default: omitted
        }
    }

    @Test
    void stdinIsSentAndClosed() {
        ObjectNode req = EnvdClient.startRequest("cat; echo done", null, null);
        req.put("stdin", true);
        try (EnvdClient.Stream s = envd.stream("process.Process/Start", req, null, Map.of())) {
            int pid = s.next().path("event").path("start").path("pid").asInt();
            ObjectNode input = EnvdClient.selector(pid);
            input.putObject("input").put("stdin", b64("hello stdin\n"));
            envd.unary("process.Process/SendInput", input, null);
            assertThat(readUntil(s, "stdout", "hello stdin\n")).isEqualTo("hello stdin\n");
            envd.unary("process.Process/CloseStdin", EnvdClient.selector(pid), null);
            EnvdClient.Result rest = envd.collect(s);
            assertThat(rest.out()).isEqualTo("done\n");
            assertThat(rest.exitCode()).isZero();
        }
    }

    @Test
    void sendSignalKills() {
        try (EnvdClient.Stream s = envd.stream("process.Process/Start",
                EnvdClient.startRequest("sleep 60", null, null), null, Map.of())) {
            int pid = s.next().path("event").path("start").path("pid").asInt();
            ObjectNode sig = EnvdClient.selector(pid);
            sig.put("signal", "SIGNAL_SIGKILL");
            envd.unary("process.Process/SendSignal", sig, null);
            EnvdClient.Result r = envd.collect(s);
            assertThat(r.status()).isEqualTo("signal: killed");
            assertThat(r.events().getLast().path("end").path("error").asText()).isEqualTo("signal: killed");
            assertThat(r.exited()).isFalse();
            assertThat(r.exitCode()).isEqualTo(-1);
        }
        assertThatThrownBy(() -> envd.unary("process.Process/SendSignal",
                "{\"process\":{\"pid\":999999},\"signal\":\"SIGNAL_SIGKILL\"}", null))
                .isInstanceOfSatisfying(EnvdClient.ConnectError.class, e -> {
                    assertThat(e.code).isEqualTo("not_found");
                    assertThat(e.httpStatus).isEqualTo(404);
                });
    }

    @Test
    void processOutlivesItsStreamAndCanBeReattachedByPidAndTag() throws Exception {
        ObjectNode req = EnvdClient.startRequest("for i in $(seq 1 40); do echo line$i; sleep 0.1; done", null, null);
        req.put("tag", "reattach-me");
        int pid;
        try (EnvdClient.Stream s = envd.stream("process.Process/Start", req, null, Map.of())) {
            pid = s.next().path("event").path("start").path("pid").asInt();
            readUntil(s, "stdout", "line2\n");
        } // client disconnects
        Thread.sleep(300);
        JsonNode list = envd.unary("process.Process/List", "{}", null);
        boolean listed = false;
        for (JsonNode p : list.path("processes")) {
            if (p.path("pid").asInt() == pid) {
                listed = true;
                assertThat(p.path("tag").asText()).isEqualTo("reattach-me");
                assertThat(p.path("config").path("cmd").asText()).isEqualTo("/bin/bash");
            }
        }
        assertThat(listed).as("List shows the running process").isTrue();
        try (EnvdClient.Stream byTag = envd.stream("process.Process/Connect",
                "{\"process\":{\"tag\":\"reattach-me\"}}", null, Map.of())) {
            assertThat(byTag.next().path("event").path("start").path("pid").asInt()).isEqualTo(pid);
            assertThat(readUntil(byTag, "stdout", "\n")).startsWith("line");
        }
        try (EnvdClient.Stream byPid = envd.stream("process.Process/Connect", EnvdClient.selector(pid), null, Map.of())) {
            EnvdClient.Result r = envd.collect(byPid);
            assertThat(r.out()).contains("line40\n");
            assertThat(r.exitCode()).isZero();
        }
        // once ended it is gone: Connect ends with not_found in the end-stream frame
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
            try (EnvdClient.Stream gone = envd.stream("process.Process/Connect", EnvdClient.selector(pid), null, Map.of())) {
                assertThat(gone.next()).isNull();
                assertThatThrownBy(gone::check).isInstanceOfSatisfying(EnvdClient.ConnectError.class,
                        e -> assertThat(e.code).isEqualTo("not_found"));
            }
        });
    }

    @Test
    void connectTimeoutBoundsTheProcessLifetimeAndKeepalivesFlow() {
        long t0 = System.nanoTime();
        try (EnvdClient.Stream s = envd.stream("process.Process/Start", EnvdClient.startRequest("sleep 60", null, null),
                null, Map.of("Connect-Timeout-Ms", "2500", "Keepalive-Ping-Interval", "1"))) {
            EnvdClient.Result r = envd.collect(s);
            assertThat(r.status()).isEqualTo("signal: killed");
            assertThat(r.events().stream().filter(e -> e.has("keepalive")).count()).isGreaterThanOrEqualTo(1);
        }
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(10));
    }

    @Test
    void ptyEchoAndResize() {
        ObjectNode req = EnvdClient.JSON.createObjectNode();
        ObjectNode p = req.putObject("process");
        p.put("cmd", "/bin/bash");
        p.putArray("args").add("-i").add("-l");
        p.putObject("envs").put("TERM", "xterm-256color").put("LANG", "C.UTF-8");
        req.putObject("pty").putObject("size").put("cols", 80).put("rows", 24);
        try (EnvdClient.Stream s = envd.stream("process.Process/Start", req, null, Map.of())) {
            int pid = s.next().path("event").path("start").path("pid").asInt();
            ObjectNode in = EnvdClient.selector(pid);
            in.putObject("input").put("pty", b64("echo pty-$((40+2)); stty size\n"));
            envd.unary("process.Process/SendInput", in, null);
            readUntil(s, "pty", "24 80");
            ObjectNode resize = EnvdClient.selector(pid);
            resize.putObject("pty").putObject("size").put("cols", 120).put("rows", 40);
            envd.unary("process.Process/Update", resize, null);
            // right after Update returns, the terminal has the new size (no race with runc's own copy)
            in.putObject("input").put("pty", b64("echo \"[$(stty size)]\"\n"));
            envd.unary("process.Process/SendInput", in, null);
            String out = readUntil(s, "pty", "]\r\n"); // the output line; the echoed command has ]" before its end
            assertThat(out).contains("[40 120]");
            in.putObject("input").put("pty", b64("exit 7\n"));
            envd.unary("process.Process/SendInput", in, null);
            EnvdClient.Result r = envd.collect(s);
            assertThat(r.exitCode()).isEqualTo(7);
        }
    }

    @Test
    void envAndCwd() {
        ObjectNode req = EnvdClient.startRequest("echo $FOO $COVE_SBX; pwd", Map.of("FOO", "bar"), "/tmp");
        EnvdClient.Result r = envd.collect(envd.stream("process.Process/Start", req, null, Map.of()));
        assertThat(r.out()).isEqualTo("bar from-sandbox\n/tmp\n");
        EnvdClient.Result relative = envd.collect(envd.stream("process.Process/Start",
                EnvdClient.startRequest("pwd", null, "."), null, Map.of()));
        assertThat(relative.out()).isEqualTo("/home/user\n");
        assertThatThrownBy(() -> envd.collect(envd.stream("process.Process/Start",
                EnvdClient.startRequest("pwd", null, "/no/such/dir"), null, Map.of())))
                .isInstanceOfSatisfying(EnvdClient.ConnectError.class, e -> assertThat(e.code).isEqualTo("not_found"));
    }

    @Test
    void userSwitching() {
        assertThat(envd.run("id -u; echo $HOME; pwd", "root").out()).isEqualTo("0\n/root\n/root\n");
        assertThat(envd.run("id -u; echo $HOME", "user").out()).isEqualTo("1000\n/home/user\n");
        EnvdClient.Result denied = envd.run("touch /root/nope", "user");
        assertThat(denied.exitCode()).isNotZero();
        assertThat(denied.err()).contains("Permission denied");
        assertThatThrownBy(() -> envd.run("true", "mallory"))
                .isInstanceOfSatisfying(EnvdClient.ConnectError.class, e -> assertThat(e.code).isEqualTo("unauthenticated"));
    }

    @Test
    void worksOverHttp2() throws Exception {
        HttpClient h2 = HttpClient.newBuilder().version(HttpClient.Version.HTTP_2).build();
        EnvdClient c = new EnvdClient(h2, envd.base(), sandboxId).header("X-Access-Token", envdToken);
        // the JDK client upgrades to h2c only on a request without a body
        HttpResponse<String> health = c.send(c.request("/health", null).GET().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(health.statusCode()).isEqualTo(204);
        EnvdClient.Stream s = c.stream("process.Process/Start", EnvdClient.startRequest("echo over-h2", null, null),
                null, Map.of());
        assertThat(s.response.version()).isEqualTo(HttpClient.Version.HTTP_2);
        assertThat(c.collect(s).out()).isEqualTo("over-h2\n");
        assertThat(c.unary("process.Process/List", "{}", null).isObject()).isTrue();
    }

    @Test
    void protocolErrors() {
        // unary with the wrong codec: 415
        HttpResponse<String> proto = envd.send(envd.request("/process.Process/List", null)
                .header("Content-Type", "application/proto").POST(HttpRequest.BodyPublishers.ofByteArray(new byte[0]))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(proto.statusCode()).isEqualTo(415);
        assertThatThrownBy(() -> envd.unary("process.Process/Nope", "{}", null))
                .isInstanceOfSatisfying(EnvdClient.ConnectError.class, e -> {
                    assertThat(e.code).isEqualTo("unimplemented");
                    assertThat(e.httpStatus).isEqualTo(501);
                });
        assertThatThrownBy(() -> envd.unary("process.Process/SendInput", "{not json", null))
                .isInstanceOfSatisfying(EnvdClient.ConnectError.class, e -> assertThat(e.code).isEqualTo("invalid_argument"));
        // snake_case field names and numeric enums are accepted on input
        try (EnvdClient.Stream s = envd.stream("process.Process/Start", EnvdClient.startRequest("sleep 30", null, null),
                null, Map.of())) {
            int pid = s.next().path("event").path("start").path("pid").asInt();
            envd.unary("process.Process/SendSignal", "{\"process\":{\"pid\":" + pid + "},\"signal\":15}", null);
            EnvdClient.Result r = envd.collect(s);
            assertThat(r.status()).isEqualTo("signal: terminated");
        }
    }
}
