package dev.cove.runtime;

import dev.cove.core.CoveException;
import dev.cove.core.runtime.EgressPolicy;
import dev.cove.core.runtime.RuntimeSandbox;
import dev.cove.core.runtime.SandboxSpec;
import dev.cove.runtime.egress.EgressConfig;
import dev.cove.runtime.egress.Firewall;
import dev.cove.runtime.journal.SandboxJournal;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.io.IOException;
import java.io.InputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static dev.cove.runtime.TestSupport.sh;
import static dev.cove.runtime.TestSupport.shQuiet;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The network of a sandbox never opens up (issue: fail-closed network). Everything is probed from inside real
 * sandboxes' network namespaces, as root there would, against targets this test made on this machine: a test "LAN"
 * namespace with RFC 1918, CGNAT and ULA addresses routed from the host, a listener on the host side of a sandbox's
 * veth, sibling sandboxes, and a test-owned DNS upstream on loopback. Nothing is sent anywhere else.
 *
 * <p>Two nodes run side by side: {@code closed} (shipped defaults: every private range closed) and {@code opened}
 * (the operator opened the LAN's 10.77.1.0/24 with {@code --allow-private}).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ConfinementTest {
    private static final String LAN_NS = "covecnf-lan";
    private static final String LAN_VETH = "covecnflh";
    private static final String LAN4 = "10.77.1.10", CGNAT = "100.64.77.10", ULA = "fd77::10";
    private static final String CLOSED_PREFIX = "covecnf", OPENED_PREFIX = "covecnfo";

    private Path work;
    private Process lan;
    private Path lanLog;
    private OciRuntime closed;
    private OciRuntime opened;
    private RuntimeConfig closedConfig;
    private RuntimeConfig openedConfig;
    private DatagramSocket upstream;
    private final Map<String, AtomicInteger> upstreamQueries = new ConcurrentHashMap<>();
    private final List<String> sysctlsBefore = new ArrayList<>();
    private static final List<String> SYSCTLS = List.of("/proc/sys/net/ipv4/ip_forward",
            "/proc/sys/net/ipv6/conf/all/forwarding");

    @BeforeAll
    void setUp() throws Exception {
        assumeTrue(TestSupport.isRoot(), "the confinement tests need root (runc, network namespaces, nftables)");
        for (String s : SYSCTLS) sysctlsBefore.add(Files.readString(Path.of(s)).strip());
        work = Files.createTempDirectory("covecnf-test");
        cleanLan();
        sh("ip netns add " + LAN_NS);
        sh("ip link add " + LAN_VETH + " type veth peer name covecnfls netns " + LAN_NS);
        sh("ip addr add 10.77.1.1/24 dev " + LAN_VETH);
        sh("ip addr add 100.64.77.1/24 dev " + LAN_VETH);
        sh("ip -6 addr add fd77::1/64 dev " + LAN_VETH + " nodad");
        sh("ip link set " + LAN_VETH + " up");
        String ns = "ip -n " + LAN_NS + " ";
        sh(ns + "link set lo up");
        sh(ns + "addr add " + LAN4 + "/24 dev covecnfls");
        sh(ns + "addr add " + CGNAT + "/24 dev covecnfls");
        sh(ns + "-6 addr add " + ULA + "/64 dev covecnfls nodad");
        sh(ns + "link set covecnfls up");
        Path script = resource("/confinement/lan.py", "lan.py");
        lanLog = work.resolve("lan.log");
        lan = new ProcessBuilder("ip", "netns", "exec", LAN_NS, "/usr/bin/python3", script.toString())
                .redirectErrorStream(true).redirectOutput(lanLog.toFile()).start();
        await(() -> Files.readString(lanLog).contains("ready"), "lan.py did not start");
        resource("/confinement/attack.py", "attack.py");

        upstream = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        Thread.ofVirtual().start(this::serveUpstream);
        EgressConfig egress = EgressConfig.DEFAULT.withDnsUpstreams(List.of("127.0.0.1:" + upstream.getLocalPort()));
        closedConfig = TestSupport.config(work.resolve("closed")).withResourcePrefix(CLOSED_PREFIX)
                .withPool("10.227.0.0/16", "fd63:6f27::/32").withEgress(egress);
        openedConfig = TestSupport.config(work.resolve("opened")).withResourcePrefix(OPENED_PREFIX)
                .withPool("10.229.0.0/16", "fd63:6f29::/32").withEgress(egress.withAllowPrivate(List.of("10.77.1.0/24")));
        closed = new OciRuntime(closedConfig);
        opened = new OciRuntime(openedConfig);
    }

    @AfterAll
    void tearDown() throws Exception {
        List<String> tables = new ArrayList<>();
        try {
            // a test that failed while a node was stopped left it null: start it again to sweep its sandboxes
            if (opened == null && openedConfig != null) opened = new OciRuntime(openedConfig);
            for (OciRuntime r : new OciRuntime[] {closed, opened}) {
                if (r == null) continue;
                r.recover(Set.of()); // destroys every sandbox of the node, also those a failed test left
                tables.add(r.node.egress.table());
                r.close();
            }
        } finally {
            if (upstream != null) upstream.close();
            if (lan != null) {
                lan.destroy();
                lan.waitFor(5, TimeUnit.SECONDS);
            }
            cleanLan();
            TestSupport.removeCgroupParents(CLOSED_PREFIX, OPENED_PREFIX, "covecnfd");
            for (int i = 0; i < sysctlsBefore.size(); i++) Files.writeString(Path.of(SYSCTLS.get(i)), sysctlsBefore.get(i));
            if (work != null) shQuiet("rm -rf " + work);
        }
        String left = sh("nft list tables");
        for (String t : tables) assertThat(left).as("tables left").doesNotContain(t);
        assertThat(sh("ip netns list")).doesNotContain(CLOSED_PREFIX);
        assertThat(sh("ip -o link show")).doesNotContain(CLOSED_PREFIX);
    }

    private static void cleanLan() {
        shQuiet("ip link del " + LAN_VETH);
        shQuiet("ip netns del " + LAN_NS);
    }

    // ------------------------------------------------------------------ tests

    @Test
    void privateRangesAreClosedUnlessTheOperatorOpensThem() throws Exception {
        String c = sandbox(closed, null);
        for (String target : List.of(LAN4, CGNAT, ULA))
            assertThat(attack(closed, c, "tcp", target, "8080")).as("closed node to " + target).startsWith("refused");
        String o = sandbox(opened, null);
        assertThat(attack(opened, o, "tcp", LAN4, "8080")).as("opened range").startsWith("open");
        assertThat(attack(opened, o, "tcp", CGNAT, "8080")).as("CGNAT, not opened").startsWith("refused");
        assertThat(attack(opened, o, "tcp", ULA, "8080")).as("ULA, not opened").startsWith("refused");
        // the LAN's side of the host (a host address on another interface) is the host: refused on both
        assertThat(attack(opened, o, "tcp", "10.77.1.1", "22")).startsWith("refused");

        // E2B's allowOut can open a private range only inside what the operator opened, and says so
        assertThatThrownBy(() -> sandbox(closed, new EgressPolicy(true, List.of("10.77.1.0/24"), List.of())))
                .isInstanceOfSatisfying(CoveException.class, e -> {
                    assertThat(e.status()).isEqualTo(400);
                    assertThat(e.getMessage()).contains("10.77.1.0/24").contains("--allow-private");
                });
        assertThatThrownBy(() -> sandbox(opened, new EgressPolicy(true, List.of("100.64.0.0/10"), List.of())))
                .isInstanceOfSatisfying(CoveException.class, e -> assertThat(e.status()).isEqualTo(400));
        assertThatThrownBy(() -> sandbox(opened, new EgressPolicy(true, List.of("169.254.169.254"), List.of())))
                .isInstanceOfSatisfying(CoveException.class, e -> assertThat(e.getMessage()).contains("metadata"));
        String only = sandbox(opened, new EgressPolicy(true, List.of(LAN4), List.of("0.0.0.0/0")));
        assertThat(attack(opened, only, "tcp", LAN4, "8080")).startsWith("open");
    }

    @Test
    void sandboxesStayConfinedWhileCoveIsStoppedAndComeBackWithTheSameRules() throws Exception {
        String a = sandbox(opened, null);
        String sibling = sandbox(opened, null);
        Set<String> running = Set.copyOf(opened.list());
        RuntimeSandbox sa = opened.get(a), sb = opened.get(sibling);
        opened.exec(sibling, "root", List.of("sh", "-c", "python3 -m http.server 8000 --bind 0.0.0.0 </dev/null >/dev/null 2>&1 &"),
                java.time.Duration.ofSeconds(30));
        await(() -> attack(opened, sibling, "tcp", sb.ipv4(), "8000").startsWith("open"), "sibling server up");
        try (ServerSocket hostSide = new ServerSocket()) {
            hostSide.bind(new InetSocketAddress(InetAddress.ofLiteral(sa.hostIpv4()), 0));
            String hostPort = String.valueOf(hostSide.getLocalPort());
            Runnable confined = () -> {
                assertThat(attack(opened, a, "tcp", sa.hostIpv4(), hostPort)).as("host veth listener").startsWith("refused");
                assertThat(attack(opened, a, "tcp", CGNAT, "8080")).as("closed LAN range").startsWith("refused");
                assertThat(attack(opened, a, "tcp", sb.ipv4(), "8000")).as("sibling").startsWith("refused");
            };
            confined.run();
            assertThat(attack(opened, a, "tcp", LAN4, "8080")).startsWith("open");
            String rulesBefore = rules(opened);

            // stopped (what SIGTERM does: the shutdown hook closes the runtime; the sandboxes run on)
            String table = opened.node.egress.table();
            opened.close();
            opened = null;
            assertThat(sh("nft list tables")).contains(table);
            confined.run();
            assertThat(attack(null, a, "tcp", LAN4, "8080")).as("allowed stays allowed").startsWith("open");
            assertThat(attack(null, a, "dns", sa.hostIpv4(), "x.cove.test")).as("no resolver while down")
                    .matches("timeout|rcode=.*");

            // a crash (SIGKILL) runs no close at all: a new runtime starts over the tables as they are
            opened = new OciRuntime(openedConfig);
            confined.run();
            assertThat(opened.recover(running)).containsExactlyInAnyOrderElementsOf(running);
            confined.run();
            assertThat(attack(opened, a, "tcp", LAN4, "8080")).startsWith("open");
            assertThat(attack(opened, a, "dns", sa.hostIpv4(), "back.cove.test")).startsWith("rcode=0 answers=1");
            String rulesAfter = rules(opened);
            if (!rulesAfter.equals(rulesBefore)) {
                Files.writeString(Path.of("target/rules-before.txt"), rulesBefore);
                Files.writeString(Path.of("target/rules-after.txt"), rulesAfter);
            }
            assertThat(rulesAfter).as("no rule lost or duplicated (target/rules-*.txt)").isEqualTo(rulesBefore);
        }
    }

    @Test
    void aSecondNodeWithACollidingPrefixOrPoolIsRefusedAndADistinctOneLeavesTheFirstAlone() throws Exception {
        String a = sandbox(closed, null);
        RuntimeSandbox sa = closed.get(a);
        String owner = work.resolve("closed").toString();
        for (RuntimeConfig clash : List.of(
                closedConfig.withPool("10.231.0.0/16", "fd63:6f31::/32"),
                closedConfig.withResourcePrefix("covecnf7").withPool("10.231.0.0/16", "fd63:6f31::/32"),
                closedConfig.withResourcePrefix("covecnfx").withPool("10.227.128.0/17", "fd63:6f31::/32"),
                closedConfig.withResourcePrefix("covecnfx").withPool("10.231.0.0/16", "fd63:6f27::/32"))) {
            RuntimeConfig c = new RuntimeConfig(work.resolve("second"), clash.templateDir(), clash.resourcePrefix(),
                    clash.poolSubnet(), clash.poolSubnet6(), clash.ociRuntime(), 0, 0, 0, null, false, clash.egress());
            assertThatThrownBy(() -> new OciRuntime(c)).as(c.resourcePrefix() + " " + c.poolSubnet() + " " + c.poolSubnet6())
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining(owner).hasMessageContaining("pid " + ProcessHandle.current().pid())
                    .hasMessageMatching("(?s).*--(resource-prefix|pool-subnet6?) .*");
        }
        RuntimeConfig distinct = TestSupport.config(work.resolve("distinct")).withResourcePrefix("covecnfd")
                .withPool("10.230.0.0/16", "fd63:6f30::/32").withEgress(closedConfig.egress());
        OciRuntime second = new OciRuntime(distinct);
        try {
            String d = TestSupport.newId("cnfd");
            TestSupport.CREATED.add(d);
            second.create(new SandboxSpec(d, "base", 1, 128, 128, Map.of(), null));
            assertThat(attack(second, d, "tcp", LAN4, "8080")).startsWith("refused");
            assertThat(attack(closed, a, "tcp", sa.hostIpv4(), "1")).startsWith("refused");
            second.destroy(d);
        } finally {
            second.close();
        }
        // the second node came and went: the first one's table and sandbox entries are untouched
        assertThat(sh("nft list tables")).contains(closed.node.egress.table()).doesNotContain("cove_covecnfd_");
        assertThat(attack(closed, a, "tcp", CGNAT, "8080")).startsWith("refused");
        assertThat(attack(closed, a, "dns", sa.hostIpv4(), "still.cove.test")).startsWith("rcode=0 answers=1");
    }

    @Test
    void aPausedSandboxsNetworkStaysConfined() throws Exception {
        String id = sandbox(closed, null);
        RuntimeSandbox sb = closed.get(id);
        try (ServerSocket hostSide = new ServerSocket()) {
            hostSide.bind(new InetSocketAddress(InetAddress.ofLiteral(sb.hostIpv4()), 0));
            String hostPort = String.valueOf(hostSide.getLocalPort());
            for (boolean keepMemory : new boolean[] {true, false}) {
                closed.pause(id, keepMemory); // frozen, or stopped with its network namespace kept
                assertThat(attack(closed, id, "tcp", sb.hostIpv4(), hostPort)).as("paused, memory " + keepMemory)
                        .startsWith("refused");
                assertThat(attack(closed, id, "tcp", CGNAT, "8080")).startsWith("refused");
                closed.resume(id);
            }
            assertThat(attack(closed, id, "dns", closed.get(id).hostIpv4(), "resumed.cove.test")).startsWith("rcode=0 answers=1");
        }
    }

    @Test
    void tablesRemovedFromOutsideArePutBackWithEverySandbox() throws Exception {
        String c = sandbox(closed, null);
        String t = closed.node.egress.table();
        String before = rules(closed);
        // what a host firewall reload does (nft flush ruleset), limited to this node's tables
        sh("nft delete table inet " + t + " && nft delete table arp " + t);
        await(() -> sh("nft list tables").contains("inet " + t) && sh("nft list tables").contains("arp " + t),
                "tables put back");
        await(() -> rules(closed).equals(before), "every rule back");
        assertThat(attack(closed, c, "tcp", CGNAT, "8080")).startsWith("refused");
        assertThat(attack(closed, c, "dns", closed.get(c).hostIpv4(), "back2.cove.test")).startsWith("rcode=0 answers=1");
    }

    @Test
    void forgedSourcesAndArpClaimsHaveNoEffect() throws Exception {
        String a = sandbox(opened, null), b = sandbox(opened, null);
        RuntimeSandbox sa = opened.get(a), sb = opened.get(b);
        // control: an ordinary datagram arrives (from the host's LAN address: masqueraded)
        attack(opened, a, "udp", LAN4, "9999", "honest-" + a);
        await(() -> Files.readString(lanLog).contains("udp honest-" + a + " from 10.77.1.1"), "honest datagram");
        attack(opened, a, "udp-forged", sb.ipv4(), LAN4, "9999", "forged4-" + a);
        attack(opened, a, "udp-forged", "10.77.1.99", LAN4, "9999", "forgedlan-" + a);
        attack(opened, a, "udp-forged", sb.ipv6(), ULA, "9999", "forged6-" + a);
        attack(opened, a, "udp", LAN4, "9999", "after-" + a);
        await(() -> Files.readString(lanLog).contains("udp after-" + a), "datagram after the forged ones");
        assertThat(Files.readString(lanLog)).doesNotContain("forged");

        String iface = journal(opened, a).sandboxVeth(), hostVeth = journal(opened, a).hostVeth();
        attack(opened, a, "arp-claim", iface, sb.ipv4(), sa.hostIpv4());
        attack(opened, a, "arp-flood", iface, "200", sa.hostIpv4());
        Thread.sleep(300);
        String neigh = sh("ip -4 neigh show dev " + hostVeth);
        assertThat(neigh).as("host neighbour table of " + hostVeth).doesNotContain(sb.ipv4()).doesNotContain("10.99.");
        assertThat(neigh.lines().count()).isLessThanOrEqualTo(1);
        // the sibling still gets its own traffic
        assertThat(attack(opened, b, "tcp", LAN4, "8080")).startsWith("open");
    }

    @Test
    void withInternetOffNothingButAllowedNamesReachesTheUpstreamResolver() throws Exception {
        String off = sandbox(closed, new EgressPolicy(false, List.of("allowed.cove.test"), List.of()));
        String open = sandbox(closed, null);
        String dnsServer = closed.get(off).hostIpv4();
        assertThat(attack(closed, off, "dns", dnsServer, "allowed.cove.test")).startsWith("rcode=0 answers=1");
        assertThat(attack(closed, off, "dns", dnsServer, "exfil-secret.cove.test")).startsWith("rcode=5"); // REFUSED
        assertThat(attack(closed, open, "dns", closed.get(open).hostIpv4(), "_gateway")).startsWith("rcode=3");
        assertThat(attack(closed, open, "dns", closed.get(open).hostIpv4(), "printer.local")).startsWith("rcode=3");
        assertThat(attack(closed, open, "dns", closed.get(open).hostIpv4(), "open.cove.test")).startsWith("rcode=0 answers=1");
        assertThat(upstreamQueries.get("exfil-secret.cove.test")).as("queries for a denied name upstream").isNull();
        assertThat(upstreamQueries.get("_gateway")).isNull();
        assertThat(upstreamQueries.get("printer.local")).isNull();
        assertThat(upstreamQueries.get("allowed.cove.test")).hasValue(1);
    }

    @Test
    void aFloodStaysWithinTheSandboxsBudgetAndOthersKeepWorking() throws Exception {
        String flooder = sandbox(opened, null), other = sandbox(opened, null);
        String dnsServer = opened.get(flooder).hostIpv4();
        long fdsBefore = openFiles(), ctBefore = conntrack();
        Process dnsFlood = attackInBackground(opened, flooder, "dns-flood", dnsServer, "5000");
        String lookup = attack(opened, other, "dns", opened.get(other).hostIpv4(), "other.cove.test");
        assertThat(dnsFlood.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(lookup).as("another sandbox's lookup during the flood").startsWith("rcode=0");
        long fdsDuring = openFiles();
        // a burst: 1000 attempts as fast as they go meet the rate budget first
        String burst = attack(opened, flooder, "tcp-flood", LAN4, "8080", "1000", "0");
        assertThat(opened.egressDenials(flooder)).as("burst " + burst).anySatisfy(d -> assertThat(d.rule()).isEqualTo("rate-budget"));
        Process tcpFlood = attackInBackground(opened, flooder, "tcp-flood", LAN4, "8080", "5000", "12", "4");
        long ctMax = ctBefore;
        String out = "";
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (!out.contains("open=") && System.nanoTime() < deadline) {
            ctMax = Math.max(ctMax, conntrack());
            Thread.sleep(100);
            out = Files.readString(work.resolve("flood.out"));
        }
        ctMax = Math.max(ctMax, conntrack());
        assertThat(attack(opened, other, "tcp", LAN4, "8080")).as("another sandbox connects during the flood").startsWith("open");
        assertThat(attack(opened, other, "dns", opened.get(other).hostIpv4(), "other2.cove.test")).startsWith("rcode=0");
        tcpFlood.waitFor(60, TimeUnit.SECONDS);
        int openCount = Integer.parseInt(out.replaceAll("(?s).*open=(\\d+).*", "$1"));
        List<String> rules = opened.egressDenials(flooder).stream().map(d -> d.rule()).distinct().toList();
        System.out.printf("flood: fds %d -> %d, conntrack %d -> max %d, tcp %s, denials %s%n", fdsBefore, fdsDuring,
                ctBefore, ctMax, out.strip(), rules);
        assertThat(fdsDuring - fdsBefore).as("Cove's open files after 5000 datagrams").isLessThan(64);
        assertThat(openCount).as("connections the flood got").isGreaterThan(100).isLessThanOrEqualTo(Firewall.CONNECTIONS);
        assertThat(rules).as("budget that refused the flood").contains("conn-budget");
        // host-wide count: other activity on the host adds to it; without budgets the flood alone adds 5000
        assertThat(ctMax - ctBefore).as("conntrack growth").isLessThanOrEqualTo(Firewall.CONNECTIONS + 1000);
    }

    // ------------------------------------------------------------------ helpers

    private String sandbox(OciRuntime runtime, EgressPolicy policy) {
        String id = TestSupport.newId("cnf");
        TestSupport.CREATED.add(id);
        runtime.create(new SandboxSpec(id, "base", 1, 128, 256, Map.of(), policy));
        return id;
    }

    private SandboxJournal journal(OciRuntime runtime, String id) {
        return SandboxJournal.read(runtime.node.config.dataDir().resolve("sandboxes").resolve(id));
    }

    private String netns(OciRuntime runtime, String id) {
        return (runtime == null ? openedConfig : runtime.node.config).resourcePrefix() + "-" + id;
    }

    /** attack.py in the sandbox's network namespace, as root; {@code runtime} null: the opened node's, while it is down. */
    private String attack(OciRuntime runtime, String id, String... args) {
        List<String> argv = new ArrayList<>(List.of("ip", "netns", "exec", netns(runtime, id), "/usr/bin/python3",
                work.resolve("attack.py").toString()));
        argv.addAll(List.of(args));
        return TestSupport.run(argv.toArray(String[]::new)).strip();
    }

    private Process attackInBackground(OciRuntime runtime, String id, String... args) throws IOException {
        List<String> argv = new ArrayList<>(List.of("ip", "netns", "exec", netns(runtime, id), "/usr/bin/python3",
                work.resolve("attack.py").toString()));
        argv.addAll(List.of(args));
        return new ProcessBuilder(argv).redirectErrorStream(true).redirectOutput(work.resolve("flood.out").toFile()).start();
    }

    /** The node's ruleset without what changes by itself: listener ports and the budgets' dynamic entries. */
    private static String rules(OciRuntime runtime) {
        String t = runtime.node.egress.table();
        String all = sh("nft list table inet " + t) + sh("nft list table arp " + t);
        all = all.replaceAll("redirect to :\\d+", "redirect to :P").replaceAll("th dport \\{ [\\d, ]+ \\}", "th dport { P }");
        return Pattern.compile("set (conns|rates) \\{.*?\\n\\t}", Pattern.DOTALL).matcher(all).replaceAll("");
    }

    private void serveUpstream() {
        byte[] buf = new byte[1500];
        while (!upstream.isClosed()) {
            try {
                DatagramPacket p = new DatagramPacket(buf, buf.length);
                upstream.receive(p);
                byte[] q = java.util.Arrays.copyOf(p.getData(), p.getLength());
                String name = qname(q);
                upstreamQueries.computeIfAbsent(name, n -> new AtomicInteger()).incrementAndGet();
                byte[] a = new byte[q.length + 16];
                System.arraycopy(q, 0, a, 0, q.length);
                a[2] = (byte) 0x81;
                a[3] = (byte) 0x80;
                a[7] = 1; // one answer
                int i = q.length;
                byte[] rr = {(byte) 0xC0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, (byte) 198, 18, 1, 10};
                System.arraycopy(rr, 0, a, i, rr.length);
                upstream.send(new DatagramPacket(a, a.length, p.getSocketAddress()));
            } catch (IOException | RuntimeException e) {
                // closed, or a malformed query of the flood
            }
        }
    }

    private static String qname(byte[] q) {
        StringBuilder sb = new StringBuilder();
        int i = 12;
        while (i < q.length && q[i] != 0) {
            int len = q[i] & 0xFF;
            if (sb.length() > 0) sb.append('.');
            sb.append(new String(q, i + 1, Math.min(len, q.length - i - 1), StandardCharsets.US_ASCII));
            i += len + 1;
        }
        return sb.toString().toLowerCase(java.util.Locale.ROOT);
    }

    private static long openFiles() throws IOException {
        try (Stream<Path> s = Files.list(Path.of("/proc/self/fd"))) {
            return s.count();
        }
    }

    private static long conntrack() throws IOException {
        Path p = Path.of("/proc/sys/net/netfilter/nf_conntrack_count");
        // cat, not Files.readString: the JDK reads this size-0 sysctl file in pieces and gets its first digit only
        return Files.exists(p) ? Long.parseLong(TestSupport.run("cat", p.toString()).strip()) : 0;
    }

    private Path resource(String name, String as) throws IOException {
        Path target = work.resolve(as);
        try (InputStream in = ConfinementTest.class.getResourceAsStream(name)) {
            Files.write(target, in.readAllBytes());
        }
        return target;
    }

    interface Check {
        boolean ok() throws Exception;
    }

    interface Read {
        String read() throws Exception;
    }

    private static void await(Check check, String what) throws Exception {
        long deadline = System.nanoTime() + 15_000_000_000L;
        while (!check.ok()) {
            if (System.nanoTime() > deadline) throw new AssertionError("timed out waiting: " + what);
            Thread.sleep(50);
        }
    }

    private static String await(Read read, java.util.function.Predicate<String> done, String what) throws Exception {
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (true) {
            String s;
            try {
                s = read.read();
            } catch (IOException e) {
                s = "";
            }
            if (done.test(s)) return s;
            if (System.nanoTime() > deadline) throw new AssertionError("timed out waiting: " + what + ": " + s);
            Thread.sleep(50);
        }
    }
}
