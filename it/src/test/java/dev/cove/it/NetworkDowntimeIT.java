package dev.cove.it;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;

import static dev.cove.it.CoveServerProcess.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A real {@code cove server} is stopped with SIGTERM and, once restarted, killed with SIGKILL, while its sandboxes
 * run on: throughout each downtime a sandbox reaches neither a listener on its own gateway address (the host) nor
 * a sibling sandbox, and after each restart the same holds. A second server that would share the first one's
 * prefix is refused in one line; one with its own prefix and pools runs beside it and leaves it alone when it
 * stops. Probes run in the sandbox's network namespace and target only this machine's test addresses.
 */
class NetworkDowntimeIT {
    static final String PREFIX = "covenet";
    static Path dataDir;
    static Path otherDir;
    static CoveServerProcess server;

    @BeforeAll
    static void setUp() throws Exception {
        dataDir = Files.createTempDirectory("cove-it-net");
        otherDir = Files.createTempDirectory("cove-it-net2");
    }

    @AfterAll
    static void tearDown() throws Exception {
        if (server != null) {
            for (JsonNode s : json(server.api("GET", "/v2/sandboxes", null)))
                server.api("DELETE", "/sandboxes/" + s.get("sandboxID").asText(), null);
            server.close();
        }
        assertThat(HostResources.allLeftovers(PREFIX, dataDir)).as("nothing outlives the test").isEmpty();
        assertThat(HostResources.run("nft", "list", "tables")).as("a server stopped with no sandbox removes its tables")
                .doesNotContain("cove_" + PREFIX + "_");
        HostResources.removeEmptyCgroupParents(PREFIX);
        HostResources.removeEmptyCgroupParents(PREFIX + "d");
        HostResources.deleteTree(dataDir);
        HostResources.deleteTree(otherDir);
    }

    private static CoveServerProcess newServer() {
        return new CoveServerProcess(dataDir, PREFIX, "10.224.0.0/16", "fd63:6f20::/32");
    }

    private static String create(CoveServerProcess s) throws Exception {
        HttpResponse<String> r = s.api("POST", "/v2/sandboxes", "{\"templateID\":\"base\",\"timeout\":600}");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
        return json(r).get("sandboxID").asText();
    }

    /** A TCP connect from the sandbox's network namespace: open, refused, or another failure. */
    private static String connect(String prefix, String id, String host, int port) {
        String py = "import socket\ns=socket.socket()\ns.settimeout(3)\ntry:\n s.connect(('" + host + "'," + port + "))\n"
                + " print('open')\nexcept ConnectionRefusedError:\n print('refused')\nexcept OSError as e:\n print('error',e)";
        return HostResources.run("ip", "netns", "exec", prefix + "-" + id, "python3", "-c", py).strip();
    }

    private static String hostIpv4(Path data, String id) throws Exception {
        return CoveServerProcess.JSON.readTree(data.resolve("sandboxes").resolve(id).resolve("runtime.json").toFile())
                .get("hostIpv4").asText();
    }

    private static String ipv4(Path data, String id) throws Exception {
        return CoveServerProcess.JSON.readTree(data.resolve("sandboxes").resolve(id).resolve("runtime.json").toFile())
                .get("ipv4").asText();
    }

    @Test
    void sandboxesStayConfinedThroughSigtermAndSigkillAndASecondServer() throws Exception {
        server = newServer().start();
        String a = create(server), sibling = create(server);
        SandboxExec.detached(dataDir, PREFIX, sibling, "python3", "-m", "http.server", "8000", "--bind", "0.0.0.0");
        SandboxExec.awaitListening(dataDir, PREFIX, sibling, 8000);
        String gateway = hostIpv4(dataDir, a), siblingAddress = ipv4(dataDir, sibling);
        assertThat(connect(PREFIX, sibling, siblingAddress, 8000)).as("the sibling's server is up").isEqualTo("open");
        try (ServerSocket hostListener = new ServerSocket()) {
            hostListener.bind(new InetSocketAddress(InetAddress.ofLiteral(gateway), 0));
            int hostPort = hostListener.getLocalPort();
            Runnable confined = () -> {
                assertThat(connect(PREFIX, a, gateway, hostPort)).as("host listener on the gateway").isEqualTo("refused");
                assertThat(connect(PREFIX, a, siblingAddress, 8000)).as("sibling sandbox").isEqualTo("refused");
            };
            confined.run();

            server.close(); // SIGTERM
            for (int i = 0; i < 3; i++) confined.run();
            server = newServer().start();
            confined.run();
            String third = create(server);

            server.crash(); // SIGKILL
            for (int i = 0; i < 3; i++) confined.run();
            server = newServer().start();
            confined.run();
            assertThat(json(server.api("GET", "/v2/sandboxes?state=running", null)).findValuesAsText("sandboxID"))
                    .contains(a, sibling, third);

            // a second server on the same prefix (another data dir, other pools): refused in one line
            CoveServerProcess clash = new CoveServerProcess(otherDir, PREFIX, "10.226.0.0/16", "fd63:6f22::/32");
            assertThatThrownBy(clash::start).isInstanceOfSatisfying(IllegalStateException.class, e -> {
                String log = clash.logText();
                assertThat(log).contains("cove: --resource-prefix '" + PREFIX + "'").contains(dataDir.toString())
                        .contains("pid " + server.pid()).doesNotContain("\tat ");
            });
            // overlapping pools, other prefix: refused too
            CoveServerProcess pools = new CoveServerProcess(otherDir, PREFIX + "p", "10.224.128.0/17", "fd63:6f22::/32");
            assertThatThrownBy(pools::start).isInstanceOf(IllegalStateException.class);
            assertThat(pools.logText()).contains("--pool-subnet 10.224.128.0/17 overlaps 10.224.0.0/16");

            // a distinct one runs beside it; stopping it leaves the first one's sandboxes confined
            try (CoveServerProcess distinct = new CoveServerProcess(otherDir, PREFIX + "d", "10.226.0.0/16",
                    "fd63:6f22::/32").start()) {
                String d = create(distinct);
                assertThat(connect(PREFIX + "d", d, gateway, hostPort)).as("other node's sandbox to our host listener")
                        .matches("refused|error.*");
                confined.run();
                assertThat(distinct.api("DELETE", "/sandboxes/" + d, null).statusCode()).isEqualTo(204);
            }
            confined.run();
            assertThat(HostResources.run("nft", "list", "tables")).contains("cove_" + PREFIX + "_10_224_0_0")
                    .doesNotContain("cove_" + PREFIX + "d_");
        }
    }

}
