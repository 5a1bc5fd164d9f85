package dev.cove.edge;

import dev.cove.core.routing.RequestLimits;
import dev.cove.edge.connection.Transport;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * How the edge listens and where the control plane is.
 *
 * @param listenAddresses addresses both ports bind on (default: 127.0.0.1 and ::1)
 * @param httpPort        plain HTTP port (HTTP/1.1, h2c); 0 = ephemeral (tests), -1 = do not listen
 * @param httpsPort       TLS port (ALPN h2 + http/1.1); 0 = ephemeral (tests), -1 = do not listen
 * @param domain          the platform domain: {@code api.<domain>} is the control plane, {@code <port>-<id>.<domain>} a sandbox
 * @param dataDir         data directory; TLS material lives in {@code <dataDir>/tls/}
 * @param controlPlane    the control plane's HTTP/1.1 listener (loopback), which receives api and agent-port traffic
 * @param idleTimeout     a client connection with no traffic either way for this long is closed
 * @param maxHeaderSize   largest request header block accepted (bytes); larger ones get 431
 * @param headerTimeout   a request header that takes longer than this to arrive gets 408 (slowloris protection)
 * @param maxConnections  client connections open at once, in total; more get 429 with Retry-After
 * @param maxConnectionsPerSandbox upstream connections open at once into one sandbox; more get 429 with Retry-After
 * @param metricsPort     Prometheus {@code /metrics} on {@code metricsAddress}; 0 = ephemeral (tests), -1 = off
 * @param metricsAddress  address of the operator port (default loopback: metrics are for the operator only)
 * @param accessLog       one line per request on the {@code dev.cove.edge.access} logger (no query strings, no secrets)
 * @param transport       the I/O the edge runs on: {@code auto} (io_uring where this host allows it, else epoll),
 *                        {@code io_uring}, {@code epoll} or {@code nio}; one that is not available here falls back as
 *                        {@code auto} would, and the start-up log says so
 * @param eventLoopThreads threads serving all connections (each connection and its upstream stay on one); 0 = as many
 *                        as the transport runs best with: one per available processor for io_uring, two for epoll and
 *                        NIO. Measured on 2 cores shared with the client and the upstream (bench/edge-vs-nginx.sh):
 *                        epoll with one per processor saves ~5% CPU per request but doubles p99, as a preempted loop
 *                        stalls twice as many connections; io_uring with two per processor loses its CPU saving
 */
public record EdgeConfig(List<InetAddress> listenAddresses, int httpPort, int httpsPort, String domain, Path dataDir,
                         InetSocketAddress controlPlane, Duration idleTimeout, int maxHeaderSize, Duration headerTimeout,
                         int maxConnections, int maxConnectionsPerSandbox, int metricsPort, InetAddress metricsAddress,
                         boolean accessLog, String transport, int eventLoopThreads) {
    public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofMinutes(15);
    /** Also the most it may be: the control plane behind the edge accepts this much ({@link RequestLimits}). */
    public static final int DEFAULT_MAX_HEADER_SIZE = RequestLimits.MAX_HEADER_SIZE;
    public static final int DEFAULT_HTTP_PORT = 8080;
    public static final int DEFAULT_HTTPS_PORT = 8443;
    public static final Duration DEFAULT_HEADER_TIMEOUT = Duration.ofSeconds(10);
    public static final int DEFAULT_MAX_CONNECTIONS = 20_000;
    public static final int DEFAULT_MAX_CONNECTIONS_PER_SANDBOX = 2_000;
    /** What {@code transport} takes. */
    public static final List<String> TRANSPORTS = Transport.CHOICES;

    public EdgeConfig {
        listenAddresses = List.copyOf(listenAddresses);
        if (listenAddresses.isEmpty()) throw new IllegalArgumentException("listenAddresses must not be empty");
        checkPort("httpPort", httpPort);
        checkPort("httpsPort", httpsPort);
        if (httpPort < 0 && httpsPort < 0) throw new IllegalArgumentException("at least one of httpPort, httpsPort must listen");
        Objects.requireNonNull(domain, "domain");
        if (domain.isBlank() || domain.contains(":") || domain.contains("/")) {
            throw new IllegalArgumentException("domain must be a host name such as cove.localhost, got '" + domain + "'");
        }
        Objects.requireNonNull(dataDir, "dataDir");
        Objects.requireNonNull(controlPlane, "controlPlane");
        if (idleTimeout.isNegative() || idleTimeout.isZero()) throw new IllegalArgumentException("idleTimeout must be positive");
        if (maxHeaderSize < 1024 || maxHeaderSize > RequestLimits.MAX_HEADER_SIZE) {
            throw new IllegalArgumentException("maxHeaderSize must be between 1024 and " + RequestLimits.MAX_HEADER_SIZE
                    + " bytes (what the control plane accepts), got " + maxHeaderSize);
        }
        if (headerTimeout.isNegative() || headerTimeout.isZero()) throw new IllegalArgumentException("headerTimeout must be positive");
        if (maxConnections < 1) throw new IllegalArgumentException("maxConnections must be at least 1");
        if (maxConnectionsPerSandbox < 1) throw new IllegalArgumentException("maxConnectionsPerSandbox must be at least 1");
        checkPort("metricsPort", metricsPort);
        Objects.requireNonNull(metricsAddress, "metricsAddress");
        Objects.requireNonNull(transport, "transport");
        if (!TRANSPORTS.contains(transport)) {
            throw new IllegalArgumentException("transport must be one of " + TRANSPORTS + ", got '" + transport + "'");
        }
        if (eventLoopThreads < 0) throw new IllegalArgumentException("eventLoopThreads must be 0 (automatic) or more");
    }

    private static void checkPort(String name, int port) {
        if (port < -1 || port > 65535) throw new IllegalArgumentException(name + " must be -1 (off), 0 (ephemeral) or 1..65535");
    }

    /** A builder with the defaults of {@code cove up}: loopback, ports 8080/8443, 15 min idle timeout. */
    public static Builder builder(String domain, Path dataDir, InetSocketAddress controlPlane) {
        return new Builder(domain, dataDir, controlPlane);
    }

    public static final class Builder {
        private final String domain;
        private final Path dataDir;
        private final InetSocketAddress controlPlane;
        private List<InetAddress> listenAddresses =
                List.of(InetAddress.getLoopbackAddress(), InetAddress.ofLiteral("::1"));
        private int httpPort = DEFAULT_HTTP_PORT;
        private int httpsPort = DEFAULT_HTTPS_PORT;
        private Duration idleTimeout = DEFAULT_IDLE_TIMEOUT;
        private int maxHeaderSize = DEFAULT_MAX_HEADER_SIZE;
        private Duration headerTimeout = DEFAULT_HEADER_TIMEOUT;
        private int maxConnections = DEFAULT_MAX_CONNECTIONS;
        private int maxConnectionsPerSandbox = DEFAULT_MAX_CONNECTIONS_PER_SANDBOX;
        private int metricsPort = -1;
        private InetAddress metricsAddress = InetAddress.getLoopbackAddress();
        private boolean accessLog = true;
        private String transport = "auto";
        private int eventLoopThreads;

        private Builder(String domain, Path dataDir, InetSocketAddress controlPlane) {
            this.domain = domain;
            this.dataDir = dataDir;
            this.controlPlane = controlPlane;
        }

        public Builder listen(InetAddress... addresses) { this.listenAddresses = List.of(addresses); return this; }
        public Builder listen(List<InetAddress> addresses) { this.listenAddresses = List.copyOf(addresses); return this; }
        public Builder httpPort(int port) { this.httpPort = port; return this; }
        public Builder httpsPort(int port) { this.httpsPort = port; return this; }
        public Builder idleTimeout(Duration timeout) { this.idleTimeout = timeout; return this; }
        public Builder maxHeaderSize(int bytes) { this.maxHeaderSize = bytes; return this; }
        public Builder headerTimeout(Duration timeout) { this.headerTimeout = timeout; return this; }
        public Builder maxConnections(int connections) { this.maxConnections = connections; return this; }
        public Builder maxConnectionsPerSandbox(int connections) { this.maxConnectionsPerSandbox = connections; return this; }
        public Builder metrics(InetAddress address, int port) { this.metricsAddress = address; this.metricsPort = port; return this; }
        public Builder metricsPort(int port) { this.metricsPort = port; return this; }
        public Builder accessLog(boolean enabled) { this.accessLog = enabled; return this; }
        public Builder transport(String transport) { this.transport = transport; return this; }
        public Builder eventLoopThreads(int threads) { this.eventLoopThreads = threads; return this; }

        public EdgeConfig build() {
            return new EdgeConfig(listenAddresses, httpPort, httpsPort, domain, dataDir, controlPlane, idleTimeout, maxHeaderSize,
                    headerTimeout, maxConnections, maxConnectionsPerSandbox, metricsPort, metricsAddress, accessLog,
                    transport, eventLoopThreads);
        }
    }
}
