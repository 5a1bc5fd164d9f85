package dev.cove.it;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static dev.cove.it.CoveServerProcess.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The foundation, black-box: a real {@code cove server}, reached through its edge over HTTPS at
 * {@code api.cove.localhost} as the E2B SDKs reach it, running real sandboxes.
 */
class SandboxLifecycleIT {
    static final String PREFIX = "coveit";
    static Path dataDir;
    static CoveServerProcess server;
    static final List<String> created = new ArrayList<>();

    @BeforeAll
    static void startServer() throws Exception {
        dataDir = Files.createTempDirectory("cove-it-lifecycle");
        server = new CoveServerProcess(dataDir, PREFIX, "10.210.0.0/16", "fd63:6f80::/32", "--default-pids", "64").start();
    }

    @AfterAll
    static void stopServer() throws Exception {
        if (server == null) return;
        for (String id : created) server.api("DELETE", "/sandboxes/" + id, null);
        server.close();
        assertThat(HostResources.allLeftovers(PREFIX, dataDir)).as("nothing of any sandbox outlives the tests").isEmpty();
        HostResources.removeEmptyCgroupParents(PREFIX);
        HostResources.deleteTree(dataDir);
    }

    static JsonNode create(String body) throws Exception {
        HttpResponse<String> r = server.api("POST", "/v2/sandboxes", body);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
        JsonNode sandbox = json(r);
        created.add(sandbox.get("sandboxID").asText());
        return sandbox;
    }

    @Test
    void sandboxRunsIsolatedWithinItsLimitsAndKillFreesEverything() throws Exception {
        JsonNode sbx = create("{\"templateID\":\"base\",\"timeout\":120,\"cpuCount\":1,\"memoryMB\":96,"
                + "\"metadata\":{\"test\":\"isolation\"},\"envVars\":{\"GREETING\":\"hello\"}}");
        String id = sbx.get("sandboxID").asText();
        assertThat(sbx.get("templateID").asText()).isEqualTo("base");
        assertThat(sbx.get("envdAccessToken").asText()).hasSize(64);
        assertThat(sbx.get("domain").asText()).isEqualTo("cove.localhost:" + server.httpsPort);

        // Its own hostname, hosts file (with ::1), pid 1, network and mount namespaces.
        assertThat(SandboxExec.sh(dataDir, PREFIX, id, "hostname")).isEqualTo(id);
        assertThat(SandboxExec.sh(dataDir, PREFIX, id, "cat /etc/hosts")).contains("::1").contains(id);
        assertThat(SandboxExec.sh(dataDir, PREFIX, id, "cat /proc/1/comm")).isNotEqualTo("systemd");
        for (String ns : List.of("net", "pid", "mnt", "uts", "ipc")) {
            String inside = SandboxExec.sh(dataDir, PREFIX, id, "readlink /proc/self/ns/" + ns);
            String host = Files.readSymbolicLink(Path.of("/proc/self/ns/" + ns)).toString();
            assertThat(inside).as(ns + " namespace").isNotEqualTo(host);
        }
        assertThat(SandboxExec.sh(dataDir, PREFIX, id, "ls /sys/class/net | sort | tr '\\n' ' '"))
                .as("only loopback and its veth").matches("lo " + PREFIX + "\\d+s ?|" + PREFIX + "\\d+s lo ?");
        assertThat(SandboxExec.sh(dataDir, PREFIX, id, "echo $GREETING")).isEqualTo("hello");
        SandboxExec.Result asUser = SandboxExec.exec(dataDir, PREFIX, id, false, "id", "-un");
        assertThat(asUser.output().strip()).isEqualTo("user");
        assertThat(SandboxExec.exec(dataDir, PREFIX, id, false, "touch", "/etc/passwd").exitCode())
                .as("user cannot write root's files").isNotZero();

        // Limits from the create request (cpu, memory) and the operator default (pids).
        assertThat(HostResources.cgroupValue(PREFIX, id, "memory", "memory.limit_in_bytes", "memory.max"))
                .isEqualTo(String.valueOf(96L * 1024 * 1024));
        assertThat(HostResources.cgroupValue(PREFIX, id, "pids", "pids.max", "pids.max")).isEqualTo("64");
        assertThat(HostResources.cgroupValue(PREFIX, id, "cpu", "cpu.cfs_quota_us", "cpu.max")).startsWith("100000");
        SandboxExec.Result hog = SandboxExec.exec(dataDir, PREFIX, id, true,
                "python3", "-c", "b = bytearray(400 * 1024 * 1024); print('survived')");
        assertThat(hog.exitCode()).as("memory hog is OOM-killed: " + hog.output()).isEqualTo(137);
        String forks = SandboxExec.sh(dataDir, PREFIX, id, "python3 -c \"\n"
                + "import os, time\nn = 0\ntry:\n    while n < 500:\n        if os.fork() == 0:\n            time.sleep(30); os._exit(0)\n"
                + "        n += 1\nexcept OSError as e:\n    print('contained', n)\nelse:\n    print('unbounded', n)\n\"");
        assertThat(forks).as("fork loop stops at the pids limit").startsWith("contained");
        assertThat(Integer.parseInt(forks.split(" ")[1])).isLessThan(64);

        // Kill frees every resource and leaves a tombstone.
        assertThat(server.api("DELETE", "/sandboxes/" + id, null).statusCode()).isEqualTo(204);
        assertThat(HostResources.leftoversOf(PREFIX, dataDir, id)).isEmpty();
        HttpResponse<String> again = server.api("DELETE", "/sandboxes/" + id, null);
        assertThat(again.statusCode()).isEqualTo(404);
        assertThat(json(again).get("code").asInt()).isEqualTo(404);
        assertThat(server.api("GET", "/sandboxes/" + id, null).statusCode()).isEqualTo(404);
        HttpResponse<String> url = server.client().send(HttpRequest.newBuilder(
                URI.create("https://3000-" + id + "." + CoveServerProcess.DOMAIN + ":" + server.httpsPort + "/")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(url.statusCode()).isEqualTo(410);
        assertThat(json(url).get("reason").asText()).isEqualTo("killed");
    }

    @Test
    void timeoutExpiresOnTimeAndCanBeShortenedOrExtended() throws Exception {
        String expiring = create("{\"templateID\":\"base\",\"timeout\":3}").get("sandboxID").asText();
        String shortened = create("{\"templateID\":\"base\",\"timeout\":300}").get("sandboxID").asText();
        String extended = create("{\"templateID\":\"base\",\"timeout\":4}").get("sandboxID").asText();
        Instant t0 = Instant.now();
        assertThat(server.api("POST", "/sandboxes/" + shortened + "/timeout", "{\"timeout\":2}").statusCode()).isEqualTo(204);
        assertThat(server.api("POST", "/sandboxes/" + extended + "/timeout", "{\"timeout\":60}").statusCode()).isEqualTo(204);

        await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(200)).until(() ->
                server.api("GET", "/sandboxes/" + expiring, null).statusCode() == 404
                        && server.api("GET", "/sandboxes/" + shortened, null).statusCode() == 404);
        assertThat(Duration.between(t0, Instant.now())).as("reaped near endAt").isLessThan(Duration.ofSeconds(8));
        assertThat(HostResources.leftoversOf(PREFIX, dataDir, expiring)).isEmpty();
        assertThat(HostResources.leftoversOf(PREFIX, dataDir, shortened)).isEmpty();

        HttpResponse<String> ended = server.client().send(HttpRequest.newBuilder(URI.create(
                "https://8000-" + expiring + "." + CoveServerProcess.DOMAIN + ":" + server.httpsPort + "/"))
                .header("Accept", "application/json").build(), HttpResponse.BodyHandlers.ofString());
        assertThat(ended.statusCode()).isEqualTo(410);
        assertThat(json(ended).get("reason").asText()).isEqualTo("timeout");

        // Past its original 4 s, the extended one still runs.
        await().atLeast(Duration.ZERO).pollDelay(Duration.ofMillis(Math.max(0, 5000 - Duration.between(t0, Instant.now()).toMillis())))
                .until(() -> true);
        HttpResponse<String> info = server.api("GET", "/sandboxes/" + extended, null);
        assertThat(info.statusCode()).isEqualTo(200);
        assertThat(json(info).get("state").asText()).isEqualTo("running");
        assertThat(SandboxExec.sh(dataDir, PREFIX, extended, "echo alive")).isEqualTo("alive");

        // connect and refresh only extend: a shorter value leaves endAt as it is.
        String endAt = json(info).get("endAt").asText();
        assertThat(server.api("POST", "/v2/sandboxes/" + extended + "/connect", "{\"timeout\":10}").statusCode()).isEqualTo(200);
        assertThat(server.api("POST", "/sandboxes/" + extended + "/refreshes", "{\"duration\":15}").statusCode()).isEqualTo(204);
        assertThat(json(server.api("GET", "/sandboxes/" + extended, null)).get("endAt").asText()).isEqualTo(endAt);
        assertThat(server.api("POST", "/v2/sandboxes/" + extended + "/connect", "{\"timeout\":600}").statusCode()).isEqualTo(200);
        assertThat(Instant.parse(json(server.api("GET", "/sandboxes/" + extended, null)).get("endAt").asText()))
                .isAfter(Instant.parse(endAt));
    }

    @Test
    void listFiltersByMetadataAndStateAndPages() throws Exception {
        String run = "run-" + System.nanoTime();
        for (int i = 0; i < 3; i++) create("{\"templateID\":\"base\",\"timeout\":120,\"metadata\":{\"run\":\"" + run + "\",\"n\":\"" + i + "\"}}");
        String filter = URLEncoder.encode("run=" + run, StandardCharsets.UTF_8);
        HttpResponse<String> page1 = server.api("GET", "/v2/sandboxes?state=running&limit=2&metadata=" + filter, null);
        assertThat(page1.statusCode()).isEqualTo(200);
        assertThat(json(page1)).hasSize(2);
        String next = page1.headers().firstValue("X-Next-Token").orElseThrow();
        HttpResponse<String> page2 = server.api("GET", "/v2/sandboxes?state=running&limit=2&metadata=" + filter
                + "&nextToken=" + URLEncoder.encode(next, StandardCharsets.UTF_8), null);
        assertThat(json(page2)).hasSize(1);
        assertThat(page2.headers().firstValue("X-Next-Token")).isEmpty();
        for (JsonNode s : json(page1)) assertThat(s.get("metadata").get("run").asText()).isEqualTo(run);
        assertThat(json(server.api("GET", "/v2/sandboxes?state=paused&metadata=" + filter, null))).isEmpty();
        HttpResponse<String> v1 = server.api("GET", "/sandboxes?metadata=" + filter, null);
        assertThat(json(v1)).hasSize(3);
    }

    @Test
    void badInputGetsAClearErrorThroughTheEdge() throws Exception {
        HttpResponse<String> noKey = server.api("POST", "/v2/sandboxes", "{\"templateID\":\"base\"}", null);
        assertThat(noKey.statusCode()).isEqualTo(401);
        assertThat(json(noKey).get("code").asInt()).isEqualTo(401);
        assertThat(server.api("GET", "/v2/sandboxes", null, "e2b_ffffffffffffffffffffffffffffffff").statusCode()).isEqualTo(401);

        HttpResponse<String> malformed = server.api("POST", "/v2/sandboxes", "{\"templateID\":");
        assertThat(malformed.statusCode()).isEqualTo(400);
        assertThat(json(malformed).get("message").asText()).startsWith("Error when parsing request");
        HttpResponse<String> unknown = server.api("POST", "/v2/sandboxes", "{\"templateID\":\"nope\"}");
        assertThat(unknown.statusCode()).isEqualTo(404);
        assertThat(json(unknown).get("message").asText()).isEqualTo("template 'nope' not found");
        assertThat(server.api("POST", "/v2/sandboxes", "{\"templateID\":\"base\",\"timeout\":-5}").statusCode()).isEqualTo(400);
        assertThat(server.api("POST", "/v2/sandboxes", "{\"templateID\":\"base\",\"timeout\":\"soon\"}").statusCode()).isEqualTo(400);
        assertThat(server.api("POST", "/v2/sandboxes", "{\"templateID\":\"base\",\"timeout\":99999999}").statusCode()).isEqualTo(400);
        HttpResponse<String> mcp = server.api("POST", "/v2/sandboxes", "{\"templateID\":\"base\",\"mcp\":{\"x\":{}}}");
        assertThat(mcp.statusCode()).isEqualTo(400);
        assertThat(json(mcp).get("message").asText()).contains("mcp").contains("not supported");
        assertThat(server.api("GET", "/sandboxes/NOT-valid!", null).statusCode()).isEqualTo(400);
        assertThat(HostResources.netns(PREFIX).size()).as("no sandbox half-made by refused requests")
                .isLessThanOrEqualTo(created.size());
    }
}
