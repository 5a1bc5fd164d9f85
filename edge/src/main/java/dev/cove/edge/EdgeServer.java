package dev.cove.edge;

import dev.cove.edge.connection.ConnectionLimits;
import dev.cove.edge.connection.Transport;
import dev.cove.edge.metrics.EdgeMetrics;
import dev.cove.edge.metrics.MetricsEndpoint;
import dev.cove.edge.relay.ExchangeLog;
import dev.cove.edge.routing.Router;
import dev.cove.edge.security.PortAccessCheck;
import dev.cove.edge.tls.TlsMaterial;
import dev.cove.edge.upstream.NetnsDialer;
import dev.cove.edge.upstream.SandboxPortDialer;
import dev.cove.edge.upstream.SocketDialer;

import dev.cove.core.routing.NodeForwardSignature;
import dev.cove.core.routing.PortAccessAudit;
import dev.cove.core.routing.LinkTokens;
import dev.cove.core.routing.SandboxDirectory;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.handler.ssl.SslContext;
import io.netty.util.ResourceLeakDetector;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.GlobalEventExecutor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * The edge: binds the HTTP and HTTPS ports and serves them until closed.
 *
 * <pre>{@code
 * EdgeConfig config = EdgeConfig.builder("cove.localhost", dataDir, controlPlaneAddress).build();
 * try (EdgeServer edge = new EdgeServer(config, routeTable).start()) {
 *     edge.httpsPort(); edge.caCertificate();   // <dataDir>/tls/ca.crt
 * }
 * }</pre>
 */
public final class EdgeServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(EdgeServer.class);

    private final EdgeConfig config;
    private final SandboxDirectory directory;
    private final SandboxPortDialer sandboxPorts;
    /** The netns dialer this server made itself (and closes), or null when the caller passed one. */
    private final NetnsDialer ownDialer;
    private final EdgeMetrics metrics = new EdgeMetrics();

    private EventLoopGroup group;
    private Transport transport;
    private int eventLoops;
    private TlsMaterial tls;
    private final List<Channel> listeners = new ArrayList<>();
    private final ChannelGroup clients = new DefaultChannelGroup("cove-edge-clients", GlobalEventExecutor.INSTANCE);
    private int httpPort = -1;
    private int httpsPort = -1;
    private int metricsPort = -1;
    private LinkTokens linkTokens;
    private PortAccessAudit audit = PortAccessAudit.NONE;
    private NodeForwardSignature nodeSignature;

    /** An edge that reaches sandbox ports by dialing inside their network namespaces ({@link NetnsDialer}). */
    public EdgeServer(EdgeConfig config, SandboxDirectory directory) {
        this(config, directory, null, new NetnsDialer());
    }

    /**
     * @param directory    answers sandbox lookups from memory, on event loops (must never block)
     * @param sandboxPorts reaches ports inside running sandboxes
     */
    public EdgeServer(EdgeConfig config, SandboxDirectory directory, SandboxPortDialer sandboxPorts) {
        this(config, directory, Objects.requireNonNull(sandboxPorts, "sandboxPorts"), null);
    }

    private EdgeServer(EdgeConfig config, SandboxDirectory directory, SandboxPortDialer given, NetnsDialer own) {
        this.config = Objects.requireNonNull(config, "config");
        this.directory = Objects.requireNonNull(directory, "directory");
        this.sandboxPorts = given != null ? given : own;
        this.ownDialer = own;
    }

    /**
     * Turns Netty's leak detection off for this JVM unless the operator chose a level
     * ({@code -Dio.netty.leakDetection.level=simple} brings the sampling back). By default Netty tracks one buffer in
     * 128 with a stack trace, which costs the edge about a microsecond per proxied request (0.6 to 1.2 µs measured);
     * the edge's own tests track every buffer and fail on a leak instead. Call once, at process start.
     */
    public static void turnOffLeakSamplingUnlessSet() {
        if (System.getProperty("io.netty.leakDetection.level") == null && System.getProperty("io.netty.leakDetectionLevel") == null) {
            ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.DISABLED);
        }
    }

    /** Verifies share-link tokens (the control plane mints them with the same secret). Set before {@link #start()}. */
    public synchronized EdgeServer linkTokens(LinkTokens tokens) {
        this.linkTokens = tokens;
        return this;
    }

    /**
     * The cluster's node-to-node signature: requests this edge forwards to another node are signed with it, and only
     * signed ones from other nodes have their original client's address and scheme trusted. Set before {@link #start()}.
     */
    public synchronized EdgeServer nodeSignature(NodeForwardSignature signature) {
        this.nodeSignature = signature;
        return this;
    }

    /** Receives every answered request to a sandbox port (it must not block). Set before {@link #start()}. */
    public synchronized EdgeServer audit(PortAccessAudit audit) {
        this.audit = Objects.requireNonNull(audit, "audit");
        return this;
    }

    /**
     * Prepares the TLS material (first start: a new local CA) and binds the ports.
     *
     * @throws IOException the TLS material cannot be read or written, or a port cannot be bound (the message says which)
     */
    public synchronized EdgeServer start() throws IOException {
        if (group != null) throw new IllegalStateException("already started");
        tls = TlsMaterial.loadOrCreate(config.dataDir().resolve("tls"), config.domain());
        SslContext ssl = tls.newServerSslContext();
        Router router = new Router(config.domain(), directory, new SocketDialer(config.controlPlane()), sandboxPorts,
                new PortAccessCheck(linkTokens, Clock.systemUTC()), nodeSignature);
        ExchangeLog exchangeLog = new ExchangeLog(metrics, audit, config.accessLog());
        ConnectionLimits limits = new ConnectionLimits(config.maxConnections(), config.maxConnectionsPerSandbox(), metrics);
        Transport.Chosen chosen = Transport.choose(config.transport());
        if (chosen.fallbackReason() != null) {
            log.warn("Edge transport {} asked for; {}; running on {}", config.transport(), chosen.fallbackReason(), chosen.transport().choice());
        }
        try {
            group = newEventLoops(chosen.transport());
        } catch (RuntimeException e) {
            // io_uring probed fine, yet a ring per event loop could not be made (locked-memory limits on older kernels).
            if (chosen.transport() != Transport.IO_URING) throw e;
            log.warn("Edge transport io_uring could not start its event loops ({}); running on epoll", e.toString());
            group = newEventLoops(Transport.choose("epoll").transport());
        }
        try {
            if (config.httpPort() >= 0) httpPort = bind(config.httpPort(), new EdgeInitializer(config, router, null, metrics, limits, exchangeLog, clients));
            if (config.httpsPort() >= 0) httpsPort = bind(config.httpsPort(), new EdgeInitializer(config, router, ssl, metrics, limits, exchangeLog, clients));
            if (config.metricsPort() >= 0) metricsPort = bindMetrics();
        } catch (IOException | RuntimeException e) {
            close();
            throw e;
        }
        log.info("Edge listening on {} (http {}, https {}, {}), domain {}, control plane {}{}", config.listenAddresses(),
                httpPort, httpsPort, io(), config.domain(), config.controlPlane(),
                metricsPort < 0 ? "" : ", metrics on " + config.metricsAddress().getHostAddress() + ":" + metricsPort);
        return this;
    }

    private EventLoopGroup newEventLoops(Transport chosen) {
        transport = chosen;
        eventLoops = config.eventLoopThreads() > 0 ? config.eventLoopThreads() : chosen.loopsPerCore() * Runtime.getRuntime().availableProcessors();
        return new MultiThreadIoEventLoopGroup(eventLoops, new DefaultThreadFactory("cove-edge"), chosen.ioHandlerFactory());
    }

    /** Binds every listen address on {@code port}; an ephemeral port is chosen by the first bind and reused for the rest. */
    private int bind(int port, EdgeInitializer initializer) throws IOException {
        ServerBootstrap bootstrap = new ServerBootstrap()
                .group(group)
                .channel(transport.serverChannel())
                .option(ChannelOption.SO_BACKLOG, 1024)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.ALLOCATOR, Transport.ALLOCATOR)
                .childHandler(initializer);
        int bound = port;
        for (InetAddress address : config.listenAddresses()) {
            InetSocketAddress at = new InetSocketAddress(address, bound);
            try {
                Channel listener = bootstrap.bind(at).syncUninterruptibly().channel();
                listeners.add(listener);
                bound = ((InetSocketAddress) listener.localAddress()).getPort();
            } catch (Exception e) { // epoll reports bind errors as unchecked NativeIoException
                throw new IOException("Cannot listen on " + at + ": " + e.getMessage()
                        + ". Choose another port, or stop the process that uses it.", e);
            }
        }
        return bound;
    }

    private int bindMetrics() throws IOException {
        InetSocketAddress at = new InetSocketAddress(config.metricsAddress(), config.metricsPort());
        try {
            Channel listener = new ServerBootstrap().group(group).channel(transport.serverChannel())
                    .option(ChannelOption.SO_REUSEADDR, true)
                    .childHandler(new MetricsEndpoint(metrics))
                    .bind(at).syncUninterruptibly().channel();
            listeners.add(listener);
            return ((InetSocketAddress) listener.localAddress()).getPort();
        } catch (Exception e) {
            throw new IOException("Cannot serve metrics on " + at + ": " + e.getMessage()
                    + ". Choose another --metrics-port, or stop the process that uses it.", e);
        }
    }

    /** Bound metrics port, or -1 when metrics are off. */
    public int metricsPort() { return metricsPort; }

    /** The counters behind {@code /metrics}. */
    public EdgeMetrics metrics() { return metrics; }

    /** The transport the edge runs on and its event loops, e.g. "io_uring, 2 event loops" (once started). */
    public String io() { return transport.choice() + ", " + eventLoops + " event loops"; }

    /** Bound HTTP port, or -1 when not listening. */
    public int httpPort() { return httpPort; }

    /** Bound HTTPS port, or -1 when not listening. */
    public int httpsPort() { return httpsPort; }

    /** The local CA certificate (PEM) clients must trust: {@code <dataDir>/tls/ca.crt}. Available after {@link #start()}. */
    public Path caCertificate() {
        if (tls == null) throw new IllegalStateException("not started");
        return tls.caCertificateFile();
    }

    /** Stops listening and closes every connection. */
    @Override
    public synchronized void close() {
        // Listeners first, so nothing new comes in; then every client connection, whose upstreams close with it. Each
        // close is waited for, and the loops get a short quiet period for the upstreams' closes: io_uring closes a
        // socket only once the channel's outstanding reads are cancelled, and loops shut down at once left sockets
        // open, with clients waiting on them.
        listeners.forEach(listener -> listener.close().awaitUninterruptibly(5, TimeUnit.SECONDS));
        listeners.clear();
        clients.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
        if (group != null) {
            group.shutdownGracefully(100, 5_000, TimeUnit.MILLISECONDS).syncUninterruptibly();
            group = null;
        }
        if (ownDialer != null) ownDialer.close();
    }
}
