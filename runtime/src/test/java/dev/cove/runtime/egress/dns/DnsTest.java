package dev.cove.runtime.egress.dns;

import dev.cove.core.runtime.EgressPolicy;
import dev.cove.runtime.egress.CompiledPolicy;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.ReverseMap;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The sandboxes' resolver over real sockets, on loopback only: a test-owned upstream on 127.0.0.1 (answers A queries
 * with 198.18.1.10, counts every query per name) and "sandboxes" that are sockets on other 127.0.0.x addresses.
 */
class DnsTest {
    private static final InetAddress SITE = InetAddress.ofLiteral("198.18.1.10");
    private static final CompiledPolicy OPEN = CompiledPolicy.compile(EgressPolicy.OPEN);

    private final Map<InetAddress, CompiledPolicy> policies = new ConcurrentHashMap<>();
    private final List<AutoCloseable> closing = new ArrayList<>();
    private final AtomicInteger ids = new AtomicInteger(0x1200);

    @AfterEach
    void close() throws Exception {
        for (AutoCloseable c : closing.reversed()) c.close();
    }

    // ------------------------------------------------------------------ the policy

    @Test
    void relaysWithTheInternetOnAndRestoresTheId() throws Exception {
        Upstream up = upstream(false);
        Dns dns = dns(up, List.of());
        DatagramSocket a = sandbox("127.0.0.2", OPEN);
        DatagramSocket b = sandbox("127.0.0.3", policy(true, List.of(), List.of("10.0.0.0/8"))); // not all: on

        Message m = exchange(dns, a, query("A.Cove.Test", Type.A, 0x1234), 0x1234);
        assertThat(m.getHeader().getID()).isEqualTo(0x1234);
        assertThat(m.getHeader().getFlag(Flags.QR)).isTrue();
        assertThat(m.getRcode()).isEqualTo(Rcode.NOERROR);
        assertThat(m.getQuestion().getName().toString()).isEqualTo("A.Cove.Test.");
        assertThat(addresses(m)).containsExactly(SITE);
        assertThat(up.count("a.cove.test")).isEqualTo(1);

        assertThat(addresses(ask(dns, b, "b.cove.test", Type.A))).containsExactly(SITE);
        // a reverse lookup of a public address is an ordinary query
        assertThat(ask(dns, b, ReverseMap.fromAddress("8.8.8.8").toString(), Type.PTR).getRcode()).isEqualTo(Rcode.NOERROR);
        assertThat(up.count("8.8.8.8.in-addr.arpa")).isEqualTo(1);
        assertThat(dns.pending()).isZero();
    }

    @Test
    void withTheInternetOffOnlyAllowedNamesLeaveTheHost() throws Exception {
        Upstream up = upstream(false);
        Dns dns = dns(up, List.of());
        DatagramSocket off = sandbox("127.0.0.2", policy(false, List.of("allowed.cove.test"), List.of()));
        DatagramSocket allTraffic = sandbox("127.0.0.3", policy(true, List.of("*.wild.cove.test", "198.18.1.0/24"),
                List.of("0.0.0.0/0")));

        assertThat(addresses(ask(dns, off, "allowed.cove.test", Type.A))).containsExactly(SITE);
        for (int type : new int[] {Type.A, Type.AAAA, Type.TXT}) {
            Message refused = ask(dns, off, "other.cove.test", type);
            assertThat(refused.getRcode()).isEqualTo(Rcode.REFUSED);
            assertThat(refused.getHeader().getFlag(Flags.RA)).isTrue();
            assertThat(refused.getQuestion().getName().toString()).isEqualTo("other.cove.test.");
            assertThat(refused.getQuestion().getType()).isEqualTo(type);
        }
        assertThat(ask(dns, off, "sub.allowed.cove.test", Type.A).getRcode()).isEqualTo(Rcode.REFUSED);

        // denyOut 0.0.0.0/0 is the internet off too, whatever allowOut's addresses open
        assertThat(addresses(ask(dns, allTraffic, "x.wild.cove.test", Type.A))).containsExactly(SITE);
        assertThat(ask(dns, allTraffic, "wild.cove.test", Type.A).getRcode()).isEqualTo(Rcode.REFUSED);
        assertThat(ask(dns, allTraffic, "other.cove.test", Type.A).getRcode()).isEqualTo(Rcode.REFUSED);

        assertThat(up.count("allowed.cove.test")).isEqualTo(1);
        assertThat(up.count("x.wild.cove.test")).isEqualTo(1);
        assertThat(up.count("other.cove.test")).isZero();
        assertThat(up.count("sub.allowed.cove.test")).isZero();
        assertThat(up.count("wild.cove.test")).isZero();
        assertThat(up.total()).isEqualTo(2);
    }

    @Test
    void hostInternalNamesAreNxdomainWhateverThePolicy() throws Exception {
        Upstream up = upstream(false);
        Dns dns = dns(up, List.of("corp.example", "."));
        DatagramSocket open = sandbox("127.0.0.2", OPEN);
        DatagramSocket off = sandbox("127.0.0.3", policy(false, List.of("printer.local", "*.corp.example", "_gateway"),
                List.of()));
        List<String> names = new ArrayList<>(List.of("_gateway", "localhost.", "myhost", "x.localhost", "printer.local",
                "metadata.google.internal", "router.lan", "nas.home.arpa", "box.localdomain", "corp.example",
                "git.corp.example", "GIT.Corp.Example.", "example.invalid", "A.B.INVALID."));
        for (String a : List.of("10.2.3.4", "127.0.0.1", "169.254.169.254", "172.16.5.4", "172.31.0.1", "192.168.1.1",
                "100.64.0.1", "100.127.255.1", "0.0.0.1", "fd00::1", "fc00::2", "fe80::1", "::1", "::", "::ffff:10.0.0.1"))
            names.add(ReverseMap.fromAddress(a).toString());
        names.add("10.in-addr.arpa");
        for (DatagramSocket s : List.of(open, off)) {
            for (String name : names) {
                Message m = ask(dns, s, name, Type.A);
                assertThat(m.getRcode()).as(name).isEqualTo(Rcode.NXDOMAIN);
                assertThat(m.getHeader().getFlag(Flags.RA)).as(name).isTrue();
                assertThat(m.getHeader().getFlag(Flags.QR)).as(name).isTrue();
                assertThat(m.getQuestion().getName()).as(name).isEqualTo(Name.fromString(name, Name.root));
            }
        }
        assertThat(up.total()).isZero();
        // neighbours of those ranges are ordinary names
        assertThat(ask(dns, open, ReverseMap.fromAddress("172.32.0.1").toString(), Type.PTR).getRcode())
                .isEqualTo(Rcode.NOERROR);
        assertThat(ask(dns, open, ReverseMap.fromAddress("100.128.0.1").toString(), Type.PTR).getRcode())
                .isEqualTo(Rcode.NOERROR);
        assertThat(addresses(ask(dns, open, "notcorp.example", Type.A))).containsExactly(SITE);
        assertThat(up.total()).isEqualTo(3);
    }

    @Test
    void hostSearchDomainsComeFromResolvConf() throws Exception {
        Path conf = Files.createTempFile("covetest-resolv", ".conf");
        try {
            Files.writeString(conf, "# comment\nnameserver 10.0.0.53\nsearch corp.example lab.example\ndomain home.example\n");
            assertThat(DnsVerdicts.hostDomains(conf)).containsExactly("corp.example", "lab.example", "home.example");
        } finally {
            Files.delete(conf);
        }
        assertThat(DnsVerdicts.hostDomains(Path.of("/nonexistent/resolv.conf"))).isEmpty();
    }

    @Test
    void strangersGetNothingAndBrokenQueriesFormerr() throws Exception {
        Upstream up = upstream(false);
        Dns dns = dns(up, List.of());
        DatagramSocket stranger = socket("127.0.0.9");
        stranger.setSoTimeout(1500);
        assertThatThrownBy(() -> exchange(dns, stranger, query("a.cove.test", Type.A, 7), 7))
                .isInstanceOf(SocketTimeoutException.class);

        DatagramSocket s = sandbox("127.0.0.2", OPEN);
        Message none = new Message(0x0101); // no question
        assertThat(exchange(dns, s, none.toWire(), 0x0101).getRcode()).isEqualTo(Rcode.FORMERR);
        Message two = Message.newQuery(Record.newRecord(Name.fromString("a.cove.test."), Type.A, DClass.IN));
        two.addRecord(Record.newRecord(Name.fromString("b.cove.test."), Type.A, DClass.IN), Section.QUESTION);
        two.getHeader().setID(0x0102);
        assertThat(exchange(dns, s, two.toWire(), 0x0102).getRcode()).isEqualTo(Rcode.FORMERR);
        byte[] cut = Arrays.copyOf(query("a.cove.test", Type.A, 0x0103), 16); // question cut short
        Message formerr = exchange(dns, s, cut, 0x0103);
        assertThat(formerr.getRcode()).isEqualTo(Rcode.FORMERR);
        assertThat(formerr.getHeader().getCount(Section.QUESTION)).isZero();
        // a response sent to the resolver is not answered
        byte[] response = query("a.cove.test", Type.A, 0x0104);
        response[2] |= (byte) 0x80;
        s.setSoTimeout(1500);
        assertThatThrownBy(() -> exchange(dns, s, response, 0x0104)).isInstanceOf(SocketTimeoutException.class);
        assertThat(up.total()).isZero();
    }

    // ------------------------------------------------------------------ bounds

    @Test
    void aFloodIsDroppedBoundedAndOthersStillGetAnswers() throws Exception {
        Upstream up = upstream(false);
        Dns dns = dns(up, List.of());
        DatagramSocket flooder = sandbox("127.0.0.2", OPEN);
        DatagramSocket neighbour = sandbox("127.0.0.3", OPEN);
        assertThat(addresses(ask(dns, neighbour, "warm.cove.test", Type.A))).containsExactly(SITE); // all threads up
        long fdsBefore = openFds();
        long t0 = System.nanoTime();

        CountDownLatch underway = new CountDownLatch(1);
        InetSocketAddress to = new InetSocketAddress(InetAddress.getLoopbackAddress(), dns.port());
        Thread flood = Thread.ofPlatform().start(() -> {
            try {
                for (int i = 0; i < 5000; i++) {
                    byte[] q = query("flood.cove.test", Type.A, i);
                    flooder.send(new DatagramPacket(q, q.length, to));
                    if (i == 1000) underway.countDown();
                }
            } catch (IOException e) {
                throw new RuntimeException(e);
            } finally {
                underway.countDown();
            }
        });
        assertThat(underway.await(30, TimeUnit.SECONDS)).isTrue();
        // the neighbour's stub retries like a real one: its queries may meet a full socket buffer, not a limit
        neighbour.setSoTimeout(1000);
        Message answer = null;
        for (int attempt = 0; attempt < 20 && answer == null; attempt++) {
            int id = ids.incrementAndGet() & 0xFFFF;
            try {
                answer = exchange(dns, neighbour, query("neighbour.cove.test", Type.A, id), id);
            } catch (SocketTimeoutException e) {
                // again
            }
            assertThat(dns.pending()).isLessThanOrEqualTo(Dns.PENDING_MAX);
        }
        assertThat(answer).isNotNull();
        assertThat(addresses(answer)).containsExactly(SITE);
        flood.join(TimeUnit.SECONDS.toMillis(60));
        assertThat(flood.isAlive()).isFalse();
        await(() -> dns.pending() == 0);
        double seconds = (System.nanoTime() - t0) / 1e9;

        assertThat(dns.dropped()).isPositive();
        assertThat(dns.pendingPeak()).isLessThanOrEqualTo(Dns.PENDING_MAX)
                .isLessThanOrEqualTo(DnsBudgets.OUTSTANDING_PER_SOURCE + 20); // the flooder's share, and the neighbour's tries
        // what reached the upstream is what the token bucket let through
        assertThat(up.count("flood.cove.test")).isPositive()
                .isLessThanOrEqualTo((int) (DnsBudgets.RATE_BURST + DnsBudgets.RATE_PER_SECOND * seconds) + 1);
        assertThat(openFds()).isLessThanOrEqualTo(fdsBefore + 3);
    }

    @Test
    void aSilentUpstreamMeansServfailAndNothingLeftPending() throws Exception {
        Upstream silent = upstream(true);
        Dns dns = dns(silent, List.of());
        DatagramSocket s = sandbox("127.0.0.2", OPEN);
        s.setSoTimeout(15_000);

        long t0 = System.nanoTime();
        Message m = exchange(dns, s, query("slow.cove.test", Type.A, 0x4242), 0x4242);
        assertThat(m.getRcode()).isEqualTo(Rcode.SERVFAIL);
        assertThat(m.getHeader().getID()).isEqualTo(0x4242);
        assertThat(m.getQuestion().getName().toString()).isEqualTo("slow.cove.test.");
        assertThat(System.nanoTime() - t0).isLessThan(TimeUnit.SECONDS.toNanos(15));
        assertThat(dns.pending()).isZero();
        assertThat(silent.count("slow.cove.test")).isBetween(1, 3); // tried, and tried again, then given up

        // one source's share of the pending table: 32 in flight, the rest dropped
        DatagramSocket busy = sandbox("127.0.0.3", OPEN);
        busy.setSoTimeout(15_000);
        long droppedBefore = dns.dropped();
        InetSocketAddress to = new InetSocketAddress(InetAddress.getLoopbackAddress(), dns.port());
        for (int i = 0; i < 100; i++) {
            byte[] q = query("q" + i + ".cove.test", Type.A, i);
            busy.send(new DatagramPacket(q, q.length, to));
        }
        await(() -> dns.pending() == DnsBudgets.OUTSTANDING_PER_SOURCE);
        // the table can fill before the resolver has read the rest of the burst: wait until it has read past it
        await(() -> dns.dropped() > droppedBefore);
        assertThat(dns.pendingPeak()).isEqualTo(DnsBudgets.OUTSTANDING_PER_SOURCE);
        assertThat(dns.dropped() - droppedBefore).isPositive();
        int servfails = 0;
        byte[] buf = new byte[512];
        while (servfails < DnsBudgets.OUTSTANDING_PER_SOURCE) {
            DatagramPacket p = new DatagramPacket(buf, buf.length);
            busy.receive(p);
            assertThat(new Message(Arrays.copyOf(buf, p.getLength())).getRcode()).isEqualTo(Rcode.SERVFAIL);
            servfails++;
        }
        await(() -> dns.pending() == 0);

        long r0 = System.nanoTime();
        assertThat(dns.resolve("slow.cove.test")).isEmpty();
        assertThat(System.nanoTime() - r0).isLessThan(TimeUnit.SECONDS.toNanos(15));
        assertThat(dns.pending()).isZero();
    }

    @Test
    void aClosedUpstreamFailsAtOnceAndTheNextOneAnswers() throws Exception {
        String closed = "127.0.0.1:" + closedPort(); // ICMP port unreachable for every datagram sent there
        Dns alone = dns(List.of(closed), List.of());
        DatagramSocket s = sandbox("127.0.0.2", OPEN);
        for (int i = 0; i < 3; i++) {
            long t0 = System.nanoTime();
            Message m = exchange(alone, s, query("refused" + i + ".cove.test", Type.A, 0x5150 + i), 0x5150 + i);
            assertThat(m.getRcode()).isEqualTo(Rcode.SERVFAIL);
            assertThat(m.getQuestion().getName().toString()).isEqualTo("refused" + i + ".cove.test.");
            assertThat(millisSince(t0)).as("not the retry timer's 3 s").isLessThan(1500);
        }
        long r0 = System.nanoTime();
        assertThat(alone.resolve("refused.cove.test")).isEmpty();
        assertThat(millisSince(r0)).isLessThan(1500);
        assertThat(alone.pending()).isZero();

        // the closed upstream first: its refusal sends each query on to the working one at once
        Upstream up = upstream(false);
        Dns both = dns(List.of(closed, "127.0.0.1:" + up.port()), List.of());
        for (int i = 0; i < 3; i++) {
            long t0 = System.nanoTime();
            assertThat(addresses(ask(both, s, "next" + i + ".cove.test", Type.A))).containsExactly(SITE);
            assertThat(millisSince(t0)).isLessThan(1500);
            assertThat(up.count("next" + i + ".cove.test")).isEqualTo(1);
        }
        r0 = System.nanoTime();
        assertThat(both.resolve("next.cove.test")).containsExactly(SITE);
        assertThat(millisSince(r0)).isLessThan(1500);
        assertThat(both.pending()).isZero();
    }

    // ------------------------------------------------------------------ TCP

    @Test
    void tcpQueriesAreAnsweredDecidedAndCappedPerSource() throws Exception {
        Upstream up = upstream(false);
        Dns dns = dns(up, List.of());
        policies.put(InetAddress.ofLiteral("127.0.0.2"), OPEN);
        policies.put(InetAddress.ofLiteral("127.0.0.3"), policy(false, List.of(), List.of()));

        try (Socket c = tcp(dns, "127.0.0.2")) {
            Message m = tcpExchange(c, query("tcp.cove.test", Type.A, 0x0707));
            assertThat(m.getHeader().getID()).isEqualTo(0x0707);
            assertThat(addresses(m)).containsExactly(SITE);
            assertThat(up.tcpQueries.get()).isEqualTo(1);
            assertThat(ask(c, "printer.local").getRcode()).isEqualTo(Rcode.NXDOMAIN); // the same connection
        }
        try (Socket c = tcp(dns, "127.0.0.3")) {
            assertThat(ask(c, "tcp.cove.test").getRcode()).isEqualTo(Rcode.REFUSED);
        }
        assertThat(up.count("tcp.cove.test")).isEqualTo(1);
        try (Socket stranger = tcp(dns, "127.0.0.9")) {
            assertThat(tcpAnswered(stranger)).isFalse();
        }

        policies.put(InetAddress.ofLiteral("127.0.0.4"), OPEN);
        await(() -> dns.tcpConnections() == 0);
        List<Socket> held = new ArrayList<>();
        try {
            for (int i = 0; i < DnsBudgets.TCP_PER_SOURCE; i++) {
                Socket c = tcp(dns, "127.0.0.4");
                held.add(c);
                assertThat(addresses(ask(c, "held" + i + ".cove.test"))).containsExactly(SITE);
            }
            assertThat(dns.tcpConnections()).isEqualTo(DnsBudgets.TCP_PER_SOURCE);
            try (Socket fifth = tcp(dns, "127.0.0.4")) {
                assertThat(tcpAnswered(fifth)).isFalse();
            }
            try (Socket other = tcp(dns, "127.0.0.2")) { // another sandbox is not affected
                assertThat(tcpAnswered(other)).isTrue();
            }
            held.removeFirst().close();
            await(() -> dns.tcpConnections() == DnsBudgets.TCP_PER_SOURCE - 1);
            try (Socket again = tcp(dns, "127.0.0.4")) {
                assertThat(tcpAnswered(again)).isTrue();
            }
        } finally {
            for (Socket c : held) c.close();
        }
        assertThat(up.count("held0.cove.test")).isEqualTo(1);
    }

    // ------------------------------------------------------------------ the filter's lookups, parsing

    @Test
    void resolveAsksTheUpstreamOnceAndNeverForHostNames() throws Exception {
        Upstream up = upstream(false);
        Dns dns = dns(up, List.of("corp.example"));
        assertThat(dns.resolve("a.cove.test")).containsExactly(SITE);
        assertThat(dns.resolve("A.cove.test")).containsExactly(SITE); // cached
        assertThat(up.count("a.cove.test")).isEqualTo(2); // A and AAAA
        assertThat(dns.resolve("printer.local")).isEmpty();
        assertThat(dns.resolve("_gateway")).isEmpty();
        assertThat(dns.resolve("git.corp.example")).isEmpty();
        assertThat(up.total()).isEqualTo(2);
        assertThat(dns.pending()).isZero();
    }

    @Test
    void buildsQueriesAndReadsAnswers() throws Exception {
        byte[] q = DnsMessages.query("a.cove.test", Type.A);
        Message query = new Message(q);
        assertThat(query.getHeader().getFlag(Flags.RD)).isTrue();
        assertThat(query.getQuestion().getName().toString()).isEqualTo("a.cove.test.");

        Message answer = new Message(query.getHeader().getID());
        answer.getHeader().setFlag(Flags.QR);
        answer.addRecord(query.getQuestion(), Section.QUESTION);
        answer.addRecord(new ARecord(query.getQuestion().getName(), DClass.IN, 5, SITE), Section.ANSWER);
        assertThat(DnsMessages.addresses(answer.toWire(), Type.A)).containsExactly(SITE);
        assertThat(DnsMessages.addresses(answer.toWire(), Type.AAAA)).isEmpty();
        assertThat(DnsMessages.addresses(new byte[] {1, 2, 3}, Type.A)).isEmpty();

        byte[] fail = DnsMessages.answer(query, Rcode.SERVFAIL);
        assertThat(fail[3] & 0x0F).isEqualTo(Rcode.SERVFAIL);
        assertThat(fail[0]).isEqualTo(q[0]);
        assertThat(fail[1]).isEqualTo(q[1]);
        assertThat(new Message(fail).getQuestion()).isEqualTo(query.getQuestion());
        assertThat(DnsMessages.questionEnd(q)).isEqualTo(q.length);
        assertThat(DnsMessages.questionEnd(Arrays.copyOf(q, q.length - 1))).isEqualTo(-1);
    }

    // ------------------------------------------------------------------ helpers

    private static CompiledPolicy policy(boolean internet, List<String> allowOut, List<String> denyOut) {
        return CompiledPolicy.compile(new EgressPolicy(internet, allowOut, denyOut));
    }

    private Dns dns(Upstream up, List<String> hostDomains) throws IOException {
        return dns(List.of("127.0.0.1:" + up.port()), hostDomains);
    }

    private Dns dns(List<String> upstreams, List<String> hostDomains) throws IOException {
        Dns dns = new Dns(upstreams, policies::get, hostDomains);
        closing.add(dns);
        return dns;
    }

    /** A loopback UDP port nothing listens on (just released). */
    private static int closedPort() throws IOException {
        try (DatagramSocket s = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            return s.getLocalPort();
        }
    }

    private static long millisSince(long t0) { return (System.nanoTime() - t0) / 1_000_000; }

    private Upstream upstream(boolean silent) throws IOException {
        Upstream up = new Upstream(silent);
        closing.add(up);
        return up;
    }

    private DatagramSocket socket(String address) throws IOException {
        DatagramSocket s = new DatagramSocket(new InetSocketAddress(InetAddress.ofLiteral(address), 0));
        s.setSoTimeout(10_000);
        closing.add(s);
        return s;
    }

    private DatagramSocket sandbox(String address, CompiledPolicy policy) throws IOException {
        policies.put(InetAddress.ofLiteral(address), policy);
        return socket(address);
    }

    private static byte[] query(String name, int type, int id) throws IOException {
        Message q = Message.newQuery(Record.newRecord(Name.fromString(name, Name.root), type, DClass.IN));
        q.getHeader().setID(id);
        return q.toWire();
    }

    private Message ask(Dns dns, DatagramSocket s, String name, int type) throws IOException {
        int id = ids.incrementAndGet() & 0xFFFF;
        return exchange(dns, s, query(name, type, id), id);
    }

    /** Sends {@code wire} to the resolver and waits for the answer with {@code id} (others are late ones). */
    private static Message exchange(Dns dns, DatagramSocket s, byte[] wire, int id) throws IOException {
        s.send(new DatagramPacket(wire, wire.length, new InetSocketAddress(InetAddress.getLoopbackAddress(), dns.port())));
        byte[] buf = new byte[65535];
        while (true) {
            DatagramPacket p = new DatagramPacket(buf, buf.length);
            s.receive(p);
            Message m = new Message(Arrays.copyOf(buf, p.getLength()));
            if (m.getHeader().getID() == id) return m;
        }
    }

    private static List<InetAddress> addresses(Message m) {
        return m.getSection(Section.ANSWER).stream().filter(r -> r instanceof ARecord).map(r -> ((ARecord) r).getAddress())
                .toList();
    }

    private Socket tcp(Dns dns, String from) throws IOException {
        Socket s = new Socket();
        s.bind(new InetSocketAddress(InetAddress.ofLiteral(from), 0));
        s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), dns.port()), 10_000);
        s.setSoTimeout(10_000);
        return s;
    }

    private Message ask(Socket s, String name) throws IOException {
        return tcpExchange(s, query(name, Type.A, ids.incrementAndGet() & 0xFFFF));
    }

    private static Message tcpExchange(Socket s, byte[] wire) throws IOException {
        DataOutputStream out = new DataOutputStream(s.getOutputStream());
        out.writeShort(wire.length);
        out.write(wire);
        out.flush();
        DataInputStream in = new DataInputStream(s.getInputStream());
        return new Message(in.readNBytes(in.readUnsignedShort()));
    }

    /** True when a query on {@code s} is answered; false when the resolver closed the connection instead. */
    private boolean tcpAnswered(Socket s) {
        try {
            return ask(s, "probe.cove.test").getRcode() == Rcode.NOERROR;
        } catch (SocketTimeoutException e) {
            throw new AssertionError("neither answered nor closed", e);
        } catch (IOException e) {
            return false; // EOF or reset
        }
    }

    private static long openFds() throws IOException {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.count();
        }
    }

    private static void await(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime() - deadline).as("condition not met within 20 s").isNegative();
            Thread.sleep(20);
        }
    }

    /**
     * A resolver on 127.0.0.1 (UDP and TCP on one port) answering A queries with {@link #SITE} and everything else
     * with an empty NOERROR, or, {@code silent}, nothing at all. Counts every query per name.
     */
    static final class Upstream implements AutoCloseable {
        private final DatagramSocket udp;
        private final ServerSocket tcp;
        private final boolean silent;
        private final Map<String, AtomicInteger> queries = new ConcurrentHashMap<>();
        final AtomicInteger tcpQueries = new AtomicInteger();

        Upstream(boolean silent) throws IOException {
            this.silent = silent;
            DatagramSocket u = null;
            ServerSocket t = null;
            for (int attempt = 0; attempt < 20 && t == null; attempt++) {
                if (u != null) u.close();
                u = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
                try {
                    t = new ServerSocket(u.getLocalPort(), 50, InetAddress.getLoopbackAddress());
                } catch (IOException e) {
                    t = null;
                }
            }
            if (t == null) throw new IOException("no loopback port free for UDP and TCP");
            this.udp = u;
            this.tcp = t;
            Thread.ofPlatform().daemon().name("covetest-dns-upstream").start(this::udpLoop);
            Thread.ofPlatform().daemon().name("covetest-dns-upstream-tcp").start(this::tcpLoop);
        }

        int port() { return udp.getLocalPort(); }

        int count(String name) {
            AtomicInteger n = queries.get(name.toLowerCase(Locale.ROOT));
            return n == null ? 0 : n.get();
        }

        int total() { return queries.values().stream().mapToInt(AtomicInteger::get).sum(); }

        private byte[] answer(byte[] wire) throws IOException {
            Message q = new Message(wire);
            Record question = q.getQuestion();
            String name = question.getName().toString(true).toLowerCase(Locale.ROOT);
            queries.computeIfAbsent(name, k -> new AtomicInteger()).incrementAndGet();
            if (silent) return null;
            Message a = new Message(q.getHeader().getID());
            a.getHeader().setFlag(Flags.QR);
            a.getHeader().setFlag(Flags.RA);
            if (q.getHeader().getFlag(Flags.RD)) a.getHeader().setFlag(Flags.RD);
            a.addRecord(question, Section.QUESTION);
            if (question.getType() == Type.A) a.addRecord(new ARecord(question.getName(), DClass.IN, 60, SITE), Section.ANSWER);
            return a.toWire();
        }

        private void udpLoop() {
            byte[] buf = new byte[65535];
            while (!udp.isClosed()) {
                try {
                    DatagramPacket p = new DatagramPacket(buf, buf.length);
                    udp.receive(p);
                    byte[] a = answer(Arrays.copyOf(buf, p.getLength()));
                    if (a != null) udp.send(new DatagramPacket(a, a.length, p.getSocketAddress()));
                } catch (IOException | RuntimeException e) {
                    // closed, or a query it cannot parse
                }
            }
        }

        private void tcpLoop() {
            while (!tcp.isClosed()) {
                try {
                    Socket s = tcp.accept();
                    Thread.ofVirtual().start(() -> {
                        try (s) {
                            DataInputStream in = new DataInputStream(s.getInputStream());
                            DataOutputStream out = new DataOutputStream(s.getOutputStream());
                            byte[] q = in.readNBytes(in.readUnsignedShort());
                            tcpQueries.incrementAndGet();
                            byte[] a = answer(q);
                            if (a == null) return;
                            out.writeShort(a.length);
                            out.write(a);
                            out.flush();
                        } catch (IOException ignored) {
                            // the resolver went away
                        }
                    });
                } catch (IOException e) {
                    // closed
                }
            }
        }

        @Override
        public void close() throws IOException {
            udp.close();
            tcp.close();
        }
    }
}
