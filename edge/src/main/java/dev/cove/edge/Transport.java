package dev.cove.edge;

import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
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

/** Native epoll when the platform has it, NIO otherwise. Upstream channels must use the same kind as their event loop. */
enum Transport {
    EPOLL, NIO;

    /** Chosen once per JVM: every event loop of the edge and every dialer agree. */
    static final Transport CURRENT = Epoll.isAvailable() ? EPOLL : NIO;

    /**
     * The buffers of every edge channel, client and upstream legs alike. Netty's pooled allocator (per-thread caches
     * over arenas) rather than 4.2's adaptive default: a proxied request allocates a few small buffers per leg, and
     * on this workload the pooled one costs about a microsecond less per request (bench/edge-vs-nginx.sh).
     */
    static final ByteBufAllocator ALLOCATOR = PooledByteBufAllocator.DEFAULT;

    IoHandlerFactory ioHandlerFactory() {
        return this == EPOLL ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
    }

    Class<? extends ServerSocketChannel> serverChannel() {
        return this == EPOLL ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
    }

    Class<? extends SocketChannel> socketChannel() {
        return this == EPOLL ? EpollSocketChannel.class : NioSocketChannel.class;
    }
}
