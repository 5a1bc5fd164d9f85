package dev.cove.edge.connection;

import dev.cove.edge.EdgeConfig;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.util.ReferenceCountUtil;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;

class TransportTest {

    @Test
    void autoTakesIoUringWhereTheHostAllowsItElseEpoll() {
        Transport.Chosen auto = Transport.choose("auto");
        assertThat(auto.transport()).isEqualTo(Transport.ioUringAvailable() ? Transport.IO_URING : Epoll.isAvailable() ? Transport.EPOLL : Transport.NIO);
        assertThat(auto.fallbackReason()).as("auto is never a fallback").isNull();
        assertThat(Transport.choose("epoll").transport()).isEqualTo(Epoll.isAvailable() ? Transport.EPOLL : Transport.NIO);
        assertThat(Transport.choose("nio").transport()).isEqualTo(Transport.NIO);
    }

    @Test
    void ioUringAskedForWhereItIsMissingFallsBackAndSaysWhy() {
        assumeThat(Transport.ioUringAvailable()).as("only where io_uring is refused (seccomp, io_uring_disabled)").isFalse();
        Transport.Chosen chosen = Transport.choose("io_uring");
        assertThat(chosen.transport()).isNotEqualTo(Transport.IO_URING);
        assertThat(chosen.fallbackReason()).startsWith("io_uring is not available");
    }

    @Test
    void unknownTransportsAreRefusedWithTheChoices() {
        assertThatThrownBy(() -> Transport.choose("kqueue")).hasMessageContaining("[auto, io_uring, epoll, nio]").hasMessageContaining("'kqueue'");
        assertThatThrownBy(() -> EdgeConfig.builder("cove.localhost", Path.of("/tmp"), new InetSocketAddress(InetAddress.getLoopbackAddress(), 9))
                .transport("uring").build()).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'uring'");
    }

    /** Dialers make each upstream channel for the transport of the loop it registers on; a mismatch cannot register. */
    @Test
    void eachEventLoopSaysWhichTransportDrivesIt() {
        for (String name : EdgeConfig.TRANSPORTS) {
            Transport transport = Transport.choose(name).transport();
            MultiThreadIoEventLoopGroup group = new MultiThreadIoEventLoopGroup(1, transport.ioHandlerFactory());
            try {
                assertThat(Transport.of(group.next())).as(name).isEqualTo(transport);
            } finally {
                group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
            }
        }
    }

    /**
     * io_uring channels read after a POLLIN poll; Netty's multishot poll missed a reset that came with data, so the
     * channel stayed open for good (see Transport). Five times a server sends a few bytes and resets at once; every
     * channel must see its connection end.
     */
    @Test
    void ioUringSeesAResetThatComesWithData() throws Exception {
        assumeThat(Transport.ioUringAvailable()).as("io_uring runs here").isTrue();
        MultiThreadIoEventLoopGroup group = new MultiThreadIoEventLoopGroup(1, Transport.IO_URING.ioHandlerFactory());
        try (ServerSocket server = new ServerSocket(0, 8, InetAddress.getLoopbackAddress())) {
            for (int i = 0; i < 5; i++) {
                Channel channel = Transport.bootstrap(group.next())
                        .handler(new ChannelInboundHandlerAdapter() {
                            @Override
                            public void channelRead(ChannelHandlerContext ctx, Object msg) { ReferenceCountUtil.release(msg); }
                        })
                        .connect(server.getLocalSocketAddress()).sync().channel();
                try (Socket accepted = server.accept()) {
                    accepted.getOutputStream().write("HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\npartial".getBytes(StandardCharsets.US_ASCII));
                    accepted.setSoLinger(true, 0); // close = reset
                }
                assertThat(channel.closeFuture().await(5, TimeUnit.SECONDS)).as("connection %d noticed the reset", i).isTrue();
            }
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }
}
