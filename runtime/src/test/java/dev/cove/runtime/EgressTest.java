package dev.cove.runtime;

import dev.cove.core.runtime.EgressDenial;
import dev.cove.core.runtime.EgressPolicy;
import dev.cove.core.runtime.ExecResult;
import dev.cove.core.runtime.RuntimeSandbox;
import dev.cove.core.runtime.SandboxSpec;
import dev.cove.runtime.egress.EgressConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static dev.cove.runtime.TestSupport.sh;
import static dev.cove.runtime.TestSupport.shQuiet;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Egress control against the test's own "internet": a network namespace with addresses in 198.18.0.0/16 and
 * 2001:2::/64 (benchmark ranges), routed through the host, serving HTTP on 80 and 8080, TLS with SNI on 443, a line
 * echo on 9000 and DNS for {@code *.cove.test}. Nothing here sends a packet anywhere else: the sandboxes' resolver
 * forwards to the test's DNS server, and the host addresses probed are the host's own (local delivery).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class EgressTest {
    private static final String PREFIX = "coveegr";
    private static final String INET_NS = "coveegr-inet";
    private static final String INET_HOST_VETH = "coveegrih";
    private static final String SITE_A = "198.18.1.10";
    private static final String SITE_B = "198.18.2.10";
    private static final String SITE_A6 = "2001:2::a";
    private static final Duration T = Duration.ofSeconds(30);

    private OciRuntime runtime;
    private Path dataDir;
    private Path work;
    private Process internet;
    private final List<String> sysctlsBefore = new ArrayList<>();
    private final List<String> ids = new ArrayList<>();
    private ServerSocket hostListener;

    private static final List<String> SYSCTLS = List.of("/proc/sys/net/ipv4/ip_forward",
            "/proc/sys/net/ipv6/conf/all/forwarding");

    @BeforeAll
    void setUp() throws Exception {
        assumeTrue(TestSupport.isRoot(), "the egress tests need root (runc, network namespaces, nftables)");
        for (String s : SYSCTLS) sysctlsBefore.add(Files.readString(Path.of(s)).strip());
        work = Files.createTempDirectory("coveegr-test");
        dataDir = work.resolve("data");
        cleanInternet();
        sh("ip netns add " + INET_NS);
        sh("ip link add " + INET_HOST_VETH + " type veth peer name coveegris netns " + INET_NS);
        sh("ip addr add 198.18.0.1/16 dev " + INET_HOST_VETH);
        sh("ip -6 addr add 2001:2::1/64 dev " + INET_HOST_VETH + " nodad");
        sh("ip link set " + INET_HOST_VETH + " up");
        String ns = "ip -n " + INET_NS + " ";
        sh(ns + "link set lo up");
        for (String a : List.of("198.18.0.2/16", SITE_A + "/16", SITE_B + "/16")) sh(ns + "addr add " + a + " dev coveegris");
        sh(ns + "-6 addr add " + SITE_A6 + "/64 dev coveegris nodad");
        sh(ns + "link set coveegris up");
        Path cert = work.resolve("cert.pem"), key = work.resolve("key.pem");
        sh("openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj /CN=cove.test -days 1 -keyout "
                + key + " -out " + cert + " 2>/dev/null");
        Path script = work.resolve("internet.py");
        try (InputStream in = EgressTest.class.getResourceAsStream("/egress/internet.py")) {
            Files.write(script, in.readAllBytes());
        }
        internet = new ProcessBuilder("ip", "netns", "exec", INET_NS, "/usr/bin/python3", script.toString(),
                cert.toString(), key.toString()).redirectErrorStream(true).redirectOutput(work.resolve("internet.log").toFile()).start();
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!Files.readString(work.resolve("internet.log")).contains("ready")) {
            assertThat(System.nanoTime()).as("internet.py did not start: " + Files.readString(work.resolve("internet.log")))
                    .isLessThan(deadline);
            Thread.sleep(50);
        }
        RuntimeConfig config = RuntimeConfig.defaults(dataDir).withTemplateDir(TestSupport.templateCache())
                .withResourcePrefix(PREFIX).withPool("10.215.0.0/16", "fd63:6f85::/32")
                .withEgress(EgressConfig.DEFAULT.withDnsUpstreams(List.of("198.18.0.2"))
                        .withDenyOut(denyAllBut("198.18.0.0/16", "2001:2::/64", "198.18.3.0/24"))
                        // the test's internet is in the benchmarking ranges, closed to sandboxes unless opened
                        .withAllowPrivate(List.of("198.18.0.0/16", "2001:2::/64")));
        runtime = new OciRuntime(config);
        hostListener = new ServerSocket();
        hostListener.bind(new InetSocketAddress(InetAddress.getByName("::"), 0));
        Thread.ofVirtual().start(() -> {
            while (!hostListener.isClosed()) {
                try (Socket s = hostListener.accept()) {
                    s.getOutputStream().write("host\n".getBytes());
                } catch (IOException ignored) {
                    // closed
                }
            }
        });
    }

    @AfterAll
    void tearDown() throws Exception {
        String table = null;
        try {
            if (runtime != null) {
                for (String id : ids) runtime.destroy(id);
                table = runtime.node.egress.table();
                runtime.close();
            }
        } finally {
            if (hostListener != null) hostListener.close();
            if (internet != null) {
                internet.destroy();
                internet.waitFor(5, TimeUnit.SECONDS);
            }
            cleanInternet();
            TestSupport.removeCgroupParents(PREFIX); // the sandboxes' parent cgroup, empty by now
            for (int i = 0; i < sysctlsBefore.size(); i++) Files.writeString(Path.of(SYSCTLS.get(i)), sysctlsBefore.get(i));
            if (work != null) shQuiet("rm -rf " + work);
        }
        if (table != null) assertThat(sh("nft list tables")).doesNotContain(table);
        assertThat(sh("ip netns list")).doesNotContain(PREFIX);
    }

    private static void cleanInternet() {
        shQuiet("ip link del " + INET_HOST_VETH);
        shQuiet("ip netns del " + INET_NS);
    }

    // ------------------------------------------------------------------ tests

    @Test
    void defaultPolicyReachesTheTestInternetByAddressNameTlsAndIpv6() throws Exception {
        String id = sandbox(null);
        assertThat(probe(id, "http", SITE_A, 80)).startsWith("ok").contains("site " + SITE_A);
        assertThat(probe(id, "http", "a.cove.test", 80)).startsWith("ok").contains("host a.cove.test");
        assertThat(probe(id, "tls", "b.cove.test", 443)).startsWith("ok").contains("sni b.cove.test");
        assertThat(probe(id, "http", SITE_A6, 80)).startsWith("ok").contains("site " + SITE_A6);
        assertThat(probe(id, "tcp", SITE_B, 8080)).startsWith("open");
        ExecResult r = exec(id, "getent ahostsv4 a.cove.test");
        assertThat(r.stdout()).contains(SITE_A);
    }

    @Test
    void denyAllReachesNothingFailsFastAndIsLogged() throws Exception {
        String id = sandbox(new EgressPolicy(false, List.of(), List.of()));
        for (String[] t : List.of(new String[] {"http", SITE_A, "80"}, new String[] {"tcp", SITE_B, "8080"},
                new String[] {"http", SITE_A6, "80"}, new String[] {"tls", SITE_A, "443"})) {
            String out = probe(id, t[0], t[1], Integer.parseInt(t[2]));
            assertThat(out).as(String.join(" ", t)).startsWith("refused");
            assertThat(ms(out)).as("fails fast: " + out).isLessThan(1000);
        }
        // names do not resolve either: with the internet off the resolver relays only names allowOut allows
        // (REFUSED otherwise), so a lookup cannot carry data out
        ExecResult lookup = exec(id, "getent ahostsv4 a.cove.test; echo rc=$?");
        assertThat(lookup.stdout()).doesNotContain(SITE_A).contains("rc=2");
        List<EgressDenial> denials = awaitDenials(id, d -> d.destination().equals(SITE_B) && d.port() == 8080);
        assertThat(denials).anySatisfy(d -> {
            assertThat(d.destination()).isEqualTo(SITE_A);
            assertThat(d.port()).isEqualTo(80);
            assertThat(d.protocol()).isEqualTo("tcp");
            assertThat(d.rule()).isEqualTo("deny-out");
        });
        assertThat(runtime.egressDenialCount(id)).isGreaterThanOrEqualTo(3);
    }

    @Test
    void allowByCidrBeatsDenyAllAndNothingElseGetsOut() throws Exception {
        String id = sandbox(new EgressPolicy(true, List.of("198.18.1.0/24"), List.of("0.0.0.0/0")));
        assertThat(probe(id, "http", SITE_A, 80)).startsWith("ok");
        assertThat(probe(id, "tcp", SITE_A, 8080)).startsWith("open");
        assertThat(probe(id, "http", SITE_B, 80)).startsWith("refused");
        assertThat(probe(id, "http", SITE_A6, 80)).startsWith("refused"); // ALL_TRAFFIC covers IPv6 too
    }

    @Test
    void exactDomainDecidesByHostAndSniAndOtherPortsByAddress() throws Exception {
        String id = sandbox(new EgressPolicy(true, List.of("a.cove.test"), List.of("0.0.0.0/0")));
        assertThat(probe(id, "http", "a.cove.test", 80)).startsWith("ok").contains("site " + SITE_A);
        assertThat(probe(id, "tls", "a.cove.test", 443)).startsWith("ok").contains("sni a.cove.test");
        // with the internet off the resolver refuses names the policy does not allow (no lookup leaks data) ...
        assertThat(exec(id, "getent ahostsv4 b.cove.test; echo rc=$?").stdout()).contains("rc=2");
        // ... and a request that names one by address gets the filter's answer by its Host header
        String b = probe(id, "http", SITE_B, 80, "b.cove.test");
        assertThat(b).startsWith("http-403");
        assertThat(probe(id, "tls", "b.cove.test", 443)).matches("^(reset|refused|tls-error|empty|error).*");
        assertThat(probe(id, "tcp", "a.cove.test", 8080)).startsWith("refused"); // other ports: address only
        // Host header pointed at another address: the filter connects to what the name resolves to, not to B
        assertThat(probe(id, "http", SITE_B, 80, "a.cove.test")).startsWith("ok").contains("site " + SITE_A);
        assertThat(awaitDenials(id, d -> d.rule().equals("domain") && d.destination().equals("b.cove.test")))
                .isNotEmpty();
    }

    @Test
    void theFilterTakesABoundedNumberOfConnectionsPerSandbox() throws Exception {
        String id = sandbox(new EgressPolicy(true, List.of("a.cove.test"), List.of("0.0.0.0/0")));
        // 160 connections held open, none sending a request: each waits in the filter for its head. Paced at 100 a
        // second, under the kernel's budget of new connections, so the filter's own budget (128) is what refuses.
        // The handshakes all complete (the kernel answers them); the filter then resets what is over its budget. On a
        // busy machine that reset can land before connect() has returned to the caller, which then reports it as
        // ECONNRESET: counted apart, as a reset, not as a failed handshake (a refused SYN would be ECONNREFUSED).
        String hold = "import socket, time\nheld = []\nreset = 0\nfor i in range(160):\n"
                + "    try:\n        held.append(socket.create_connection(('" + SITE_B + "', 80), timeout=3))\n"
                + "    except ConnectionResetError:\n        reset += 1\n    time.sleep(0.01)\n"
                + "time.sleep(1)\nprint(len(held) + reset, reset)";
        ExecResult r = runtime.exec(id, "root", List.of("python3", "-c", hold), T);
        String[] counts = r.stdout().strip().split(" ");
        assertThat(counts[0]).as(r.stdout() + r.stderr()).isEqualTo("160");
        assertThat(Integer.parseInt(counts[1])).as("only connections over the budget are reset").isLessThanOrEqualTo(32);
        List<EgressDenial> denials = awaitDenials(id, d -> d.rule().equals("filter-budget"));
        assertThat(denials.stream().filter(d -> d.rule().equals("filter-budget")).count()).isBetween(1L, 32L);
        // once they are gone (closed with the process: the filter frees their slots as it sees them end), the
        // sandbox gets through the filter again
        String again = "";
        for (long deadline = System.nanoTime() + 5_000_000_000L; System.nanoTime() < deadline && !again.startsWith("ok"); )
            again = probe(id, "http", "a.cove.test", 80);
        assertThat(again).startsWith("ok");
    }

    @Test
    void wildcardDomainMatchesSubdomainsOnly() throws Exception {
        String id = sandbox(new EgressPolicy(true, List.of("*.wild.cove.test"), List.of("0.0.0.0/0")));
        assertThat(probe(id, "http", "x.wild.cove.test", 80)).startsWith("ok");
        assertThat(probe(id, "tls", "deep.x.wild.cove.test", 443)).startsWith("ok").contains("sni deep.x.wild.cove.test");
        assertThat(probe(id, "http", SITE_A, 80, "wild.cove.test")).startsWith("http-403");
        assertThat(probe(id, "http", SITE_A, 80, "a.cove.test")).startsWith("http-403");
    }

    @Test
    void allowedNameResolvingToTheHostOrMetadataGetsNowhere() throws Exception {
        String id = sandbox(new EgressPolicy(true, List.of("loop.cove.test", "meta.cove.test"), List.of("0.0.0.0/0")));
        assertThat(probe(id, "http", SITE_A, 80, "loop.cove.test")).startsWith("http-403");
        assertThat(probe(id, "http", SITE_A, 80, "meta.cove.test")).startsWith("http-403");
    }

    @Test
    void denyListsWorkAndAllowBeatsDeny() throws Exception {
        String id = sandbox(new EgressPolicy(true, List.of(), List.of("198.18.2.0/24")));
        assertThat(probe(id, "http", SITE_A, 80)).startsWith("ok");
        assertThat(probe(id, "http", SITE_B, 80)).startsWith("refused");
        String id2 = sandbox(new EgressPolicy(true, List.of(SITE_B), List.of("198.18.2.0/24")));
        assertThat(probe(id2, "http", SITE_B, 80)).startsWith("ok");
        // the operator's --deny-out holds whatever the sandbox allows
        String id3 = sandbox(new EgressPolicy(true, List.of("198.18.3.0/24"), List.of()));
        assertThat(probe(id3, "tcp", "198.18.3.1", 80)).startsWith("refused");
        assertThat(awaitDenials(id3, d -> d.rule().equals("operator"))).isNotEmpty();
    }

    @Test
    void runtimeUpdateSwitchesAtOnceAndCutsEstablishedConnections() throws Exception {
        String id = sandbox(null);
        put(id, "/tmp/hold.py", "/egress/hold.py");
        exec(id, "python3 /tmp/hold.py " + SITE_A + " </dev/null >/dev/null 2>&1 &");
        awaitFile(id, "/tmp/hold.out", "connected");
        runtime.updateEgress(id, new EgressPolicy(true, List.of(), List.of("198.18.1.0/24")));
        assertThat(probe(id, "http", SITE_A, 80)).startsWith("refused");
        assertThat(probe(id, "http", SITE_B, 80)).startsWith("ok");
        exec(id, "touch /tmp/go");
        assertThat(awaitFile(id, "/tmp/hold.out", "\n", 2)).contains("cut");
        runtime.updateEgress(id, EgressPolicy.OPEN);
        assertThat(probe(id, "http", SITE_A, 80)).startsWith("ok");
        // a domain rule set at runtime, and taken away again
        runtime.updateEgress(id, new EgressPolicy(true, List.of("a.cove.test"), List.of("0.0.0.0/0")));
        assertThat(probe(id, "http", "a.cove.test", 80)).startsWith("ok");
        assertThat(probe(id, "http", SITE_B, 80, "b.cove.test")).startsWith("http-403");
        runtime.updateEgress(id, new EgressPolicy(false, List.of(), List.of()));
        assertThat(probe(id, "http", SITE_A, 80, "a.cove.test")).startsWith("refused");
        assertThat(probe(id, "http", "a.cove.test", 80)).as("the name no longer resolves either").startsWith("error--3");
    }

    @Test
    void hostOtherSandboxesAndMetadataAreUnreachableEvenAfterRootTriesItsOwnRoutes() throws Exception {
        String other = sandbox(null);
        exec(other, "python3 -m http.server 8000 --bind :: </dev/null >/dev/null 2>&1 &");
        RuntimeSandbox o = runtime.get(other);
        String id = sandbox(null);
        RuntimeSandbox me = runtime.get(id);
        int hostPort = hostListener.getLocalPort();
        // the host's addresses: its side of each veth, and those on the test internet's interface (host addresses on
        // an interface this test made: no probe goes to an address of the machine's real interfaces)
        List<String> targets = new ArrayList<>(List.of(me.hostIpv4(), o.hostIpv4(), o.ipv4(), o.ipv6(), "169.254.169.254",
                "198.18.0.1", "2001:2::1"));
        assertUnreachable(id, targets, hostPort, o);
        // what root can do inside: its own routes and firewall (no NET_ADMIN: both refused), and even a direct
        // route would not help, since the host decides
        ExecResult r = exec(id, "ip route replace " + o.ipv4() + " via " + me.hostIpv4() + " 2>&1; echo rc=$?;"
                + " ip route del default 2>&1; echo rc=$?; (nft flush ruleset || iptables -F) 2>&1; echo rc=$?");
        assertThat(r.stdout()).doesNotContain("rc=0");
        assertUnreachable(id, targets, hostPort, o);
        assertThat(awaitDenials(id, d -> d.rule().equals("host"))).isNotEmpty();
        assertThat(runtime.egressDenials(id)).anySatisfy(d -> assertThat(d.rule()).isEqualTo("sandboxes"))
                .anySatisfy(d -> assertThat(d.rule()).isEqualTo("link-local"));
        // the other sandbox's server is up (reached from inside it): "unreachable" above was the firewall
        assertThat(probe(other, "http", "127.0.0.1", 8000)).startsWith("ok");
    }

    private void assertUnreachable(String id, List<String> targets, int hostPort, RuntimeSandbox other) throws Exception {
        for (String t : targets) {
            String host = t.contains(":") ? "[" + t + "]" : t;
            int port = t.equals(other.ipv4()) || t.equals(other.ipv6()) ? 8000 : t.startsWith("169.254") ? 80 : hostPort;
            String out = probe(id, "tcp", t, port);
            assertThat(out).as("from sandbox to " + host + ":" + port).matches("^(refused|error-113|error-101).*");
            assertThat(ms(out)).as("fails fast: " + t + " " + out).isLessThan(1000);
        }
    }

    // ------------------------------------------------------------------ helpers

    private String sandbox(EgressPolicy policy) {
        String id = TestSupport.newId("egr");
        TestSupport.CREATED.add(id);
        runtime.create(new SandboxSpec(id, "base", 1, 256, 256, Map.of(), policy));
        ids.add(id);
        put(id, "/tmp/probe.py", "/egress/probe.py");
        return id;
    }

    private void put(String id, String path, String resource) {
        try (InputStream in = EgressTest.class.getResourceAsStream(resource)) {
            Path target = Path.of(runtime.get(id).rootfs(), path);
            Files.write(target, in.readAllBytes());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private String probe(String id, String mode, String host, int port) { return probe(id, mode, host, port, host); }

    private String probe(String id, String mode, String host, int port, String name) {
        ExecResult r = exec(id, "python3 /tmp/probe.py " + mode + " " + host + " " + port + " " + name);
        return r.stdout().strip() + (r.stderr().isBlank() ? "" : " stderr: " + r.stderr().strip());
    }

    private static int ms(String probeOutput) { return Integer.parseInt(probeOutput.split(" ")[1]); }

    private ExecResult exec(String id, String script) { return runtime.exec(id, "root", List.of("sh", "-c", script), T); }

    private String awaitFile(String id, String path, String marker) throws InterruptedException { return awaitFile(id, path, marker, 1); }

    private String awaitFile(String id, String path, String marker, int occurrences) throws InterruptedException {
        Path p = Path.of(runtime.get(id).rootfs(), path);
        long deadline = System.nanoTime() + 10_000_000_000L;
        String s = "";
        while (System.nanoTime() < deadline) {
            try {
                s = Files.readString(p);
            } catch (IOException ignored) {
                s = "";
            }
            if (s.split(java.util.regex.Pattern.quote(marker), -1).length - 1 >= occurrences) return s;
            Thread.sleep(50);
        }
        throw new AssertionError("no '" + marker + "' in " + path + ": " + s);
    }

    private List<EgressDenial> awaitDenials(String id, java.util.function.Predicate<EgressDenial> want)
            throws InterruptedException {
        long deadline = System.nanoTime() + 3_000_000_000L;
        while (System.nanoTime() < deadline) {
            List<EgressDenial> d = runtime.egressDenials(id);
            if (d.stream().anyMatch(want)) return d;
            Thread.sleep(20);
        }
        throw new AssertionError("expected denial not logged; have " + runtime.egressDenials(id));
    }

    /**
     * The operator's deny list of this test: everything but the test's own internet (so even a mistake in a test
     * cannot send a packet beyond the host), plus {@code extra}.
     */
    private static List<String> denyAllBut(String keep4, String keep6, String extra) {
        List<String> out = new ArrayList<>(complement(keep4, 32));
        out.addAll(complement(keep6, 128));
        out.add(extra);
        return out;
    }

    /** The CIDRs that together cover every address outside {@code cidr}. */
    private static List<String> complement(String cidr, int bits) {
        try {
            byte[] a = InetAddress.ofLiteral(cidr.substring(0, cidr.indexOf('/'))).getAddress();
            int len = Integer.parseInt(cidr.substring(cidr.indexOf('/') + 1));
            List<String> out = new ArrayList<>();
            for (int i = 0; i < len; i++) {
                byte[] sibling = new byte[a.length];
                for (int b = 0; b <= i; b++) {
                    int bit = (a[b / 8] >> (7 - b % 8)) & 1;
                    if (b == i) bit ^= 1;
                    sibling[b / 8] |= (byte) (bit << (7 - b % 8));
                }
                out.add(InetAddress.getByAddress(sibling).getHostAddress() + "/" + (i + 1));
            }
            return out;
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
