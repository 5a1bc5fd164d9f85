package dev.cove.runtime.egress;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.function.Consumer;

import static dev.cove.core.linux.Native.CALL_STATE;
import static dev.cove.core.linux.Native.errno;
import static dev.cove.core.linux.Native.function;
import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * Reads the packets nftables logs to an NFLOG group ({@code log group N}) straight from netfilter's netlink socket
 * (no ulogd, no tcpdump): prefix (the rule name), source, destination, protocol and port of each refused packet.
 * Only the first 128 bytes of a packet are copied to us.
 */
public final class NflogReader implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(NflogReader.class);

    /** One logged packet. */
    public record Packet(String prefix, InetAddress source, InetAddress destination, String protocol, int port) {}

    private static final int AF_NETLINK = 16, SOCK_RAW = 3, SOCK_CLOEXEC = 0x80000, NETLINK_NETFILTER = 12;
    private static final int NFNL_SUBSYS_ULOG = 4, NFULNL_MSG_PACKET = 0, NFULNL_MSG_CONFIG = 1;
    private static final int NLM_F_REQUEST = 1, NLM_F_ACK = 4, NLMSG_ERROR = 2;
    private static final int NFULA_CFG_CMD = 1, NFULA_CFG_MODE = 2, NFULA_CFG_QTHRESH = 4, NFULA_CFG_FLAGS = 6;
    private static final int NFULNL_CFG_CMD_BIND = 1, NFULNL_COPY_PACKET = 2;
    private static final int NFULA_PAYLOAD = 9, NFULA_PREFIX = 10;
    private static final short POLLIN = 1;

    private static final MethodHandle SOCKET = function("socket", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle BIND = function("bind", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle SEND = function("send", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));
    private static final MethodHandle RECV = function("recv", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));
    private static final MethodHandle POLL = function("poll", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));
    private static final MethodHandle CLOSE = function("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT));

    private final int fd;
    private final int group;
    private final Thread thread;
    private volatile boolean closed;

    private NflogReader(int fd, int group, Consumer<Packet> sink) {
        this.fd = fd;
        this.group = group;
        this.thread = Thread.ofPlatform().daemon().name("cove-nflog-" + group).start(() -> loop(sink));
    }

    /**
     * Binds the first free group from {@code firstGroup} on (another process may own one: EBUSY), or returns null
     * when netfilter logging is unavailable (denials by address are then counted by nothing but nft counters).
     */
    public static NflogReader open(int firstGroup, Consumer<Packet> sink) {
        for (int g = firstGroup; g < firstGroup + 64 && g <= 0xFFFF; g++) {
            int fd = -1;
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment st = arena.allocate(CALL_STATE);
                fd = (int) SOCKET.invokeExact(st, AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_NETFILTER);
                if (fd < 0) throw new IllegalStateException("netlink socket: errno " + errno(st));
                MemorySegment sa = arena.allocate(12);
                sa.set(ValueLayout.JAVA_SHORT, 0, (short) AF_NETLINK);
                if ((int) BIND.invokeExact(st, fd, sa, 12) < 0) throw new IllegalStateException("bind: errno " + errno(st));
                ByteBuffer bind = config(g, 1, b -> attr(b, NFULA_CFG_CMD, new byte[] {NFULNL_CFG_CMD_BIND}));
                int err = request(fd, bind);
                if (err == -16) { // EBUSY: another listener owns the group
                    close(fd);
                    continue;
                }
                if (err != 0) throw new IllegalStateException("NFLOG bind to group " + g + ": errno " + (-err));
                ByteBuffer mode = config(g, 2, b -> {
                    attr(b, NFULA_CFG_MODE, ByteBuffer.allocate(6).order(ByteOrder.BIG_ENDIAN).putInt(128)
                            .put((byte) NFULNL_COPY_PACKET).put((byte) 0).array());
                    attr(b, NFULA_CFG_QTHRESH, ByteBuffer.allocate(4).order(ByteOrder.BIG_ENDIAN).putInt(1).array());
                    attr(b, NFULA_CFG_FLAGS, ByteBuffer.allocate(2).order(ByteOrder.BIG_ENDIAN).putShort((short) 0).array());
                });
                err = request(fd, mode);
                if (err != 0) throw new IllegalStateException("NFLOG mode: errno " + (-err));
                return new NflogReader(fd, g, sink);
            } catch (Throwable t) {
                if (fd >= 0) close(fd);
                log.warn("egress: cannot read netfilter logs ({}); address denials will not be listed", t.getMessage());
                return null;
            }
        }
        log.warn("egress: NFLOG groups {}..{} are all taken; address denials will not be listed", firstGroup, firstGroup + 63);
        return null;
    }

    public int group() { return group; }

    private interface Attrs { void write(ByteBuffer b); }

    private static ByteBuffer config(int group, int seq, Attrs attrs) {
        ByteBuffer b = ByteBuffer.allocate(256).order(ByteOrder.nativeOrder());
        b.putInt(0).putShort((short) ((NFNL_SUBSYS_ULOG << 8) | NFULNL_MSG_CONFIG))
                .putShort((short) (NLM_F_REQUEST | NLM_F_ACK)).putInt(seq).putInt(0);
        b.put((byte) 0).put((byte) 0).order(ByteOrder.BIG_ENDIAN).putShort((short) group).order(ByteOrder.nativeOrder());
        attrs.write(b);
        b.putInt(0, b.position());
        b.flip();
        return b;
    }

    private static void attr(ByteBuffer b, int type, byte[] value) {
        b.order(ByteOrder.nativeOrder()).putShort((short) (4 + value.length)).putShort((short) type).put(value);
        while (b.position() % 4 != 0) b.put((byte) 0);
    }

    /** Sends one request and returns the kernel's ack code (0 or -errno). */
    private static int request(int fd, ByteBuffer msg) throws Throwable {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment st = arena.allocate(CALL_STATE);
            MemorySegment out = arena.allocate(msg.remaining());
            out.copyFrom(MemorySegment.ofBuffer(msg));
            if ((long) SEND.invokeExact(st, fd, out, out.byteSize(), 0) < 0) return -errno(st);
            MemorySegment in = arena.allocate(4096);
            long n = (long) RECV.invokeExact(st, fd, in, 4096L, 0);
            if (n < 0) return -errno(st);
            ByteBuffer r = in.asSlice(0, n).asByteBuffer().order(ByteOrder.nativeOrder());
            if (n >= 20 && (r.getShort(4) & 0xFFFF) == NLMSG_ERROR) return r.getInt(16);
            return 0;
        }
    }

    private void loop(Consumer<Packet> sink) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment st = arena.allocate(CALL_STATE);
            MemorySegment pfd = arena.allocate(8);
            MemorySegment buf = arena.allocate(1 << 16);
            while (!closed) {
                pfd.set(JAVA_INT, 0, fd);
                pfd.set(ValueLayout.JAVA_SHORT, 4, POLLIN);
                pfd.set(ValueLayout.JAVA_SHORT, 6, (short) 0);
                int ready = (int) POLL.invokeExact(st, pfd, 1L, 300);
                if (ready <= 0 || closed) continue;
                long n = (long) RECV.invokeExact(st, fd, buf, (long) (1 << 16), 0);
                if (n <= 0) continue; // ENOBUFS when we fell behind: some denials are lost, the next ones come
                parse(buf.asSlice(0, n).asByteBuffer().order(ByteOrder.nativeOrder()), sink);
            }
        } catch (Throwable t) {
            if (!closed) log.warn("egress: NFLOG reader stopped: {}", t.toString());
        }
    }

    static void parse(ByteBuffer b, Consumer<Packet> sink) {
        int off = 0;
        while (off + 16 <= b.limit()) {
            int len = b.getInt(off);
            int type = b.getShort(off + 4) & 0xFFFF;
            if (len < 16 || off + len > b.limit()) return;
            if (type == ((NFNL_SUBSYS_ULOG << 8) | NFULNL_MSG_PACKET)) {
                String prefix = "";
                byte[] payload = null;
                int a = off + 20;
                while (a + 4 <= off + len) {
                    int alen = b.getShort(a) & 0xFFFF;
                    int atype = b.getShort(a + 2) & 0x3FFF;
                    if (alen < 4 || a + alen > off + len) break;
                    byte[] v = new byte[alen - 4];
                    b.get(a + 4, v);
                    if (atype == NFULA_PREFIX) {
                        int z = 0;
                        while (z < v.length && v[z] != 0) z++;
                        prefix = new String(v, 0, z, StandardCharsets.US_ASCII);
                    } else if (atype == NFULA_PAYLOAD) {
                        payload = v;
                    }
                    a += (alen + 3) & ~3;
                }
                Packet p = payload == null ? null : packet(prefix, payload);
                if (p != null) {
                    try {
                        sink.accept(p);
                    } catch (RuntimeException e) {
                        log.debug("egress: denial sink failed: {}", e.toString());
                    }
                }
            }
            off += (len + 3) & ~3;
        }
    }

    static Packet packet(String prefix, byte[] p) {
        try {
            if (p.length >= 20 && (p[0] >> 4) == 4) {
                int ihl = (p[0] & 0x0F) * 4;
                int proto = p[9] & 0xFF;
                return new Packet(prefix, InetAddress.getByAddress(Arrays.copyOfRange(p, 12, 16)),
                        InetAddress.getByAddress(Arrays.copyOfRange(p, 16, 20)), protoName(proto, false),
                        port(p, ihl, proto));
            }
            if (p.length >= 40 && ((p[0] >> 4) & 0x0F) == 6) {
                int proto = p[6] & 0xFF;
                return new Packet(prefix, InetAddress.getByAddress(Arrays.copyOfRange(p, 8, 24)),
                        InetAddress.getByAddress(Arrays.copyOfRange(p, 24, 40)), protoName(proto, true),
                        port(p, 40, proto));
            }
        } catch (UnknownHostException ignored) {
            // cannot happen for 4 or 16 bytes
        }
        return null;
    }

    private static int port(byte[] p, int l4, int proto) {
        if ((proto == 6 || proto == 17 || proto == 132) && p.length >= l4 + 4)
            return ((p[l4 + 2] & 0xFF) << 8) | (p[l4 + 3] & 0xFF);
        return 0;
    }

    private static String protoName(int proto, boolean v6) {
        return switch (proto) {
            case 6 -> "tcp";
            case 17 -> "udp";
            case 1 -> "icmp";
            case 58 -> "icmpv6";
            case 132 -> "sctp";
            default -> "ip-proto-" + proto + (v6 ? "" : "");
        };
    }

    private static void close(int fd) {
        try (Arena arena = Arena.ofConfined()) {
            int ignored = (int) CLOSE.invokeExact(arena.allocate(CALL_STATE), fd);
        } catch (Throwable ignored) {
            // nothing to do
        }
    }

    @Override
    public void close() {
        closed = true;
        try {
            thread.join(1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        close(fd);
    }
}
