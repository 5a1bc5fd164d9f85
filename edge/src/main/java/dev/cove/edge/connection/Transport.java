package dev.cove.edge.connection;


import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.IoEventLoop;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.ServerSocketChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.channel.uring.IoUring;
import io.netty.channel.uring.IoUringIoHandler;
import io.netty.channel.uring.IoUringServerSocketChannel;
import io.netty.channel.uring.IoUringSocketChannel;

import java.util.List;

/**
 * The edge's I/O: io_uring where the kernel and the process's seccomp profile allow it, epoll where they do not (a
 * container whose profile refuses {@code io_uring_setup}, a kernel with it switched off), NIO off Linux. Measured on
 * 2 cores shared by client, edge and upstream (bench/edge-vs-nginx.sh): io_uring with one event loop per core costs
 * about a fifth less CPU per proxied request than epoll with two loops per core (10.0–11.5 against 13.1–14.3 µs;
 * nginx 11.3–13.2 µs); epoll needs two loops per core for its p99 (one triples it), io_uring loses its saving with
 * two. Netty's buffer rings (multishot receive) saved another ~7 % but stalled single connections: p99 added at light
 * load went from under 0.1 ms to 0.3–10 ms; reads here are one receive each.
 *
 * <p>An upstream channel must be of the kind its event loop drives: dialers ask {@link #of(EventLoop)}.
 */
public enum Transport {
    IO_URING("io_uring", 1), EPOLL("epoll", 2), NIO("nio", 2);

    static {
        // Netty reads io_uring channels after a POLLIN poll, and 4.2.18 arms that poll as multishot, which is
        // edge-triggered: when a peer's data and its connection reset arrive together, the read after the data waits
        // for an edge that never comes, and the channel never learns the connection is gone (an upstream dying
        // mid-response left its client waiting forever). One-shot polls see the reset
        // (TransportTest.ioUringSeesAResetThatComesWithData). Set before IoUring reads its settings; an operator's own
        // -D wins.
        if (System.getProperty("io.netty.iouring.pollAddMultishotEnabled") == null) {
            System.setProperty("io.netty.iouring.pollAddMultishotEnabled", "false");
        }
    }

    /**
     * The buffers of every edge channel, client and upstream legs alike. Netty's pooled allocator (per-thread caches
     * over arenas) rather than 4.2's adaptive default: a proxied request allocates a few small buffers per leg, and
     * on this workload the pooled one costs about a microsecond less per request (bench/edge-vs-nginx.sh).
     */
    public static final ByteBufAllocator ALLOCATOR = PooledByteBufAllocator.DEFAULT;

    /** What {@code --edge-transport} takes: a transport by name, or {@code auto}. */
    public static final List<String> CHOICES = List.of("auto", "io_uring", "epoll", "nio");

    private final String choice;
    private final int loopsPerCore;

    Transport(String choice, int loopsPerCore) {
        this.choice = choice;
        this.loopsPerCore = loopsPerCore;
    }

    /** The name {@code --edge-transport} takes for it. */
    public String choice() { return choice; }

    /** Event loops per available processor when the operator does not say how many. */
    public int loopsPerCore() { return loopsPerCore; }

    /** What was asked for and what runs: they differ when the asked-for transport is not available here. */
    public record Chosen(Transport transport, String fallbackReason) {}

    /**
     * The transport for {@code name} (one of {@link #CHOICES}): {@code auto} takes the best available; a named one
     * that is not available here falls back as {@code auto} would, with the reason.
     */
    public static Chosen choose(String name) {
        if (!CHOICES.contains(name)) {
            throw new IllegalArgumentException("transport must be one of " + CHOICES + ", got '" + name + "'");
        }
        if (name.equals("nio")) return new Chosen(NIO, null);
        if (name.equals("auto") || name.equals("io_uring")) {
            if (ioUringAvailable()) return new Chosen(IO_URING, null);
            if (name.equals("io_uring")) return new Chosen(Epoll.isAvailable() ? EPOLL : NIO, "io_uring is not available: " + IoUring.unavailabilityCause());
        }
        if (Epoll.isAvailable()) return new Chosen(EPOLL, null);
        return new Chosen(NIO, name.equals("epoll") ? "epoll is not available: " + Epoll.unavailabilityCause() : null);
    }

    /** Whether io_uring runs here; asking through this class sets Netty's io_uring settings first (see above). */
    static boolean ioUringAvailable() {
        return IoUring.isAvailable();
    }

    /** The transport that drives {@code loop}, so a channel made for it registers there. */
    static Transport of(EventLoop loop) {
        if (loop instanceof IoEventLoop io) {
            if (io.isIoType(IoUringIoHandler.class)) return IO_URING;
            if (io.isIoType(EpollIoHandler.class)) return EPOLL;
        }
        return NIO;
    }

    public IoHandlerFactory ioHandlerFactory() {
        return switch (this) {
            case IO_URING -> IoUringIoHandler.newFactory();
            case EPOLL -> EpollIoHandler.newFactory();
            case NIO -> NioIoHandler.newFactory();
        };
    }

    /** A bootstrap for connections out of {@code loop}: the channel kind its transport needs, the edge's buffers. */
    public static Bootstrap bootstrap(EventLoop loop) {
        return new Bootstrap().group(loop).channel(of(loop).socketChannel()).option(ChannelOption.ALLOCATOR, ALLOCATOR);
    }

    public Class<? extends ServerSocketChannel> serverChannel() {
        return switch (this) {
            case IO_URING -> IoUringServerSocketChannel.class;
            case EPOLL -> EpollServerSocketChannel.class;
            case NIO -> NioServerSocketChannel.class;
        };
    }

    Class<? extends SocketChannel> socketChannel() {
        return switch (this) {
            case IO_URING -> IoUringSocketChannel.class;
            case EPOLL -> EpollSocketChannel.class;
            case NIO -> NioSocketChannel.class;
        };
    }
}
