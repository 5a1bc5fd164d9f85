package dev.cove.runtime.egress.dns;

import dev.cove.runtime.egress.CompiledPolicy;
import dev.cove.runtime.egress.dns.DnsBudgets.Source;
import dev.cove.runtime.egress.dns.DnsVerdicts.Verdict;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.Closeable;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.SocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * The sandboxes' resolver: one UDP and one TCP listener ({@link DnsTcp}) on the same port of the host, reached only
 * through the firewall's redirect of a sandbox's port 53 to its host-side veth address. Answers never open anything in
 * the firewall. Also a tiny A/AAAA client for the egress filter ({@link DnsLookups}), so it connects to what the same
 * upstream says a name is.
 *
 * <p><b>What a sandbox gets.</b> Each query is decided on the name of its one question ({@link DnsVerdicts}):
 * NXDOMAIN for host-internal names whatever the policy, REFUSED for names the policy forbids, FORMERR or NOTIMP for
 * what is not one plain question; <b>SERVFAIL</b> when no upstream answered in time (or none is configured); otherwise
 * the upstream's answer as it is, with the sandbox's query ID. Datagrams from addresses that are not sandboxes
 * ({@code policyOf} gives null) and DNS responses are ignored (no open resolver, no loops); TCP connections from them
 * are closed.
 *
 * <p><b>Bounded.</b> UDP queries leave through one connected socket per configured upstream (at most
 * {@link #MAX_UPSTREAMS}), with one pending table for all ({@link DnsRelay}): each gets a fresh random ID (the
 * sandbox's own ID is restored in the answer), and an answer is taken only from an upstream it was sent to, for a
 * pending ID, with the same question. One thread receives the sandboxes' datagrams, one per upstream its answers, and
 * a timer retries a query on the next upstream after {@link #TRY_MS} and answers SERVFAIL after
 * {@code max(3, upstreams)} tries' time. An upstream that refuses (ICMP port unreachable, which only a connected
 * socket hears of) is left at once: its waiting queries go to the next upstream, or get SERVFAIL when none is left.
 * Per sandbox address a token bucket and a cap on queries in flight ({@link DnsBudgets}); the pending table holds at
 * most {@link #PENDING_MAX}. A query over a limit is dropped without an answer (an answer would be traffic the
 * flooder chose) and counted. The upstream is the host's own resolver, and no answer ever opens the firewall.
 */
public final class Dns implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Dns.class);

    /**
     * Pending queries of all sandboxes. At most a few MiB of memory, and it leaves 15/16 of the 16-bit ID space free,
     * so a fresh random ID is found at once and stays hard to guess.
     */
    static final int PENDING_MAX = 4096;
    /**
     * After this long without an answer a query is sent to the next upstream (or again to the only one); after
     * {@code max(3, upstreams)} tries it is answered SERVFAIL, before glibc's 5 s stub timeout.
     */
    static final int TRY_MS = 1000;
    /** Each upstream has a socket and a receiving thread, and a bit in a {@code long} per pending query. */
    static final int MAX_UPSTREAMS = 16;
    private static final long TRY_NANOS = TRY_MS * 1_000_000L;

    private final List<InetSocketAddress> upstreams;
    private final Function<InetAddress, CompiledPolicy> policyOf;
    private final DnsVerdicts verdicts;
    private final DnsLookups lookups;
    private final DatagramChannel clients;
    private final DnsRelay relay;
    private final DnsTcp tcp;

    /** Guards the pending table and the budgets: a query's place in the table and its source's count change together. */
    private final Object lock = new Object();
    private final DnsBudgets budgets = new DnsBudgets(lock);
    private volatile boolean closed;

    /**
     * @param upstreams resolvers to relay to ({@code host}, {@code host:port}, {@code [v6]:port}); empty: the
     *                  nameservers of {@code /etc/resolv.conf}
     * @param policyOf  the current policy of the sandbox with this source address, or null when it is none
     */
    public Dns(List<String> upstreams, Function<InetAddress, CompiledPolicy> policyOf) throws IOException {
        this(upstreams, policyOf, DnsVerdicts.hostDomains(Path.of("/etc/resolv.conf")));
    }

    /** With the host's search domains given (tests). */
    Dns(List<String> upstreams, Function<InetAddress, CompiledPolicy> policyOf, List<String> hostDomains)
            throws IOException {
        this.upstreams = parseUpstreams(upstreams);
        this.policyOf = policyOf;
        this.verdicts = new DnsVerdicts(hostDomains);
        long giveUpNanos = Math.max(3, this.upstreams.size()) * TRY_NANOS;

        DatagramChannel u = null;
        ServerSocket t = null;
        try {
            for (int attempt = 0; attempt < 20 && t == null; attempt++) {
                if (u != null) u.close();
                u = DatagramChannel.open();
                u.bind(new InetSocketAddress(0)); // the wildcard: "::" where the host has IPv6, both families
                int port = ((InetSocketAddress) u.getLocalAddress()).getPort();
                try {
                    t = new ServerSocket();
                    t.setReuseAddress(true);
                    t.bind(new InetSocketAddress(port), 256);
                } catch (IOException e) {
                    t.close();
                    t = null;
                }
            }
            if (t == null) throw new IOException("no port free for both UDP and TCP DNS");
            // room for bursts from many sandboxes while the one receiving thread catches up (capped by rmem_max)
            u.setOption(StandardSocketOptions.SO_RCVBUF, 1 << 20);
        } catch (IOException | RuntimeException e) {
            if (u != null) u.close();
            if (t != null) t.close();
            throw e;
        }
        this.clients = u;
        this.relay = new DnsRelay(this.upstreams, lock, budgets, giveUpNanos);
        this.lookups = new DnsLookups(verdicts, (query, wire, answer) -> relay.relay(query, wire, answer::accept, null),
                giveUpNanos + 2 * DnsRelay.SWEEP_MS * 1_000_000L);
        this.tcp = new DnsTcp(t, this.upstreams, policyOf, verdicts, budgets, giveUpNanos);
        relay.start();
        Thread.ofPlatform().daemon().name("cove-dns-udp").start(this::clientLoop);
        tcp.start();
    }

    public int port() { return clients.socket().getLocalPort(); }

    public List<InetSocketAddress> upstreams() { return upstreams; }

    /** Queries dropped over a limit (rate, in flight per source, pending table) so far. */
    long dropped() { return budgets.dropped(); }

    /** Queries waiting for an upstream now. */
    int pending() { return relay.pending(); }

    /** The most queries that ever waited for an upstream at once. */
    int pendingPeak() { return relay.pendingPeak(); }

    /** Open TCP connections from sandboxes now. */
    int tcpConnections() { return budgets.tcpConnections(); }

    static List<InetSocketAddress> parseUpstreams(List<String> configured) throws IOException {
        List<String> specs = new ArrayList<>(configured);
        if (specs.isEmpty()) {
            Path resolv = Path.of("/etc/resolv.conf");
            if (Files.isReadable(resolv)) {
                for (String line : Files.readAllLines(resolv)) {
                    String[] f = line.strip().split("\\s+");
                    if (f.length >= 2 && f[0].equals("nameserver")) specs.add(f[1]);
                }
            }
        }
        List<InetSocketAddress> out = new ArrayList<>();
        for (String s : specs) {
            String host = s;
            int port = 53;
            if (s.startsWith("[")) {
                int close = s.indexOf(']');
                host = s.substring(1, close);
                if (close + 1 < s.length() && s.charAt(close + 1) == ':') port = Integer.parseInt(s.substring(close + 2));
            } else if (s.indexOf(':') == s.lastIndexOf(':') && s.indexOf(':') > 0) {
                host = s.substring(0, s.indexOf(':'));
                port = Integer.parseInt(s.substring(s.indexOf(':') + 1));
            }
            out.add(new InetSocketAddress(InetAddress.ofLiteral(host), port));
        }
        if (out.size() > MAX_UPSTREAMS)
            throw new IllegalArgumentException(out.size() + " DNS upstreams" + (configured.isEmpty()
                    ? " in /etc/resolv.conf" : "") + "; at most " + MAX_UPSTREAMS + ": name fewer with --dns-upstream");
        return List.copyOf(out);
    }

    // ------------------------------------------------------------------ UDP

    private void clientLoop() {
        ByteBuffer buf = ByteBuffer.allocateDirect(65535);
        while (!closed) {
            try {
                buf.clear();
                SocketAddress from = clients.receive(buf);
                buf.flip();
                if (from instanceof InetSocketAddress client) onQuery(client, buf);
            } catch (ClosedChannelException e) {
                return;
            } catch (IOException | RuntimeException e) {
                if (!closed) log.debug("dns: {}", e.toString());
            }
        }
    }

    private void onQuery(InetSocketAddress client, ByteBuffer datagram) {
        CompiledPolicy policy = policyOf.apply(client.getAddress());
        if (policy == null) return; // not one of ours: no open resolver
        Source source = budgets.admit(client.getAddress());
        if (source == null) return;
        byte[] wire = new byte[datagram.remaining()];
        datagram.get(wire);
        Verdict v = verdicts.decide(wire, policy);
        if (v.local() != null) toClient(v.local(), client);
        else if (v.query() != null) relay.relay(v.query(), wire, answer -> toClient(answer, client), source);
    }

    private void toClient(byte[] answer, InetSocketAddress client) {
        try {
            clients.send(ByteBuffer.wrap(answer), client);
        } catch (IOException e) {
            if (!closed) log.debug("dns: answer to {} failed: {}", client, e.toString());
        }
    }

    /**
     * A and AAAA records of {@code name} as the upstream resolvers say (IPv4 first); empty when none, and for
     * host-internal names. Asked through the same pending table as the sandboxes' queries; kept for 5 s (the egress
     * filter asks once per connection).
     */
    public List<InetAddress> resolve(String name) {
        return closed ? List.of() : lookups.resolve(name);
    }

    private static void closeQuietly(Closeable c) {
        try {
            c.close();
        } catch (IOException ignored) {
            // closing
        }
    }

    @Override
    public void close() {
        closed = true;
        closeQuietly(clients);
        tcp.close();
        relay.close(); // the filter's lookups end at once
    }
}
