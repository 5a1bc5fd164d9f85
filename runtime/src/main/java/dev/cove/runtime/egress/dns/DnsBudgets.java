package dev.cove.runtime.egress.dns;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetAddress;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What each sandbox address may ask of the resolver ({@link Dns}): a token bucket ({@link #RATE_PER_SECOND}, burst
 * {@link #RATE_BURST}) shared by its UDP and TCP queries, a cap on its queries in flight
 * ({@link #OUTSTANDING_PER_SOURCE}), and caps on TCP connections ({@link #TCP_PER_SOURCE} per address,
 * {@link #TCP_MAX} in all). A query over a limit is dropped and counted here; the count is logged once a minute.
 *
 * <p>Guarded by the resolver's lock, which also guards its pending table: a query's place in that table and its count
 * against its source change together.
 */
final class DnsBudgets {
    private static final Logger log = LoggerFactory.getLogger(DnsBudgets.class);

    /**
     * Tokens a sandbox address gets per second, and the bucket's size. A stub asks A and AAAA per name (plus search
     * suffixes); a parallel package install or crawler asks a few dozen names a second at its start. 100/s with a
     * burst of 200 never throttles that, while one sandbox cannot keep the upstream busy for everyone else. Kept per
     * source address (a sandbox's IPv4 and IPv6 address have one each).
     */
    static final int RATE_PER_SECOND = 100;
    static final int RATE_BURST = 200;
    /** Queries of one sandbox address waiting for an upstream: stubs keep a few in flight, 32 is plenty for them. */
    static final int OUTSTANDING_PER_SOURCE = 32;
    /** TCP connections per sandbox address (a stub opens one at a time) and in all: each holds a virtual thread. */
    static final int TCP_PER_SOURCE = 4;
    static final int TCP_MAX = 256;
    private static final long SOURCE_IDLE_NANOS = 60_000_000_000L;
    private static final long REPORT_NANOS = 60_000_000_000L;

    private final Object lock;
    private final Map<InetAddress, Source> sources = new HashMap<>();
    private int tcpCount;
    private long lastSourceSweep = System.nanoTime();

    private final AtomicLong dropped = new AtomicLong();
    private long droppedReported;
    private long lastReport = System.nanoTime();

    /** @param lock the resolver's lock, held around every change of the sources and the TCP count */
    DnsBudgets(Object lock) {
        this.lock = lock;
    }

    /** The source's state when it may ask one more query now; null (counted as dropped) when over its rate. */
    Source admit(InetAddress address) {
        long now = System.nanoTime();
        synchronized (lock) {
            Source s = sources.computeIfAbsent(address, a -> new Source(now));
            if (s.take(now)) return s;
        }
        countDropped();
        return null;
    }

    /** Counts a query dropped over a limit. */
    void countDropped() { dropped.incrementAndGet(); }

    /** Queries dropped over a limit (rate, in flight per source, pending table) so far. */
    long dropped() { return dropped.get(); }

    /** True, and counted, when {@code from} may open one more TCP connection; false when over a cap. */
    boolean openTcp(InetAddress from) {
        synchronized (lock) {
            Source src = sources.computeIfAbsent(from, a -> new Source(System.nanoTime()));
            if (tcpCount >= TCP_MAX || src.tcp >= TCP_PER_SOURCE) return false;
            tcpCount++;
            src.tcp++;
            return true;
        }
    }

    /** A TCP connection {@link #openTcp} admitted has closed. */
    void closeTcp(InetAddress from) {
        synchronized (lock) {
            tcpCount--;
            Source src = sources.get(from);
            if (src != null) src.tcp--;
        }
    }

    /** Open TCP connections from sandboxes now. */
    int tcpConnections() {
        synchronized (lock) {
            return tcpCount;
        }
    }

    /** Forgets sources idle for a minute, at most once a minute (the caller holds the lock). */
    void forgetIdleSourcesLocked(long now) {
        if (now - lastSourceSweep > SOURCE_IDLE_NANOS) {
            sources.values().removeIf(s -> s.idle(now));
            lastSourceSweep = now;
        }
    }

    /** Logs the queries dropped since the last report, at most once a minute (only the resolver's timer calls it). */
    void reportDropped(long now) {
        if (now - lastReport > REPORT_NANOS) {
            long d = dropped.get();
            if (d > droppedReported)
                log.info("dns: dropped {} sandbox queries over the resolver's limits in the last minute", d - droppedReported);
            droppedReported = d;
            lastReport = now;
        }
    }

    /** Per sandbox address: its token bucket, queries in flight and TCP connections. Guarded by the lock. */
    static final class Source {
        private double tokens = RATE_BURST;
        private long refilled;
        private long lastSeen;
        private int outstanding;
        private int tcp;

        Source(long now) {
            refilled = now;
            lastSeen = now;
        }

        boolean take(long now) {
            tokens = Math.min(RATE_BURST, tokens + (now - refilled) * (RATE_PER_SECOND / 1e9));
            refilled = now;
            lastSeen = now;
            if (tokens < 1) return false;
            tokens -= 1;
            return true;
        }

        /** True when this source already has its share of the pending table. */
        boolean inFlightFull() { return outstanding >= OUTSTANDING_PER_SOURCE; }

        /** One more of its queries waits for an upstream. */
        void queryPending() { outstanding++; }

        /** One of its queries no longer waits: answered, given up, or the resolver closed. */
        void queryDone() { outstanding--; }

        boolean idle(long now) { return outstanding == 0 && tcp == 0 && now - lastSeen > SOURCE_IDLE_NANOS; }
    }
}
