package dev.cove.runtime.egress.dns;

import dev.cove.runtime.egress.CompiledPolicy;
import dev.cove.runtime.egress.dns.DnsVerdicts.Verdict;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xbill.DNS.Header;
import org.xbill.DNS.Message;
import org.xbill.DNS.Rcode;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.Closeable;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * The resolver's TCP side, what a stub uses after a truncated UDP answer, on the same port as {@link Dns}'s UDP
 * listener. At most {@link DnsBudgets#TCP_PER_SOURCE} connections per sandbox address and {@link DnsBudgets#TCP_MAX}
 * in all (more are closed at once), {@link #IDLE_MS} idle timeout, a virtual thread each; connections from addresses
 * that are not sandboxes are closed. Every query is decided like a UDP one ({@link DnsVerdicts}) and takes a token
 * from the same bucket (over the rate, the connection is closed: TCP cannot drop one query silently). Relayed queries
 * go to the upstreams over TCP, a connection per query; the caps bound those too, and TCP is what carries answers too
 * large for UDP.
 */
final class DnsTcp implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(DnsTcp.class);

    /** A connection with no query for this long is closed: a stub that fell back to TCP asks at once. */
    static final int IDLE_MS = 10_000;

    private final ServerSocket server;
    private final List<InetSocketAddress> upstreams;
    private final Function<InetAddress, CompiledPolicy> policyOf;
    private final DnsVerdicts verdicts;
    private final DnsBudgets budgets;
    private final long giveUpNanos;
    private final Set<Socket> connections = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;

    /**
     * @param server      bound to the resolver's port; this takes it over
     * @param giveUpNanos how long a relayed query may take over all upstreams before it is answered SERVFAIL
     */
    DnsTcp(ServerSocket server, List<InetSocketAddress> upstreams, Function<InetAddress, CompiledPolicy> policyOf,
           DnsVerdicts verdicts, DnsBudgets budgets, long giveUpNanos) {
        this.server = server;
        this.upstreams = upstreams;
        this.policyOf = policyOf;
        this.verdicts = verdicts;
        this.budgets = budgets;
        this.giveUpNanos = giveUpNanos;
    }

    /** Starts accepting connections. */
    void start() {
        Thread.ofPlatform().daemon().name("cove-dns-tcp").start(this::acceptLoop);
    }

    private void acceptLoop() {
        while (!closed) {
            Socket s;
            try {
                s = server.accept();
            } catch (IOException e) {
                if (closed) return;
                log.debug("dns tcp: {}", e.toString());
                sleepQuietly(); // e.g. out of descriptors: do not spin
                continue;
            }
            InetAddress from = s.getInetAddress();
            boolean opened = false;
            try {
                if (policyOf.apply(from) != null && budgets.openTcp(from)) {
                    opened = true;
                    connections.add(s);
                    Thread.ofVirtual().name("cove-dns-tcp").start(() -> serve(s, from));
                } else {
                    s.close(); // not a sandbox, or over a connection cap
                }
            } catch (IOException | RuntimeException e) {
                log.debug("dns tcp: {}", e.toString());
                if (opened) closeConnection(s, from);
                else closeQuietly(s);
            }
        }
    }

    /** Closes a connection {@link DnsBudgets#openTcp} admitted, and gives its place back once. */
    private void closeConnection(Socket s, InetAddress from) {
        closeQuietly(s);
        if (!connections.remove(s)) return;
        budgets.closeTcp(from);
    }

    private void serve(Socket s, InetAddress from) {
        try {
            s.setSoTimeout(IDLE_MS);
            DataInputStream in = new DataInputStream(new BufferedInputStream(s.getInputStream()));
            DataOutputStream out = new DataOutputStream(new BufferedOutputStream(s.getOutputStream()));
            while (!closed) {
                int len = in.readUnsignedShort();
                if (len > DnsMessages.MAX_QUERY) return;
                byte[] q = in.readNBytes(len);
                if (q.length != len) return;
                CompiledPolicy policy = policyOf.apply(from);
                if (policy == null || budgets.admit(from) == null) return; // gone, or over its rate
                Verdict v = verdicts.decide(q, policy);
                byte[] a = v.local() != null ? v.local() : v.query() != null ? relay(v.query(), q) : null;
                if (a == null) return;
                out.writeShort(a.length);
                out.write(a);
                out.flush();
            }
        } catch (IOException e) {
            // the client went away or idled out
        } catch (RuntimeException e) {
            log.debug("dns tcp: {}", e.toString());
        } finally {
            closeConnection(s, from);
        }
    }

    /** The upstreams' answer to a query over TCP, a connection per query (first that answers), or SERVFAIL. */
    private byte[] relay(Message query, byte[] wire) {
        long deadline = System.nanoTime() + giveUpNanos;
        int end = DnsMessages.questionEnd(wire);
        for (int i = 0; i < upstreams.size() && !closed; i++) {
            InetSocketAddress up = upstreams.get(i);
            long left = (deadline - System.nanoTime()) / 1_000_000;
            if (left <= 0) break;
            int budget = (int) Math.max(1, left / (upstreams.size() - i)); // leave the others their turn
            try (Socket u = new Socket()) {
                u.connect(up, Math.min(budget, Dns.TRY_MS));
                u.setSoTimeout(budget);
                DataOutputStream out = new DataOutputStream(new BufferedOutputStream(u.getOutputStream()));
                out.writeShort(wire.length);
                out.write(wire);
                out.flush();
                DataInputStream in = new DataInputStream(new BufferedInputStream(u.getInputStream()));
                int len = in.readUnsignedShort();
                byte[] a = in.readNBytes(len);
                if (a.length == len && len >= Header.LENGTH && a[0] == wire[0] && a[1] == wire[1]
                        && DnsMessages.sameQuestion(ByteBuffer.wrap(a), wire, end)) return a;
            } catch (IOException e) {
                log.debug("dns tcp: upstream {}: {}", up, e.toString());
            }
        }
        return DnsMessages.answer(query, Rcode.SERVFAIL);
    }

    private static void closeQuietly(Closeable c) {
        try {
            c.close();
        } catch (IOException ignored) {
            // closing
        }
    }

    private static void sleepQuietly() {
        try {
            Thread.sleep(50);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Stops accepting and closes every open connection (their threads give their places back). */
    @Override
    public void close() {
        closed = true;
        closeQuietly(server);
        for (Socket s : connections) closeQuietly(s);
    }
}
