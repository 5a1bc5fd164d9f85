package dev.cove.edge.upstream;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Future;

/**
 * Opens the upstream leg of a proxied exchange. The edge pins one upstream connection per client connection
 * (per HTTP/2 stream) and reuses it while requests go to an equal dialer, so implementations should have value
 * equality (records).
 *
 * <p>The contract leaves room for a dialer that cannot connect on the event loop itself: {@link NetnsDialer} creates
 * the socket on a platform thread that has entered the sandbox's network namespace, then lets {@code loop} drive it. Either way the returned channel must be registered with {@code loop}, so both legs of an
 * exchange run on one thread and need no locking.
 */
public interface UpstreamDialer {
    /**
     * @param loop    the downstream channel's event loop; the new channel must be registered with it
     * @param handler the upstream pipeline (an initializer), to install as the channel's handler
     * @return completes with the connected channel, or fails with the reason the connection could not be made
     */
    Future<Channel> dial(EventLoop loop, ChannelHandler handler);
}
