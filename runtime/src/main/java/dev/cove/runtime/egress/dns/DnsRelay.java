package dev.cove.runtime.egress.dns;

import dev.cove.runtime.egress.dns.DnsBudgets.Source;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xbill.DNS.Header;
import org.xbill.DNS.Message;
import org.xbill.DNS.Rcode;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.security.SecureRandom;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The resolver's UDP side towards the upstreams ({@link Dns}): one pending table for all queries (the sandboxes' and
 * the egress filter's own), one connected socket per configured upstream ({@link DnsUpstream}).
 *
 * <p>Each query gets a fresh random ID that is free in the pending table (the asker's own ID is restored in the
 * answer) and goes to the first upstream. An answer is taken only on the socket of an upstream the query was sent to,
 * for a pending ID, with the same question. A timer sends a query to the next upstream after {@link Dns#TRY_MS} (or
 * again to the only one) and answers SERVFAIL after {@code max(3, upstreams)} tries' time. When an upstream's socket
 * reports an error (ICMP port unreachable for some query, or no route), every query waiting on that upstream moves on
 * at once: to the next upstream that has not failed it, else SERVFAIL. The error does not say which datagram caused
 * it, so a query sent to that upstream just before may move on too; it then only asks another upstream sooner.
 *
 * <p>Threads: one receiving per upstream, blocking on its own socket, and the timer. A selector would save threads,
 * but the upstreams are fixed and few ({@link Dns#MAX_UPSTREAMS}), and a blocking read per socket ties each error to
 * its upstream with no state machine. With 16-bit IDs shared by all upstreams, an off-path spoofer has to guess the
 * ID, the socket's port and the question; no answer ever opens the firewall.
 */
final class DnsRelay implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(DnsRelay.class);

    private static final long TRY_NANOS = Dns.TRY_MS * 1_000_000L;
    static final long SWEEP_MS = 100;

    /** Where an upstream's answer goes, with the asker's ID already restored. */
    interface Reply {
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
        long nextTry;
        DnsUpstream at;    // the upstream it waits on now
        long sentTo;       // bit i: sent to upstream i, whose answers are taken
        long failedBy;     // bit i: upstream i reported an error while it waited there

        Pending(int id, Message query, byte[] wire, Reply reply, Source source, long giveUp) {
            this.id = id;
            this.query = query;
            this.wire = wire;
            this.questionEnd = DnsMessages.questionEnd(wire);
            this.reply = reply;
            this.source = source;
            this.giveUp = giveUp;
        }
    }

    /** A datagram to send once the lock is released. */
    private record Send(byte[] wire, DnsUpstream to) {}

    private final List<DnsUpstream> upstreams = new ArrayList<>();
    private final Object lock;
    private final DnsBudgets budgets;
    private final long giveUpNanos;
    private final SecureRandom random = new SecureRandom();
    private final ScheduledExecutorService timer;

    // guarded by lock
    private final Pending[] pending = new Pending[65536];
    private final List<Set<Pending>> waiting = new ArrayList<>(); // per upstream: the queries waiting on it now
    private int pendingCount;
    private int pendingPeak;
    private volatile boolean closed;

    /**
     * @param lock        the resolver's lock, also the budgets': a query's place in the table and its source's
     *                    count change together
     * @param giveUpNanos how long a query may wait over all upstreams before it is answered SERVFAIL
     */
    DnsRelay(List<InetSocketAddress> upstreams, Object lock, DnsBudgets budgets, long giveUpNanos) {
        this.lock = lock;
        this.budgets = budgets;
        this.giveUpNanos = giveUpNanos;
        for (InetSocketAddress a : upstreams) {
            this.upstreams.add(new DnsUpstream(this.upstreams.size(), a));
            waiting.add(new HashSet<>());
        }
        this.timer = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().daemon().name("cove-dns-timer").factory());
    }

    /** Starts the receiving threads and the timer. */
    void start() {
        timer.scheduleWithFixedDelay(this::sweep, SWEEP_MS, SWEEP_MS, TimeUnit.MILLISECONDS);
        for (DnsUpstream u : upstreams)
            Thread.ofPlatform().daemon().name("cove-dns-upstream-" + u.index).start(() -> receiveLoop(u));
    }

    int pending() {
        synchronized (lock) {
            return pendingCount;
        }
    }

    int pendingPeak() {
        synchronized (lock) {
            return pendingPeak;
        }
    }

    /**
     * Sends {@code query} (whose raw form is {@code wire}, which this takes over) to the first upstream under a fresh
     * ID. False, and dropped (counted), when the pending table or the source's share of it is full.
     */
    boolean relay(Message query, byte[] wire, Reply reply, Source source) {
        if (upstreams.isEmpty()) {
            reply.send(DnsMessages.answer(query, Rcode.SERVFAIL));
            return true;
        }
        Send first;
        synchronized (lock) {
            if (closed || pendingCount >= Dns.PENDING_MAX || (source != null && source.inFlightFull())) {
                first = null;
            } else {
                int id;
                do {
                    id = random.nextInt(65536);
                } while (pending[id] != null);
                wire[0] = (byte) (id >> 8);
                wire[1] = (byte) id;
                long now = System.nanoTime();
                Pending p = new Pending(id, query, wire, reply, source, now + giveUpNanos);
                pending[id] = p;
                pendingCount++;
                pendingPeak = Math.max(pendingPeak, pendingCount);
                if (source != null) source.queryPending();
                first = moveLocked(p, upstreams.getFirst(), now);
            }
        }
        if (first == null) {
            budgets.countDropped();
            return false;
        }
        sendAll(List.of(first));
        return true;
    }

    /** Makes {@code p} wait on {@code to}, for another try; the datagram to send. */
    private Send moveLocked(Pending p, DnsUpstream to, long now) {
        if (p.at != null) waiting.get(p.at.index).remove(p);
        p.at = to;
        waiting.get(to.index).add(p);
        p.sentTo |= 1L << to.index;
        p.nextTry = now + TRY_NANOS;
        return new Send(p.wire, to);
    }

    /** The next upstream after the one {@code p} waits on that has not failed it (the same when it is the only one). */
    private DnsUpstream nextLocked(Pending p) {
        for (int k = 1; k <= upstreams.size(); k++) {
            DnsUpstream u = upstreams.get((p.at.index + k) % upstreams.size());
            if ((p.failedBy & (1L << u.index)) == 0) return u;
        }
        return null;
    }

    private void removeLocked(Pending p) {
        pending[p.id] = null;
        pendingCount--;
        waiting.get(p.at.index).remove(p);
        if (p.source != null) p.source.queryDone();
    }

    /**
     * Sends each datagram; when an upstream's socket reports an error on sending, its waiting queries move on, and
     * so on (iteratively: each round marks a failure on a query, so it ends).
     */
    private void sendAll(List<Send> sends) {
        ArrayDeque<DnsUpstream> failed = new ArrayDeque<>();
        for (Send s : sends) if (!s.to().send(s.wire())) failed.add(s.to());
        while (!failed.isEmpty() && !closed) {
            for (Send s : failover(failed.poll())) if (!s.to().send(s.wire())) failed.add(s.to());
        }
    }

    /**
     * The upstream {@code u} reported an error: every query waiting on it moves to its next upstream (returned, to
     * send) or, when every upstream has failed it, is answered SERVFAIL here.
     */
    private List<Send> failover(DnsUpstream u) {
        List<Send> resend = new ArrayList<>();
        List<Pending> failed = new ArrayList<>();
        synchronized (lock) {
            long now = System.nanoTime();
            for (Pending p : List.copyOf(waiting.get(u.index))) {
                p.failedBy |= 1L << u.index;
                DnsUpstream next = nextLocked(p);
                if (next == null) {
                    removeLocked(p);
                    failed.add(p);
                } else {
                    resend.add(moveLocked(p, next, now));
                }
            }
        }
        for (Pending p : failed) p.reply.send(DnsMessages.answer(p.query, Rcode.SERVFAIL));
        return resend;
    }

    private void receiveLoop(DnsUpstream u) {
        ByteBuffer buf = ByteBuffer.allocateDirect(65535);
        while (!closed) {
            try {
                if (!u.receive(buf)) return;
                onAnswer(u, buf);
            } catch (IOException e) {
                // ICMP port (or host, admin) unreachable for a datagram sent earlier: its upstream refuses
                if (closed) return;
                log.debug("dns: upstream {}: {}", u.address, e.toString());
                sendAll(failover(u));
            } catch (RuntimeException e) {
                if (!closed) log.debug("dns: upstream {}: {}", u.address, e.toString());
            }
        }
    }

    private void onAnswer(DnsUpstream from, ByteBuffer buf) {
        if (buf.remaining() < Header.LENGTH || (buf.get(2) & 0x80) == 0) return;
        int id = buf.getShort(0) & 0xFFFF;
        Pending p;
        synchronized (lock) {
            p = pending[id];
            if (p == null || (p.sentTo & (1L << from.index)) == 0
                    || !DnsMessages.sameQuestion(buf, p.wire, p.questionEnd)) return;
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
            List<Send> retry = new ArrayList<>();
            List<Pending> failed = new ArrayList<>();
            synchronized (lock) {
                if (pendingCount > 0) {
                    for (Pending p : pending) {
                        if (p == null || now - p.nextTry < 0) continue;
                        DnsUpstream next = now - p.giveUp >= 0 ? null : nextLocked(p);
                        if (next == null) {
                            removeLocked(p);
                            failed.add(p);
                        } else {
                            retry.add(moveLocked(p, next, now));
                        }
                    }
                }
                budgets.forgetIdleSourcesLocked(now);
            }
            sendAll(retry);
            for (Pending p : failed) p.reply.send(DnsMessages.answer(p.query, Rcode.SERVFAIL));
            budgets.reportDropped(now);
        } catch (RuntimeException e) {
            log.debug("dns: timer: {}", e.toString());
        }
    }

    /** Stops; the egress filter's lookups still waiting end at once (with null), the sandboxes' get nothing. */
    @Override
    public void close() {
        closed = true;
        timer.shutdownNow();
        for (DnsUpstream u : upstreams) u.close();
        List<Pending> left = new ArrayList<>();
        synchronized (lock) {
            for (Pending p : pending) if (p != null) {
                removeLocked(p);
                left.add(p);
            }
        }
        for (Pending p : left) if (p.source == null) p.reply.send(null);
    }
}
