package dev.cove.it;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cove.api.testing.PostgresServer;
import dev.cove.sdk.CommandResult;
import dev.cove.sdk.CoveConfig;
import dev.cove.sdk.Sandbox;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static dev.cove.it.CoveServerProcess.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;
import static org.awaitility.Awaitility.await;

/**
 * Three {@code cove server} nodes on this machine share one real PostgreSQL (distinct data directories, ports,
 * resource prefixes and pools), as a cluster on three machines would: creates spread over the nodes, every node lists
 * and routes every sandbox, calls about a sandbox work through any node, a node killed with SIGKILL has its sandboxes
 * answer {@code 410 node_lost} everywhere within seconds and destroys them when it comes back, and the database away
 * for a few seconds leaves running sandboxes serving while the API answers 503.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClusterIT {
    static final String[] PREFIXES = {"covecla", "coveclb", "coveclc"};
    static final String[] POOLS4 = {"10.248.0.0/16", "10.249.0.0/16", "10.250.0.0/16"};
    static final String[] POOLS6 = {"fd63:6f48::/32", "fd63:6f49::/32", "fd63:6f4a::/32"};
    static PostgresServer pg;
    static final CoveServerProcess[] nodes = new CoveServerProcess[3];
    static final Path[] dataDirs = new Path[3];
    /** Nodes a test killed and has not started again. */
    static final boolean[] crashed = new boolean[3];
    /** sandbox id → node name, for the sandboxes made by {@link #createsSpreadOverTheNodes()}. */
    static final Map<String, String> placed = new HashMap<>();

    @BeforeAll
    static void startCluster() throws Exception {
        assumeThat(PostgresServer.installed()).as("PostgreSQL (./cove install --with-test-tools)").isTrue();
        pg = PostgresServer.start("cluster");
        for (int i = 0; i < 3; i++) {
            dataDirs[i] = Files.createTempDirectory("cove-it-cluster-n" + (i + 1));
            nodes[i] = node(i).start();
        }
    }

    static CoveServerProcess node(int i) {
        return new CoveServerProcess(dataDirs[i], PREFIXES[i], POOLS4[i], POOLS6[i], "--store", pg.url(),
                "--node-name", "n" + (i + 1), "--default-pids", "128", "--default-memory-mb", "256");
    }

    /**
     * Kills what is left through the nodes (a node that a failed test left dead is started again first: its recovery
     * destroys what the catalog ended), stops them, checks that nothing of any sandbox is left, stops PostgreSQL.
     */
    @AfterAll
    static void stopCluster() throws Exception {
        List<Throwable> failures = new ArrayList<>();
        try {
            if (pg != null && !pg.running()) pg.start();
            for (int i = 0; i < 3; i++) {
                if (nodes[i] != null && crashed[i]) {
                    nodes[i] = node(i).start();
                    crashed[i] = false;
                }
            }
            for (int i = 0; i < 3; i++) {
                if (nodes[i] == null) continue;
                try {
                    for (JsonNode s : json(nodes[i].api("GET", "/v2/sandboxes", null))) {
                        nodes[i].api("DELETE", "/sandboxes/" + s.get("sandboxID").asText(), null);
                    }
                } catch (Exception e) {
                    failures.add(e); // the leak check below tells what stayed
                }
            }
            Path logs = Files.createDirectories(Path.of("target", "cluster-it-logs"));
            for (int i = 0; i < 3; i++) {
                if (nodes[i] == null) continue;
                nodes[i].close();
                Files.writeString(logs.resolve("n" + (i + 1) + ".log"), nodes[i].logText()); // a failure's story
                assertThat(nodes[i].logText()).as("node log").doesNotContain(PostgresServer.PASSWORD)
                        .doesNotContain("pw-Secret%2F42");
            }
            for (int i = 0; i < 3; i++) {
                if (dataDirs[i] == null) continue;
                try {
                    assertThat(HostResources.allLeftovers(PREFIXES[i], dataDirs[i])).as("nothing outlives node " + (i + 1)).isEmpty();
                    HostResources.removeEmptyCgroupParents(PREFIXES[i]);
                    HostResources.deleteTree(dataDirs[i]);
                } catch (AssertionError | RuntimeException e) {
                    failures.add(e);
                }
            }
        } finally {
            if (pg != null) {
                String log = pg.serverLog();
                pg.close();
                assertThat(log).as("the database never saw the password in a statement").doesNotContain(PostgresServer.PASSWORD);
            }
        }
        if (!failures.isEmpty()) throw new AssertionError("cluster teardown: " + failures, failures.getFirst());
    }

    @Test
    @Order(1)
    void createsSpreadOverTheNodes() throws Exception {
        for (int k = 0; k < 6; k++) {
            HttpResponse<String> r = nodes[0].api("POST", "/v2/sandboxes",
                    "{\"templateID\":\"base\",\"timeout\":600,\"metadata\":{\"suite\":\"cluster\"}}");
            assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
            JsonNode created = json(r);
            assertThat(created.get("domain").asText()).as("the node asked answers with its own domain")
                    .isEqualTo(CoveServerProcess.DOMAIN + ":" + nodes[0].httpsPort);
            placed.put(created.get("sandboxID").asText(), created.get("node").asText());
        }
        Map<String, Long> perNode = new HashMap<>();
        placed.values().forEach(n -> perNode.merge(n, 1L, Long::sum));
        assertThat(perNode).as("least committed memory first: two each").containsOnly(
                Map.entry("n1", 2L), Map.entry("n2", 2L), Map.entry("n3", 2L));
        // each sandbox runs on the node the catalog names: its namespace is there, with that node's prefix
        for (Map.Entry<String, String> e : placed.entrySet()) {
            int i = Integer.parseInt(e.getValue().substring(1)) - 1;
            assertThat(HostResources.netns(PREFIXES[i])).as("netns of %s on %s", e.getKey(), e.getValue())
                    .anyMatch(ns -> ns.contains(e.getKey()));
        }
    }

    @Test
    @Order(2)
    void everyNodeListsEverySandboxWithItsNode() throws Exception {
        for (CoveServerProcess n : nodes) {
            Map<String, String> listed = new HashMap<>();
            for (JsonNode s : json(n.api("GET", "/v2/sandboxes?metadata=suite%3Dcluster", null))) {
                listed.put(s.get("sandboxID").asText(), s.get("node").asText());
            }
            assertThat(listed).isEqualTo(placed);
        }
    }

    @Test
    @Order(2)
    void oneTlsAuthorityServesEveryNode() throws Exception {
        String ca = Files.readString(nodes[0].caCert());
        for (CoveServerProcess n : nodes) assertThat(Files.readString(n.caCert())).isEqualTo(ca);
        // a client trusting node 1's ca.crt reaches node 2 and node 3 over HTTPS
        java.net.http.HttpClient trustsNodeOne = java.net.http.HttpClient.newBuilder().sslContext(nodes[0].trustCoveCa())
                .connectTimeout(Duration.ofSeconds(5)).build();
        for (int i : new int[]{1, 2}) {
            HttpResponse<String> r = trustsNodeOne.send(java.net.http.HttpRequest.newBuilder(nodes[i].apiUri("/health")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).isEqualTo(200);
        }
    }

    @Test
    @Order(2)
    void templateBuildsAndSnapshotsAreRefusedInClusterModeWithTheReason() throws Exception {
        // their layers would live on one node only: a clear 501 instead of a create that fails on another node
        for (String[] call : new String[][]{{"POST", "/v3/templates", "{\"name\":\"clu-tpl\",\"cpuCount\":1,\"memoryMB\":512}"},
                {"GET", "/snapshots", null}, {"GET", "/templates", null}}) {
            HttpResponse<String> r = nodes[1].api(call[0], call[1], call[2]);
            assertThat(r.statusCode()).as(call[1]).isEqualTo(501);
            assertThat(json(r).get("code").asText() + " " + json(r).get("message").asText())
                    .as(call[1]).contains("not available in cluster mode yet");
        }
    }

    @Test
    @Order(2)
    void nodesAreListedAndADrainingNodeGetsNoNewSandboxes() throws Exception {
        JsonNode listed = json(nodes[2].api("GET", "/nodes", null));
        assertThat(listed.findValuesAsText("name")).containsExactly("n1", "n2", "n3");
        assertThat(listed.findValuesAsText("state")).containsOnly("live");
        assertThat(listed.findValues("sandboxes")).extracting(JsonNode::asInt).containsOnly(2);
        assertThat(nodes[2].api("POST", "/nodes/n2/drain", null).statusCode()).isEqualTo(204);
        try {
            for (int k = 0; k < 2; k++) {
                HttpResponse<String> r = nodes[1].api("POST", "/v2/sandboxes", "{\"templateID\":\"base\",\"timeout\":60}");
                assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
                assertThat(json(r).get("node").asText()).as("not on the draining node").isNotEqualTo("n2");
                assertThat(nodes[1].api("DELETE", "/sandboxes/" + json(r).get("sandboxID").asText(), null).statusCode()).isEqualTo(204);
            }
        } finally {
            assertThat(nodes[0].api("DELETE", "/nodes/n2/drain", null).statusCode()).isEqualTo(204);
        }
        HttpResponse<String> unknown = nodes[0].api("POST", "/nodes/n9/drain", null);
        assertThat(unknown.statusCode()).isEqualTo(404);
        assertThat(unknown.body()).contains("node_not_found");
    }

    @Test
    @Order(3)
    void theSdkThroughNodeOneRunsCommandsFilesAndAPortOfASandboxOnNodeThree() throws Exception {
        String id = onNode("n3").getFirst();
        Sandbox sandbox = Sandbox.connect(id, sdkVia(0));
        CommandResult r = sandbox.commands().run("echo from-node3 && id -un");
        assertThat(r.exitCode()).as(r.stderr()).isZero();
        assertThat(r.stdout()).contains("from-node3").contains("user");
        sandbox.files().write("/home/user/www/hello.txt", "served by the sandbox on n3");
        assertThat(sandbox.files().read("/home/user/www/hello.txt")).isEqualTo("served by the sandbox on n3");
        sandbox.commands().start("python3 -m http.server 8000 --directory /home/user/www");
        // its port through node 1's and node 2's edges (plain HTTP, as a node's wildcard listener gets it)
        for (int i : new int[]{0, 1}) {
            int port = nodes[i].httpPort;
            await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(200)).untilAsserted(() ->
                    assertThat(get(port, "8000-" + id + "." + CoveServerProcess.DOMAIN, "/hello.txt"))
                            .startsWith("HTTP/1.1 200").endsWith("served by the sandbox on n3"));
        }
    }

    @Test
    @Order(4)
    void theOfficialE2bSdkThroughNodeOneWorksOnASandboxOfNodeThree() throws Exception {
        String out = e2b(0, onNode("n3").getFirst(), "running");
        assertThat(out).contains("e2b 2.51.0: commands, files and https://8100-").contains("e2b 2.45.0: commands, files");
    }

    /** WebSocket echo and a server-sent event stream of a node-3 sandbox, through node 1's edge (plain and TLS). */
    @Test
    @Order(4)
    void webSocketsAndStreamsCrossNodes() throws Exception {
        String id = onNode("n3").getFirst();
        SandboxExec.installTestServer(dataDirs[2], PREFIXES[2], id);
        SandboxExec.detached(dataDirs[2], PREFIXES[2], id, "python3", "/tmp/server.py", "--port", "9000");
        SandboxExec.awaitListening(dataDirs[2], PREFIXES[2], id, 9000);
        java.net.http.HttpClient http1 = java.net.http.HttpClient.newBuilder().version(java.net.http.HttpClient.Version.HTTP_1_1)
                .sslContext(nodes[0].trustCoveCa()).connectTimeout(Duration.ofSeconds(5)).build();
        String host = "9000-" + id + "." + CoveServerProcess.DOMAIN;
        for (String uri : List.of("ws://" + host + ":" + nodes[0].httpPort + "/ws", "wss://" + host + ":" + nodes[0].httpsPort + "/ws")) {
            java.util.concurrent.LinkedBlockingQueue<String> received = new java.util.concurrent.LinkedBlockingQueue<>();
            java.net.http.WebSocket ws = http1.newWebSocketBuilder().buildAsync(java.net.URI.create(uri), new java.net.http.WebSocket.Listener() {
                final StringBuilder partial = new StringBuilder();

                @Override
                public java.util.concurrent.CompletionStage<?> onText(java.net.http.WebSocket w, CharSequence data, boolean last) {
                    partial.append(data);
                    if (last) {
                        received.add(partial.toString());
                        partial.setLength(0);
                    }
                    w.request(1);
                    return null;
                }
            }).get(20, java.util.concurrent.TimeUnit.SECONDS);
            for (int i = 0; i < 3; i++) {
                ws.sendText("across " + i, true).get(10, java.util.concurrent.TimeUnit.SECONDS);
                assertThat(received.poll(10, java.util.concurrent.TimeUnit.SECONDS)).as(uri).isEqualTo("across " + i);
            }
            ws.sendClose(java.net.http.WebSocket.NORMAL_CLOSURE, "bye").get(10, java.util.concurrent.TimeUnit.SECONDS);
        }
        // five events 300 ms apart arrive as they are sent, not at the end
        HttpResponse<java.util.stream.Stream<String>> sse = http1.send(java.net.http.HttpRequest.newBuilder(
                java.net.URI.create("https://" + host + ":" + nodes[0].httpsPort + "/sse")).build(),
                HttpResponse.BodyHandlers.ofLines());
        assertThat(sse.statusCode()).isEqualTo(200);
        List<Long> arrivals = new ArrayList<>();
        long t0 = System.nanoTime();
        sse.body().filter(l -> l.startsWith("data:")).forEach(l -> arrivals.add((System.nanoTime() - t0) / 1_000_000));
        assertThat(arrivals).hasSize(5);
        assertThat(arrivals.getLast() - arrivals.getFirst()).as("streamed, not buffered").isGreaterThan(800);
    }

    @Test
    @Order(5)
    void exposeAndRevokeThroughNodeTwoHoldOnNodeOne() throws Exception {
        String id = onNode("n3").getFirst();
        String host = "8000-" + id + "." + CoveServerProcess.DOMAIN;
        HttpResponse<String> priv = nodes[1].api("POST", "/sandboxes/" + id + "/ports/8000/expose", "{\"access\":\"private\"}");
        assertThat(priv.statusCode()).as(priv.body()).isBetween(200, 204);
        assertThat(get(nodes[0].httpPort, host, "/hello.txt")).as("private at once through node 1").startsWith("HTTP/1.1 401");
        HttpResponse<String> pub = nodes[1].api("POST", "/sandboxes/" + id + "/ports/8000/expose", "{\"access\":\"public\"}");
        assertThat(pub.statusCode()).as(pub.body()).isBetween(200, 204);
        assertThat(get(nodes[0].httpPort, host, "/hello.txt")).as("public again at once").startsWith("HTTP/1.1 200");
        // node 1 forwards for a client at 127.0.0.2 (it dials node 3 from 127.0.0.1): signed with the cluster's secret,
        // so node 3's audit names the client, not node 1
        InetAddress client = InetAddress.getByName("127.0.0.2");
        assertThat(get(client, nodes[0].httpPort, host, "/hello.txt")).startsWith("HTTP/1.1 200");
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> assertThat(json(nodes[0].api("GET", "/sandboxes/" + id + "/audit", null)).path("events"))
                .as("an access from 127.0.0.2 in the owner's audit (flushed every few seconds)")
                .anySatisfy(e -> {
                    assertThat(e.path("source").asText()).isEqualTo("127.0.0.2");
                    assertThat(e.path("status").asInt()).isEqualTo(200);
                }));
    }

    @Test
    @Order(6)
    void aKillThroughAnotherNodeEndsTheSandboxEverywhere() throws Exception {
        String id = onNode("n2").getFirst();
        HttpResponse<String> r = nodes[0].api("DELETE", "/sandboxes/" + id, null);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(204);
        assertThat(HostResources.leftoversOf(PREFIXES[1], dataDirs[1], id)).as("destroyed on its node").isEmpty();
        for (CoveServerProcess n : nodes) {
            await().atMost(Duration.ofSeconds(2)).pollInterval(Duration.ofMillis(20)).untilAsserted(() ->
                    assertThat(get(n.httpPort, "8000-" + id + "." + CoveServerProcess.DOMAIN, "/"))
                            .startsWith("HTTP/1.1 410").contains("\"reason\":\"killed\""));
        }
        placed.remove(id);
    }

    @Test
    @Order(7)
    void aNodeKilledHasItsSandboxesAnswerNodeLostEverywhereThenDestroysThemWhenBack() throws Exception {
        List<String> onThree = onNode("n3");
        nodes[2].crash();
        crashed[2] = true;
        long killed = System.nanoTime();
        for (int i : new int[]{0, 1}) {
            int port = nodes[i].httpPort;
            for (String id : onThree) {
                await().atMost(Duration.ofSeconds(12)).pollInterval(Duration.ofMillis(100)).untilAsserted(() ->
                        assertThat(get(port, "8000-" + id + "." + CoveServerProcess.DOMAIN, "/"))
                                .startsWith("HTTP/1.1 410").contains("\"reason\":\"node_lost\""));
            }
        }
        double seconds = (System.nanoTime() - killed) / 1e9;
        assertThat(seconds).as("lease (6 s) + the leader's sweep, well within 10 s").isLessThan(10.0);
        assertThat(e2b(1, onThree.getFirst(), "lost")).contains("e2b 2.51.0: node_lost seen");
        for (String id : onThree) {
            JsonNode listed = json(nodes[0].api("GET", "/v2/sandboxes?metadata=suite%3Dcluster", null));
            assertThat(listed.findValuesAsText("sandboxID")).doesNotContain(id);
            placed.remove(id);
        }
        // the sandboxes still run on the machine until their node comes back: then it destroys them
        assertThat(HostResources.netns(PREFIXES[2])).isNotEmpty();
        nodes[2] = node(2).start();
        crashed[2] = false;
        for (String id : onThree) {
            await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
                    assertThat(HostResources.leftoversOf(PREFIXES[2], dataDirs[2], id)).as("%s destroyed", id).isEmpty());
        }
        assertThat(nodes[2].logText()).contains("was declared lost");
    }

    @Test
    @Order(8)
    void withTheDatabaseAwaySandboxesKeepServingAndTheApiSays503ThenRecovers() throws Exception {
        String id = onNode("n1").getFirst();
        Sandbox.connect(id, sdkVia(0)).commands().start("python3 -m http.server 8000 --directory /tmp");
        String host = "8000-" + id + "." + CoveServerProcess.DOMAIN;
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
                assertThat(get(nodes[1].httpPort, host, "/")).startsWith("HTTP/1.1 200"));
        pg.stop();
        try {
            for (int k = 0; k < 3; k++) {
                assertThat(get(nodes[0].httpPort, host, "/")).as("same node").startsWith("HTTP/1.1 200");
                assertThat(get(nodes[1].httpPort, host, "/")).as("across nodes").startsWith("HTTP/1.1 200");
                HttpResponse<String> list = nodes[1].api("GET", "/v2/sandboxes", null);
                assertThat(list.statusCode()).isEqualTo(503);
                assertThat(list.body()).contains("catalog database cannot be reached").doesNotContain(PostgresServer.PASSWORD);
                Thread.sleep(1000);
            }
        } finally {
            pg.start();
        }
        for (CoveServerProcess n : nodes) {
            await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(200)).untilAsserted(() ->
                    assertThat(n.api("GET", "/v2/sandboxes", null).statusCode()).isEqualTo(200));
        }
        // nobody was declared lost for the database's absence
        Thread.sleep(8000);
        JsonNode listed = json(nodes[2].api("GET", "/v2/sandboxes?metadata=suite%3Dcluster", null));
        assertThat(listed.findValuesAsText("sandboxID")).containsExactlyInAnyOrderElementsOf(placed.keySet());
        assertThat(get(nodes[2].httpPort, host, "/")).startsWith("HTTP/1.1 200");
    }

    /**
     * Runs {@code it/compat/cluster/across-nodes.mjs}: the official e2b SDK (both versions) configured for node
     * {@code i} as a user would, on sandbox {@code id}. Returns its output; fails the test when it fails.
     */
    private static String e2b(int i, String id, String expect) throws Exception {
        Path compat = Path.of("compat").toAbsolutePath();
        if (!Files.exists(compat.resolve("node_modules/e2b"))) {
            // the same install it/compat/run.sh makes (the SDK versions of package-lock.json)
            Process npm = new ProcessBuilder("npm", "ci", "--silent", "--no-progress").directory(compat.toFile())
                    .redirectErrorStream(true).start();
            String out = new String(npm.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(npm.waitFor()).as("npm ci in it/compat: " + out).isZero();
        }
        ProcessBuilder pb = new ProcessBuilder("node", "cluster/across-nodes.mjs").directory(compat.toFile())
                .redirectErrorStream(true);
        pb.environment().put("E2B_DOMAIN", CoveServerProcess.DOMAIN + ":" + nodes[i].httpsPort);
        pb.environment().put("E2B_API_KEY", CoveServerProcess.API_KEY);
        pb.environment().put("NODE_EXTRA_CA_CERTS", nodes[i].caCert().toString());
        pb.environment().put("COVE_SANDBOX_ID", id);
        pb.environment().put("COVE_EXPECT", expect);
        Process p = pb.start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as(out).isZero();
        return out;
    }

    /** The Java SDK as a user of one node configures it: that node's domain (with its HTTPS port) and CA. */
    private static CoveConfig sdkVia(int i) {
        return CoveConfig.builder().domain(CoveServerProcess.DOMAIN + ":" + nodes[i].httpsPort)
                .apiKey(CoveServerProcess.API_KEY).caCert(nodes[i].caCert()).build();
    }

    private static List<String> onNode(String node) {
        return placed.entrySet().stream().filter(e -> e.getValue().equals(node)).map(Map.Entry::getKey).sorted().toList();
    }


    /** One plain HTTP/1.1 request to an edge on loopback, with the sandbox host name; the status line and body. */
    static String get(int port, String host, String path) throws IOException {
        return get(InetAddress.getLoopbackAddress(), port, host, path);
    }

    /** GET from the local address {@code from} (a loopback one) to this machine's edge port. */
    static String get(InetAddress from, int port, String host, String path) throws IOException {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port, from, 0)) {
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            out.write(("GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = s.getInputStream();
            String all = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            int end = all.indexOf("\r\n\r\n");
            String status = all.lines().findFirst().orElse("");
            return end < 0 ? status : status + "\n" + all.substring(end + 4);
        }
    }
}
