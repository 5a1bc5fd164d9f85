package dev.cove.runtime.egress;

import dev.cove.runtime.egress.DnsBudgets.Source;
import dev.cove.runtime.egress.DnsVerdicts.Verdict;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xbill.DNS.Header;
import org.xbill.DNS.Message;
import org.xbill.DNS.Rcode;

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
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
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
 * <p><b>Bounded.</b> UDP queries leave through ONE shared upstream socket: each gets a fresh random ID that is free in
 * the pending table (the sandbox's own ID is restored in the answer), and an answer is taken only from a configured
 * upstream, for a pending ID, with the same question. One thread receives the sandboxes' datagrams, one the
 * upstreams' answers, and a timer retries a query on the next upstream after {@link #TRY_MS} and answers SERVFAIL
 * after {@code max(3, upstreams)} tries. Per sandbox address a token bucket and a cap on queries in flight
 * ({@link DnsBudgets}); the pending table holds at most {@link #PENDING_MAX}. A query over a limit is dropped without
 * an answer (an answer would be traffic the flooder chose) and counted. With one socket and a 16-bit ID, an off-path
 * spoofer has to guess the ID and the question; the upstream is the host's own resolver, and no answer ever opens the
 * firewall.
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
    private static final long TRY_NANOS = TRY_MS * 1_000_000L;
    private static final long SWEEP_MS = 100;

    private final List<InetSocketAddress> upstreams;
    private final Function<InetAddress, CompiledPolicy> policyOf;
    private final DnsVerdicts verdicts;
    private final DnsLookups lookups;
    private final long giveUpNanos;
    private final DatagramChannel clients;
    private final DatagramChannel upstream;
    private final DnsTcp tcp;
    private final ScheduledExecutorService timer;
    private final SecureRandom random = new SecureRandom();

    /** Guards the pending table and the budgets: a query's place in the table and its source's count change together. */
    private final Object lock = new Object();
    private final DnsBudgets budgets = new DnsBudgets(lock);
    private final Pending[] pending = new Pending[65536];
    private int pendingCount;
    private int pendingPeak;
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
        this.giveUpNanos = Math.max(3, this.upstreams.size()) * TRY_NANOS;
        this.lookups = new DnsLookups(verdicts, (query, wire, answer) -> relay(query, wire, answer::accept, null),
                giveUpNanos + 2 * SWEEP_MS * 1_000_000L);

        DatagramChannel u = null;
        ServerSocket t = null;
        DatagramChannel out = null;
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
            out = DatagramChannel.open();
            out.bind(new InetSocketAddress(0));
            // room for bursts from many sandboxes while the one receiving thread catches up (capped by rmem_max)
            u.setOption(StandardSocketOptions.SO_RCVBUF, 1 << 20);
            out.setOption(StandardSocketOptions.SO_RCVBUF, 1 << 20);
        } catch (IOException | RuntimeException e) {
            if (u != null) u.close();
            if (t != null) t.close();
            if (out != null) out.close();
            throw e;
        }
        this.clients = u;
        this.upstream = out;
        this.tcp = new DnsTcp(t, this.upstreams, policyOf, verdicts, budgets, giveUpNanos);
        this.timer = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().daemon().name("cove-dns-timer").factory());
        timer.scheduleWithFixedDelay(this::sweep, SWEEP_MS, SWEEP_MS, TimeUnit.MILLISECONDS);
        Thread.ofPlatform().daemon().name("cove-dns-udp").start(this::clientLoop);
        Thread.ofPlatform().daemon().name("cove-dns-upstream").start(this::upstreamLoop);
        tcp.start();
    }

    public int port() { return clients.socket().getLocalPort(); }

    public List<InetSocketAddress> upstreams() { return upstreams; }

    /** Queries dropped over a limit (rate, in flight per source, pending table) so far. */
    long dropped() { return budgets.dropped(); }

    /** Queries waiting for an upstream now. */
    int pending() {
        synchronized (lock) {
            return pendingCount;
        }
    }

    /** The most queries that ever waited for an upstream at once. */
    int pendingPeak() {
        synchronized (lock) {
            return pendingPeak;
        }
    }

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
        Reply reply = answer -> toClient(answer, client);
        if (v.local() != null) reply.send(v.local());
        else if (v.query() != null) relay(v.query(), wire, reply, source);
    }

    private void toClient(byte[] answer, InetSocketAddress client) {
        try {
            clients.send(ByteBuffer.wrap(answer), client);
        } catch (IOException e) {
            if (!closed) log.debug("dns: answer to {} failed: {}", client, e.toString());
        }
    }

    /** Where an upstream's answer goes, with the asker's ID already restored. */
    private interface Reply {
        void send(byte[] answer);
    }

    /** A query waiting for an upstream. {@code wire} carries {@code id}; {@code query} the asker's own ID. */
    private static final class Pending {
        final int id;
        final Message query;
        final byte[] wire;
        final int questionEnd;
        final Reply reply;
        final Source source; // null for the egress filter's own lookups
        final long giveUp;
        int tries = 1;
        long nextTry;

        Pending(int id, Message query, byte[] wire, int questionEnd, Reply reply, Source source, long now, long giveUp) {
            this.id = id;
            this.query = query;
            this.wire = wire;
            this.questionEnd = questionEnd;
            this.reply = reply;
            this.source = source;
            this.nextTry = now + TRY_NANOS;
            this.giveUp = now + giveUp;
        }
    }

    /**
     * Sends {@code query} (whose raw form is {@code wire}, which this takes over) to the first upstream under a fresh
     * ID. False, and dropped (counted), when the pending table or the source's share of it is full.
     */
    private boolean relay(Message query, byte[] wire, Reply reply, Source source) {
        if (upstreams.isEmpty()) {
            reply.send(DnsMessages.answer(query, Rcode.SERVFAIL));
            return true;
        }
        Pending p;
        synchronized (lock) {
            if (pendingCount >= PENDING_MAX || (source != null && source.inFlightFull())) {
                p = null;
            } else {
                int id;
                do {
                    id = random.nextInt(65536);
                } while (pending[id] != null);
                wire[0] = (byte) (id >> 8);
                wire[1] = (byte) id;
                p = new Pending(id, query, wire, DnsMessages.questionEnd(wire), reply, source, System.nanoTime(), giveUpNanos);
                pending[id] = p;
                pendingCount++;
                pendingPeak = Math.max(pendingPeak, pendingCount);
                if (source != null) source.queryPending();
            }
        }
        if (p == null) {
            budgets.countDropped();
            return false;
        }
        toUpstream(p.wire, upstreams.getFirst());
        return true;
    }

    private void toUpstream(byte[] wire, InetSocketAddress to) {
        try {
            upstream.send(ByteBuffer.wrap(wire), to);
        } catch (IOException e) {
            if (!closed) log.debug("dns: upstream {}: {}", to, e.toString());
        }
    }

    private void removeLocked(Pending p) {
        pending[p.id] = null;
        pendingCount--;
        if (p.source != null) p.source.queryDone();
    }

    private void upstreamLoop() {
        ByteBuffer buf = ByteBuffer.allocateDirect(65535);
        while (!closed) {
            try {
                buf.clear();
                SocketAddress from = upstream.receive(buf);
                buf.flip();
                onAnswer(from, buf);
            } catch (ClosedChannelException e) {
                return;
            } catch (IOException | RuntimeException e) {
                if (!closed) log.debug("dns: upstream socket: {}", e.toString());
            }
        }
    }

    private void onAnswer(SocketAddress from, ByteBuffer buf) {
        if (buf.remaining() < Header.LENGTH || (buf.get(2) & 0x80) == 0 || !upstreams.contains(from)) return;
        int id = buf.getShort(0) & 0xFFFF;
        Pending p;
        synchronized (lock) {
            p = pending[id];
            if (p == null || !DnsMessages.sameQuestion(buf, p.wire, p.questionEnd)) return;
            removeLocked(p);
        }
        byte[] answer = new byte[buf.remaining()];
        buf.get(answer);
        int original = p.query.getHeader().getID();
        answer[0] = (byte) (original >> 8);
        answer[1] = (byte) original;
        p.reply.send(answer);
    }

    /** The timer: retries and gives up on late queries, forgets idle sources, reports drops. */
    private void sweep() {
        try {
            long now = System.nanoTime();
            List<Pending> retry = new ArrayList<>();
            List<InetSocketAddress> retryTo = new ArrayList<>();
            List<Pending> failed = new ArrayList<>();
            synchronized (lock) {
                if (pendingCount > 0) {
                    for (Pending p : pending) {
                        if (p == null || now - p.nextTry < 0) continue;
                        if (now - p.giveUp >= 0) {
                            removeLocked(p);
                            failed.add(p);
                        } else {
                            retry.add(p);
                            retryTo.add(upstreams.get(p.tries % upstreams.size()));
                            p.tries++;
                            p.nextTry = now + TRY_NANOS;
                        }
                    }
                }
                budgets.forgetIdleSourcesLocked(now);
            }
            for (int i = 0; i < retry.size(); i++) toUpstream(retry.get(i).wire, retryTo.get(i));
            for (Pending p : failed) p.reply.send(DnsMessages.answer(p.query, Rcode.SERVFAIL));
            budgets.reportDropped(now);
        } catch (RuntimeException e) {
            log.debug("dns: timer: {}", e.toString());
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
        timer.shutdownNow();
        closeQuietly(clients);
        closeQuietly(upstream);
        tcp.close();
        List<Pending> left = new ArrayList<>();
        synchronized (lock) {
            for (Pending p : pending) if (p != null) {
                removeLocked(p);
                left.add(p);
            }
        }
        for (Pending p : left) if (p.source == null) p.reply.send(null); // the filter's lookups end at once
    }
}
