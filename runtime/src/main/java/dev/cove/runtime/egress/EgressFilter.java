package dev.cove.runtime.egress;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The transparent filter for domain rules: the firewall redirects a sandbox's TCP 80 and 443 (to addresses its
 * policy does not allow by address) here. It reads the first bytes, the HTTP {@code Host} header or the TLS
 * ClientHello's SNI, asks the policy, and then connects to that name as Cove's upstream resolver sees it (not to the
 * address the sandbox dialed, so an allowed name cannot be pointed at an arbitrary address) and splices the bytes.
 * The name's addresses must pass the node's always-deny ranges too, so a name resolving to the host or to another
 * sandbox gets nowhere. A refusal is an HTTP 403 naming the rule (port 80) or a TCP reset (443).
 *
 * <p>Bounded: a sandbox has at most {@link #PER_SANDBOX} connections through the filter at once (more are reset and
 * logged as denials), a request head must arrive within 10 s, and a spliced connection idle in both directions for
 * {@link #IDLE_MS} is closed, so a sandbox cannot pin the node's threads and file descriptors.
 */
public final class EgressFilter implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(EgressFilter.class);
    private static final int MAX_HEAD = 16 * 1024;
    private static final int CONNECT_TIMEOUT_MS = 5000;
    /** Connections through the filter per sandbox: far above what a package manager opens in parallel. */
    static final int PER_SANDBOX = 128;
    /** A spliced connection with no byte either way for this long is closed. */
    static final long IDLE_MS = 10 * 60_000;
    private static final int IDLE_CHECK_MS = 30_000;

    /** What the filter needs from the node. */
    public interface Decider {
        /** The sandbox with this source address, or null. */
        Egress.SandboxEgress sandbox(InetAddress source);

        /** Addresses of {@code name} the sandbox may reach (always-deny ranges removed). */
        List<InetAddress> resolveAllowed(String name);
    }

    private final Decider decider;
    private final ServerSocket http;
    private final ServerSocket tls;
    private final Set<Spliced> open = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;

    /** One spliced connection, so a policy change can cut it. */
    record Spliced(Egress.SandboxEgress sandbox, String name, Socket client, Socket upstream) {
        void close() {
            try {
                client.setSoLinger(true, 0);
            } catch (IOException ignored) {
                // closing anyway
            }
            quietly(client);
            quietly(upstream);
        }
    }

    public EgressFilter(Decider decider) throws IOException {
        this.decider = decider;
        this.http = listen();
        this.tls = listen();
        Thread.ofPlatform().daemon().name("cove-egress-http").start(() -> accept(http, false));
        Thread.ofPlatform().daemon().name("cove-egress-tls").start(() -> accept(tls, true));
    }

    private static ServerSocket listen() throws IOException {
        ServerSocket s = new ServerSocket();
        s.bind(new InetSocketAddress(InetAddress.getByName("::"), 0), 1024);
        return s;
    }

    public int httpPort() { return http.getLocalPort(); }

    public int tlsPort() { return tls.getLocalPort(); }

    private void accept(ServerSocket server, boolean isTls) {
        while (!closed) {
            try {
                Socket c = server.accept();
                Thread.ofVirtual().name("cove-egress").start(() -> handle(c, isTls));
            } catch (IOException e) {
                if (!closed) log.debug("egress filter: {}", e.toString());
            }
        }
    }

    private void handle(Socket client, boolean isTls) {
        Egress.SandboxEgress sb = decider.sandbox(client.getInetAddress());
        if (sb == null) {
            reset(client);
            return;
        }
        if (sb.filterConnections.incrementAndGet() > PER_SANDBOX) {
            sb.filterConnections.decrementAndGet();
            sb.deny("tcp", "?", isTls ? 443 : 80, "filter-budget", "over the sandbox's budget of " + PER_SANDBOX
                    + " connections through the egress filter");
            reset(client);
            return;
        }
        try {
            relay(sb, client, isTls);
        } finally {
            sb.filterConnections.decrementAndGet();
        }
    }

    private void relay(Egress.SandboxEgress sb, Socket client, boolean isTls) {
        String name = null;
        try {
            client.setSoTimeout(10_000);
            client.setTcpNoDelay(true);
            InputStream in = client.getInputStream();
            byte[] head = new byte[MAX_HEAD];
            int n = 0;
            while (n < MAX_HEAD) {
                int r = in.read(head, n, MAX_HEAD - n);
                if (r < 0) break;
                n += r;
                name = isTls ? sni(head, n) : httpHost(head, n);
                if (name != null || (isTls ? tlsComplete(head, n) : httpHeadComplete(head, n))) break;
            }
            int port = isTls ? 443 : 80;
            if (name == null || name.isEmpty()) {
                sb.deny("tcp", "?", port, "no-name", "no " + (isTls ? "TLS SNI" : "HTTP Host header")
                        + " to check against the domain rules of allowOut");
                refuse(client, isTls, "no " + (isTls ? "SNI" : "Host header"));
                return;
            }
            if (!sb.policy().allowsName(name)) {
                sb.deny("tcp", name, port, "domain", name + " is not in allowOut");
                refuse(client, isTls, name + " is not in this sandbox's allowOut");
                return;
            }
            List<InetAddress> targets = decider.resolveAllowed(name);
            if (targets.isEmpty()) {
                sb.deny("tcp", name, port, "domain", name + " does not resolve to an address a sandbox may reach");
                refuse(client, isTls, name + " does not resolve to a reachable address");
                return;
            }
            Socket up = null;
            IOException last = null;
            for (InetAddress t : targets) {
                try {
                    up = new Socket();
                    up.connect(new InetSocketAddress(t, port), CONNECT_TIMEOUT_MS);
                    break;
                } catch (IOException e) {
                    quietly(up);
                    up = null;
                    last = e;
                }
            }
            if (up == null) {
                // the destination itself is unreachable (not a policy decision): reset, like a refused connect
                log.debug("egress filter: {}:{} unreachable: {}", name, port, last);
                reset(client);
                return;
            }
            up.setTcpNoDelay(true);
            client.setSoTimeout(IDLE_CHECK_MS);
            up.setSoTimeout(IDLE_CHECK_MS);
            up.getOutputStream().write(head, 0, n);
            Spliced s = new Spliced(sb, name, client, up);
            open.add(s);
            Socket upstream = up;
            AtomicLong lastActive = new AtomicLong(System.nanoTime());
            Thread back = Thread.ofVirtual().name("cove-egress-back").start(() -> pump(upstream, client, lastActive));
            pump(client, upstream, lastActive);
            try {
                back.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            open.remove(s);
            quietly(client);
            quietly(upstream);
        } catch (IOException e) {
            quietly(client);
        }
    }

    /** Cuts spliced connections of {@code sandbox} whose name its (new) policy no longer allows. */
    public void recheck(Egress.SandboxEgress sandbox) {
        for (Spliced s : List.copyOf(open)) {
            if (s.sandbox() == sandbox && !sandbox.policy().allowsName(s.name())) {
                open.remove(s);
                s.close();
            }
        }
    }

    /** Cuts every spliced connection of the sandbox (it is going away). */
    public void drop(Egress.SandboxEgress sandbox) {
        for (Spliced s : List.copyOf(open)) {
            if (s.sandbox() == sandbox) {
                open.remove(s);
                s.close();
            }
        }
    }

    /** Copies until EOF; a read that times out ends the pair only when neither direction moved for {@link #IDLE_MS}. */
    private static void pump(Socket from, Socket to, AtomicLong lastActive) {
        byte[] buf = new byte[32 * 1024];
        try {
            InputStream in = from.getInputStream();
            OutputStream out = to.getOutputStream();
            while (true) {
                int r;
                try {
                    r = in.read(buf);
                } catch (SocketTimeoutException e) {
                    if (System.nanoTime() - lastActive.get() < IDLE_MS * 1_000_000L) continue;
                    throw e;
                }
                if (r < 0) break;
                lastActive.set(System.nanoTime());
                out.write(buf, 0, r);
            }
            to.shutdownOutput();
        } catch (IOException e) {
            quietly(from);
            quietly(to);
        }
    }

    private static void refuse(Socket client, boolean isTls, String why) {
        if (isTls) {
            reset(client);
            return;
        }
        String body = "{\"code\":403,\"message\":\"blocked by the sandbox's egress policy: " + why.replace("\"", "'") + "\"}\n";
        String resp = "HTTP/1.1 403 Forbidden\r\nContent-Type: application/json\r\nX-Cove-Egress: denied\r\n"
                + "Content-Length: " + body.getBytes(StandardCharsets.UTF_8).length + "\r\nConnection: close\r\n\r\n" + body;
        try {
            client.getOutputStream().write(resp.getBytes(StandardCharsets.UTF_8));
            client.shutdownOutput();
        } catch (IOException ignored) {
            // gone
        }
        quietly(client);
    }

    private static void reset(Socket s) {
        try {
            s.setSoLinger(true, 0);
        } catch (IOException ignored) {
            // closing anyway
        }
        quietly(s);
    }

    private static void quietly(Socket s) {
        if (s == null) return;
        try {
            s.close();
        } catch (IOException ignored) {
            // closing
        }
    }

    // ------------------------------------------------------------------ parsing

    static boolean httpHeadComplete(byte[] b, int n) {
        for (int i = 3; i < n; i++) if (b[i - 3] == '\r' && b[i - 2] == '\n' && b[i - 1] == '\r' && b[i] == '\n') return true;
        return false;
    }

    /** The Host header's name (no port) once the request head is complete; null before. */
    static String httpHost(byte[] b, int n) {
        if (!httpHeadComplete(b, n)) return null;
        String head = new String(b, 0, n, StandardCharsets.ISO_8859_1);
        for (String line : head.split("\r\n")) {
            if (line.isEmpty()) break;
            int colon = line.indexOf(':');
            if (colon > 0 && line.substring(0, colon).strip().equalsIgnoreCase("host")) {
                String h = line.substring(colon + 1).strip().toLowerCase(Locale.ROOT);
                if (h.startsWith("[")) return h.substring(1, Math.max(1, h.indexOf(']')));
                int c = h.lastIndexOf(':');
                return c >= 0 ? h.substring(0, c) : h;
            }
        }
        return "";
    }

    static boolean tlsComplete(byte[] b, int n) {
        if (n < 5) return false;
        if (b[0] != 0x16) return true; // not a TLS handshake: nothing more will tell
        int len = ((b[3] & 0xFF) << 8) | (b[4] & 0xFF);
        return n >= 5 + len;
    }

    /** The SNI host name of a ClientHello in the first TLS record; "" when it has none; null while incomplete. */
    static String sni(byte[] b, int n) {
        if (!tlsComplete(b, n)) return null;
        if (b[0] != 0x16) return "";
        try {
            int recLen = ((b[3] & 0xFF) << 8) | (b[4] & 0xFF);
            int end = Math.min(n, 5 + recLen);
            int p = 5;
            if (b[p] != 0x01) return "";
            p += 4; // handshake type + length
            p += 2 + 32; // version + random
            p += 1 + (b[p] & 0xFF); // session id
            p += 2 + (((b[p] & 0xFF) << 8) | (b[p + 1] & 0xFF)); // cipher suites
            p += 1 + (b[p] & 0xFF); // compression
            if (p + 2 > end) return "";
            int extEnd = Math.min(end, p + 2 + (((b[p] & 0xFF) << 8) | (b[p + 1] & 0xFF)));
            p += 2;
            while (p + 4 <= extEnd) {
                int type = ((b[p] & 0xFF) << 8) | (b[p + 1] & 0xFF);
                int len = ((b[p + 2] & 0xFF) << 8) | (b[p + 3] & 0xFF);
                p += 4;
                if (type == 0) {
                    int q = p + 2; // server name list length
                    while (q + 3 <= p + len) {
                        int nameType = b[q] & 0xFF;
                        int nameLen = ((b[q + 1] & 0xFF) << 8) | (b[q + 2] & 0xFF);
                        q += 3;
                        if (nameType == 0 && q + nameLen <= end)
                            return new String(Arrays.copyOfRange(b, q, q + nameLen), StandardCharsets.US_ASCII)
                                    .toLowerCase(Locale.ROOT);
                        q += nameLen;
                    }
                    return "";
                }
                p += len;
            }
        } catch (ArrayIndexOutOfBoundsException e) {
            return "";
        }
        return "";
    }

    @Override
    public void close() {
        closed = true;
        quietly2(http);
        quietly2(tls);
        for (Spliced s : List.copyOf(open)) s.close();
    }

    private static void quietly2(ServerSocket s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // closing
        }
    }
}
