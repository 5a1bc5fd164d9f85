package dev.cove.runtime.egress.dns;

import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Type;

import java.io.IOException;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The egress filter's A/AAAA client ({@link Dns#resolve}): it asks through the resolver's own pending table and
 * upstreams, so the filter connects to what the same upstream told the sandbox a name is. Answers are kept for 5 s
 * (the filter asks once per connection); incomplete ones (an upstream failed or was late) are not kept.
 */
final class DnsLookups {
    /** Sends a query through the resolver's pending table; false when it was dropped over a limit. */
    interface Relay {
        /** @param answer gets the upstream's answer (the query's ID restored), or null when the resolver closed */
        boolean send(Message query, byte[] wire, Consumer<byte[]> answer);
    }

    private record Cached(long expiresNanos, List<InetAddress> addresses) {}

    private static final long CACHE_NANOS = 5_000_000_000L;
    private static final int CACHE_MAX = 4096;
    private final Map<String, Cached> cache = new ConcurrentHashMap<>();

    private final DnsVerdicts verdicts;
    private final Relay relay;
    private final long waitNanos;

    /** @param waitNanos how long to wait for both answers: past the resolver's giving up, so it answers first */
    DnsLookups(DnsVerdicts verdicts, Relay relay, long waitNanos) {
        this.verdicts = verdicts;
        this.relay = relay;
        this.waitNanos = waitNanos;
    }

    /** A and AAAA records of {@code name} (IPv4 first); empty when none, and for host-internal names. */
    List<InetAddress> resolve(String name) {
        String key = name.toLowerCase(Locale.ROOT);
        long now = System.nanoTime();
        Cached c = cache.get(key);
        if (c != null && c.expiresNanos() - now > 0) return c.addresses();
        Name n = DnsMessages.absoluteOrNull(key);
        if (n == null || n.equals(Name.root) || verdicts.hostInternal(n)) return List.of();
        List<CompletableFuture<byte[]>> answers = new ArrayList<>();
        for (int type : new int[] {Type.A, Type.AAAA}) {
            CompletableFuture<byte[]> f = new CompletableFuture<>();
            answers.add(f);
            try {
                byte[] wire = DnsMessages.query(n.toString(), type);
                if (!relay.send(new Message(wire), wire, f::complete)) f.complete(null);
            } catch (IOException e) {
                f.complete(null);
            }
        }
        List<InetAddress> out = new ArrayList<>();
        boolean complete = true;
        for (int i = 0; i < answers.size(); i++) {
            byte[] a;
            try {
                a = answers.get(i).get(Math.max(1, waitNanos - (System.nanoTime() - now)), TimeUnit.NANOSECONDS);
            } catch (Exception e) { // timed out, or interrupted
                if (e instanceof InterruptedException) Thread.currentThread().interrupt();
                a = null;
            }
            if (a == null || DnsMessages.rcode(a) == Rcode.SERVFAIL) complete = false;
            else out.addAll(DnsMessages.addresses(a, i == 0 ? Type.A : Type.AAAA));
        }
        if (complete) {
            if (cache.size() >= CACHE_MAX) cache.clear();
            cache.put(key, new Cached(now + CACHE_NANOS, List.copyOf(out)));
        }
        return out;
    }
}
