package dev.cove.edge.upstream;

import dev.cove.edge.connection.Transport;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;

import java.net.InetSocketAddress;

/** Dials a TCP address from the host's own network namespace (the control plane on loopback). */
public record SocketDialer(InetSocketAddress address) implements UpstreamDialer {
    private static final int CONNECT_TIMEOUT_MILLIS = 5_000;

    @Override
    public Future<Channel> dial(EventLoop loop, ChannelHandler handler) {
        Promise<Channel> connected = loop.newPromise();
        ChannelFuture connect = Transport.bootstrap(loop)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, CONNECT_TIMEOUT_MILLIS)
                .handler(handler)
                .connect(address);
        connect.addListener((ChannelFuture f) -> {
            if (f.isSuccess()) connected.setSuccess(f.channel());
            else connected.setFailure(f.cause());
        });
        return connected;
    }
}
