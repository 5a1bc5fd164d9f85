package dev.cove.edge.upstream;

import dev.cove.edge.connection.Transport;

import dev.cove.core.CoveException;
import dev.cove.core.net.SocketTable;
import dev.cove.core.routing.SandboxRoute;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.ConnectTimeoutException;
import io.netty.channel.DefaultChannelId;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * Reaches ports inside sandboxes by creating the upstream socket inside the sandbox's network namespace: a dedicated
 * platform thread enters the namespace ({@code setns}), lets Netty create the channel (the socket is created on the
 * calling thread, and keeps its namespace for life), and steps back out; the event loop then drives the connect
 * and the traffic. So a server bound to {@code 0.0.0.0}, {@code ::}, {@code 127.0.0.1} or {@code ::1} is reached
 * alike, with no DNAT rules and no forwarder process. The event loop never waits for any of this.
 *
 * <pre>
 * dial: 127.0.0.1:port ─refused─▶ [::1]:port ─refused─▶ read the namespace's socket table
 *         │ ok                        │ ok                 ├─ something listens on port at another address: dial it
 *         ▼                           ▼                    ├─ nothing listens on port: 502 port_not_listening (+ open ports)
 *       connected channel, handed to the client's event loop  └─ it listens on loopback, yet refused: 502 upstream_failed
 * </pre>
 *
 * The socket table is read only after a refusal, so the common path costs one thread hop and two setns calls.
 */
public final class NetnsDialer implements SandboxPortDialer, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(NetnsDialer.class);
    private static final InetAddress IPV4_LOOPBACK = InetAddress.ofLiteral("127.0.0.1");
    private static final InetAddress IPV6_LOOPBACK = InetAddress.ofLiteral("::1");

    private final ExecutorService threads;
    private final int hostNetns;
    private final int connectTimeoutMillis;

    /** Two namespace threads (each dial holds one for microseconds) and a 5 s connect timeout. */
    public NetnsDialer() {
        this(2, Duration.ofSeconds(5));
    }

    /**
     * Must be called on a thread in the host's network namespace (any ordinary thread).
     *
     * @throws IllegalStateException the host namespace cannot be opened (not Linux, or /proc is missing)
     */
    public NetnsDialer(int threadCount, Duration connectTimeout) {
        if (threadCount < 1) throw new IllegalArgumentException("threadCount must be at least 1");
        this.connectTimeoutMillis = Math.toIntExact(connectTimeout.toMillis());
        try {
            hostNetns = NetNamespaces.open("/proc/thread-self/ns/net");
        } catch (IOException e) {
            throw new IllegalStateException("Cannot open this process's network namespace: " + e.getMessage(), e);
        }
        // Netty derives a machine id from the network interfaces the first time it makes a channel id; do that here,
        // on a host thread, not inside a sandbox namespace (where it would find only lo and the veth, and warn).
        DefaultChannelId.newInstance();
        threads = Executors.newFixedThreadPool(threadCount, Thread.ofPlatform().daemon().name("cove-netns-", 0).factory());
    }

    @Override
    public UpstreamDialer dialerFor(SandboxRoute route, int port) {
        if (route.netnsPath() == null) {
            throw new CoveException(502, "upstream_failed", "Sandbox " + route.sandboxId()
                    + " has no network to reach port " + port + " in. Try again in a moment; if it persists, check the server's log.");
        }
        return new PortDialer(this, route.sandboxId(), route.netnsPath(), port);
    }

    /** One port of one sandbox; equal for equal targets, so a client connection keeps its upstream between requests. */
    record PortDialer(NetnsDialer owner, String sandboxId, String netnsPath, int port) implements UpstreamDialer {
        @Override
        public Future<Channel> dial(EventLoop loop, ChannelHandler handler) {
            Promise<Channel> result = loop.newPromise();
            owner.attempt(new Dial(this, loop, handler, result), List.of(
                    new InetSocketAddress(IPV4_LOOPBACK, port), new InetSocketAddress(IPV6_LOOPBACK, port)), 0, false);
            return result;
        }

        @Override
        public String toString() { return "port " + port + " of sandbox " + sandboxId + " (" + netnsPath + ")"; }
    }

    private record Dial(PortDialer target, EventLoop loop, ChannelHandler handler, Promise<Channel> result) {}

    /** Tries {@code candidates[index]}, falling through the rest on refusal, then diagnoses (once). */
    private void attempt(Dial dial, List<InetSocketAddress> candidates, int index, boolean diagnosed) {
        onNamespaceThread(dial, () -> {
            if (dial.result().isDone()) return; // the client left meanwhile
            ChannelFuture connect;
            try {
                connect = inNamespace(dial.target().netnsPath(), () -> Transport.bootstrap(dial.loop())
                        .option(ChannelOption.TCP_NODELAY, true)
                        .option(ChannelOption.AUTO_READ, false) // until the real pipeline is in place
                        .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, connectTimeoutMillis)
                        .handler(new ChannelInboundHandlerAdapter())
                        .connect(candidates.get(index)));
            } catch (IOException e) {
                dial.result().tryFailure(namespaceFailure(dial.target(), e));
                return;
            }
            connect.addListener((ChannelFuture f) -> {
                if (f.isSuccess()) {
                    Channel channel = f.channel();
                    channel.pipeline().addLast(dial.handler());
                    if (!dial.result().trySuccess(channel)) channel.close();
                } else if (f.cause() instanceof ConnectTimeoutException) {
                    dial.result().tryFailure(failure(dial.target(), f.cause()));
                } else if (index + 1 < candidates.size()) {
                    // Refused, or this address does not exist here (a namespace without IPv6): try the next one.
                    attempt(dial, candidates, index + 1, diagnosed);
                } else if (!diagnosed) {
                    diagnose(dial, candidates);
                } else {
                    dial.result().tryFailure(boundElsewhere(dial.target(), candidates));
                }
            });
        });
    }

    /** Both loopbacks refused: read the sandbox's socket table to say what does listen, or to find the address. */
    private void diagnose(Dial dial, List<InetSocketAddress> tried) {
        onNamespaceThread(dial, () -> {
            if (dial.result().isDone()) return;
            PortDialer target = dial.target();
            SocketTable table;
            try {
                table = inNamespace(target.netnsPath(), SocketTable::ofCurrentThread);
            } catch (IOException e) {
                dial.result().tryFailure(namespaceFailure(target, e));
                return;
            }
            List<SocketTable.Listener> onPort = table.on(target.port());
            if (onPort.isEmpty()) {
                dial.result().tryFailure(notListening(target, table.ports()));
                return;
            }
            List<InetSocketAddress> elsewhere = new ArrayList<>();
            for (SocketTable.Listener l : onPort) {
                if (!l.reachableByLoopback()) elsewhere.add(new InetSocketAddress(l.address(), l.port()));
            }
            if (elsewhere.isEmpty()) {
                // It listens on an address the edge tried, yet refused: it is starting or stopping right now.
                dial.result().tryFailure(new UpstreamRefusal(502, "upstream_failed", "Port " + target.port()
                        + " of sandbox " + target.sandboxId() + " refused the connection although a server listens "
                        + "on it (" + describe(onPort) + "); it may be starting or stopping. Try again in a moment.",
                        Map.of("listening", List.copyOf(table.ports()))));
                return;
            }
            attempt(dial, elsewhere, 0, true);
        });
    }

    private void onNamespaceThread(Dial dial, Runnable work) {
        try {
            threads.execute(work);
        } catch (RejectedExecutionException closed) {
            dial.result().tryFailure(new UpstreamRefusal(502, "upstream_failed", "The edge is shutting down.", null));
        }
    }

    @FunctionalInterface
    private interface NamespaceWork<T> {
        T run() throws IOException;
    }

    /**
     * Runs {@code work} with the calling (namespace pool) thread inside the namespace at {@code path}, then returns to
     * the host namespace. If it cannot return, the thread is unusable: it dies (an Error ends a pool worker), and the
     * next task starts on a fresh thread, which enters and leaves namespaces explicitly as well.
     */
    private <T> T inNamespace(String path, NamespaceWork<T> work) throws IOException {
        int fd = NetNamespaces.open(path);
        try {
            NetNamespaces.enter(fd);
            try {
                return work.run();
            } finally {
                try {
                    NetNamespaces.enter(hostNetns);
                } catch (IOException e) {
                    log.error("Cannot return a dialer thread to the host network namespace", e);
                    throw new IllegalStateException("dialer thread stuck in " + path, e) {
                        @Override public synchronized Throwable fillInStackTrace() { return this; }
                    };
                }
            }
        } finally {
            NetNamespaces.close(fd);
        }
    }

    private static UpstreamRefusal notListening(PortDialer target, SortedSet<Integer> open) {
        String others = open.isEmpty()
                ? "no port is open in it yet"
                : (open.size() == 1 ? "port " : "ports ") + open.stream().map(String::valueOf).collect(Collectors.joining(", "))
                        + (open.size() == 1 ? " is" : " are") + " open";
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("listening", List.copyOf(open));
        return new UpstreamRefusal(502, "port_not_listening", "Nothing listens on port " + target.port()
                + " in sandbox " + target.sandboxId() + "; " + others + ". Start a server on port " + target.port()
                + " (any of 0.0.0.0, ::, 127.0.0.1 or ::1 works), or use the URL of a port that is open.", details);
    }

    private static UpstreamRefusal boundElsewhere(PortDialer target, List<InetSocketAddress> tried) {
        String where = tried.stream().map(a -> new SocketTable.Listener(a.getAddress(), a.getPort(), 0).toString())
                .collect(Collectors.joining(", "));
        return new UpstreamRefusal(502, "port_not_listening", "Port " + target.port() + " of sandbox "
                + target.sandboxId() + " listens only on " + where + ", which refused the edge's connection. Bind the "
                + "server to 0.0.0.0 (or ::, 127.0.0.1, ::1) instead, so the edge can reach it.",
                Map.of("boundTo", tried.stream().map(a -> SocketTable.text(a.getAddress())).toList()));
    }

    private UpstreamRefusal failure(PortDialer target, Throwable cause) {
        if (cause instanceof ConnectTimeoutException) {
            return new UpstreamRefusal(502, "upstream_failed", "The server on port " + target.port() + " of sandbox "
                    + target.sandboxId() + " did not accept the connection within " + connectTimeoutMillis / 1000.0
                    + " s; it may be overloaded (its accept queue is full) or stopped. Try again in a moment.", null);
        }
        log.warn("Dialing {} failed: {}", target, cause.toString());
        return new UpstreamRefusal(502, "upstream_failed", "The edge could not connect to port " + target.port()
                + " of sandbox " + target.sandboxId() + " (" + cause.getMessage() + "). Try again in a moment.", null);
    }

    private static UpstreamRefusal namespaceFailure(PortDialer target, IOException e) {
        if (e instanceof NetNamespaces.NsException ns && ns.errno == NetNamespaces.ENOENT) {
            return new UpstreamRefusal(502, "upstream_failed", "The network of sandbox " + target.sandboxId()
                    + " is gone; the sandbox is ending or has ended. Check it with Sandbox.getInfo.", null);
        }
        log.warn("Cannot enter the network of {}: {}", target, e.getMessage());
        return new UpstreamRefusal(502, "upstream_failed", "The edge could not enter the network of sandbox "
                + target.sandboxId() + ". Try again in a moment; if it persists, check the server's log.", null);
    }

    private static String describe(List<SocketTable.Listener> listeners) {
        return listeners.stream().map(SocketTable.Listener::toString).collect(Collectors.joining(", "));
    }

    @Override
    public void close() {
        threads.shutdown();
        try {
            if (threads.awaitTermination(5, TimeUnit.SECONDS)) NetNamespaces.close(hostNetns);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
