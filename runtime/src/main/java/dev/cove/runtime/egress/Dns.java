package dev.cove.runtime.egress;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

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
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Predicate;

/**
 * The sandboxes' resolver: one UDP and one TCP listener on the same port of the host, reached only through the
 * firewall's redirect of a sandbox's port 53 to its host-side veth address. Queries are relayed as they are to the
 * upstream resolvers; answers never open anything in the firewall. Also a tiny A/AAAA client for the egress filter,
 * so it connects to what the same upstream says a name is.
 */
public final class Dns implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Dns.class);
    private static final int TIMEOUT_MS = 2000;

    private final List<InetSocketAddress> upstreams;
    private final Predicate<InetAddress> isSandbox;
    private final DatagramSocket udp;
    private final ServerSocket tcp;
    private volatile boolean closed;

    public Dns(List<String> upstreams, Predicate<InetAddress> isSandbox) throws IOException {
        this.upstreams = parseUpstreams(upstreams);
        this.isSandbox = isSandbox;
        DatagramSocket u = null;
        ServerSocket t = null;
        for (int attempt = 0; attempt < 20 && t == null; attempt++) {
            if (u != null) u.close();
            u = new DatagramSocket(new InetSocketAddress(InetAddress.getByName("::"), 0));
            try {
                t = new ServerSocket();
                t.setReuseAddress(true);
                t.bind(new InetSocketAddress(InetAddress.getByName("::"), u.getLocalPort()), 256);
            } catch (IOException e) {
                t.close();
                t = null;
            }
        }
        if (t == null) throw new IOException("no port free for both UDP and TCP DNS");
        this.udp = u;
        this.tcp = t;
        Thread.ofPlatform().daemon().name("cove-dns-udp").start(this::udpLoop);
        Thread.ofPlatform().daemon().name("cove-dns-tcp").start(this::tcpLoop);
    }

    public int port() { return udp.getLocalPort(); }

    public List<InetSocketAddress> upstreams() { return upstreams; }

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

    private void udpLoop() {
        byte[] buf = new byte[4096];
        while (!closed) {
            try {
                DatagramPacket p = new DatagramPacket(buf, buf.length);
                udp.receive(p);
                if (!isSandbox.test(p.getAddress())) continue; // not one of ours: no open resolver
                byte[] query = java.util.Arrays.copyOf(p.getData(), p.getLength());
                InetSocketAddress from = (InetSocketAddress) p.getSocketAddress();
                Thread.ofVirtual().name("cove-dns").start(() -> {
                    byte[] answer = relayUdp(query);
                    if (answer == null) answer = servfail(query);
                    if (answer == null) return;
                    try {
                        udp.send(new DatagramPacket(answer, answer.length, from));
                    } catch (IOException e) {
                        log.debug("dns: reply to {} failed: {}", from, e.toString());
                    }
                });
            } catch (IOException e) {
                if (!closed) log.debug("dns: {}", e.toString());
            }
        }
    }

    private void tcpLoop() {
        while (!closed) {
            try {
                Socket s = tcp.accept();
                if (!isSandbox.test(s.getInetAddress())) {
                    s.close();
                    continue;
                }
                Thread.ofVirtual().name("cove-dns-tcp").start(() -> serveTcp(s));
            } catch (IOException e) {
                if (!closed) log.debug("dns tcp: {}", e.toString());
            }
        }
    }

    private void serveTcp(Socket s) {
        try (s) {
            s.setSoTimeout(10_000);
            DataInputStream in = new DataInputStream(s.getInputStream());
            DataOutputStream out = new DataOutputStream(s.getOutputStream());
            while (true) {
                int len = in.readUnsignedShort();
                byte[] q = in.readNBytes(len);
                if (q.length != len) return;
                byte[] a = relayTcp(q);
                if (a == null) a = servfail(q);
                if (a == null) return;
                out.writeShort(a.length);
                out.write(a);
                out.flush();
            }
        } catch (IOException ignored) {
            // client went away
        }
    }

    /** The upstreams' answer to a raw query over UDP (first that answers), or null. */
    byte[] relayUdp(byte[] query) {
        for (InetSocketAddress up : upstreams) {
            try (DatagramSocket s = new DatagramSocket()) {
                s.setSoTimeout(TIMEOUT_MS);
                s.connect(up); // connected: an ICMP "port unreachable" fails the receive at once instead of waiting
                s.send(new DatagramPacket(query, query.length, up));
                byte[] buf = new byte[65535];
                DatagramPacket p = new DatagramPacket(buf, buf.length);
                long deadline = System.currentTimeMillis() + TIMEOUT_MS;
                while (System.currentTimeMillis() < deadline) {
                    s.receive(p);
                    if (p.getLength() >= 2 && p.getData()[0] == query[0] && p.getData()[1] == query[1])
                        return java.util.Arrays.copyOf(p.getData(), p.getLength());
                }
            } catch (SocketTimeoutException e) {
                log.debug("dns: upstream {} timed out", up);
            } catch (IOException e) {
                log.debug("dns: upstream {}: {}", up, e.toString());
            }
        }
        return null;
    }

    private byte[] relayTcp(byte[] query) {
        for (InetSocketAddress up : upstreams) {
            try (Socket s = new Socket()) {
                s.connect(up, TIMEOUT_MS);
                s.setSoTimeout(TIMEOUT_MS);
                DataOutputStream out = new DataOutputStream(s.getOutputStream());
                out.writeShort(query.length);
                out.write(query);
                out.flush();
                DataInputStream in = new DataInputStream(s.getInputStream());
                int len = in.readUnsignedShort();
                return in.readNBytes(len);
            } catch (IOException e) {
                log.debug("dns tcp: upstream {}: {}", up, e.toString());
            }
        }
        return relayUdp(query);
    }

    /** The query turned into a SERVFAIL answer, so the sandbox's resolver gives up at once instead of waiting. */
    static byte[] servfail(byte[] q) {
        if (q.length < 12) return null;
        byte[] a = q.clone();
        a[2] = (byte) (0x80 | (q[2] & 0x79)); // QR=1, keep opcode and RD
        a[3] = (byte) 0x82; // RA=1, RCODE=2 (SERVFAIL)
        return a;
    }

    private record Cached(long expiresNanos, List<InetAddress> addresses) {}

    private static final long CACHE_NANOS = 5_000_000_000L;
    private static final int CACHE_MAX = 4096;
    private final java.util.Map<String, Cached> cache = new java.util.concurrent.ConcurrentHashMap<>();

    /**
     * A and AAAA records of {@code name} as the upstream resolvers say (IPv4 first); empty when none. Kept for 5 s
     * (the egress filter asks once per connection).
     */
    public List<InetAddress> resolve(String name) {
        long now = System.nanoTime();
        Cached c = cache.get(name);
        if (c != null && c.expiresNanos() - now > 0) return c.addresses();
        List<InetAddress> out = new ArrayList<>();
        for (int type : new int[] {1, 28}) {
            byte[] answer = relayUdp(query(name, type));
            if (answer != null) out.addAll(addresses(answer, type));
        }
        if (cache.size() >= CACHE_MAX) cache.clear();
        cache.put(name, new Cached(now + CACHE_NANOS, List.copyOf(out)));
        return out;
    }

    static byte[] query(String name, int type) {
        ByteBuffer b = ByteBuffer.allocate(512);
        b.putShort((short) ThreadLocalRandom.current().nextInt(65536)).putShort((short) 0x0100).putShort((short) 1)
                .putShort((short) 0).putShort((short) 0).putShort((short) 0);
        for (String label : name.split("\\.")) {
            if (label.isEmpty()) continue;
            byte[] l = label.getBytes(StandardCharsets.US_ASCII);
            b.put((byte) l.length).put(l);
        }
        b.put((byte) 0).putShort((short) type).putShort((short) 1);
        return java.util.Arrays.copyOf(b.array(), b.position());
    }

    static List<InetAddress> addresses(byte[] msg, int type) {
        List<InetAddress> out = new ArrayList<>();
        try {
            ByteBuffer b = ByteBuffer.wrap(msg);
            int qd = b.getShort(4) & 0xFFFF, an = b.getShort(6) & 0xFFFF;
            if ((b.get(3) & 0x0F) != 0) return out;
            b.position(12);
            for (int i = 0; i < qd; i++) {
                skipName(b);
                b.position(b.position() + 4);
            }
            for (int i = 0; i < an; i++) {
                skipName(b);
                int t = b.getShort() & 0xFFFF;
                b.getShort();
                b.getInt();
                int rdlen = b.getShort() & 0xFFFF;
                if (t == type && (rdlen == 4 || rdlen == 16)) {
                    byte[] a = new byte[rdlen];
                    b.get(a);
                    out.add(InetAddress.getByAddress(a));
                } else {
                    b.position(b.position() + rdlen);
                }
            }
        } catch (RuntimeException | java.net.UnknownHostException e) {
            // malformed: what we have
        }
        return out;
    }

    private static void skipName(ByteBuffer b) {
        while (true) {
            int len = b.get() & 0xFF;
            if (len == 0) return;
            if ((len & 0xC0) == 0xC0) {
                b.get();
                return;
            }
            b.position(b.position() + len);
        }
    }

    @Override
    public void close() {
        closed = true;
        udp.close();
        try {
            tcp.close();
        } catch (IOException ignored) {
            // closing
        }
    }
}
