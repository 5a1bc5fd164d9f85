package dev.cove.api;

import dev.cove.api.auth.ApiKeys;
import dev.cove.api.auth.KeyRoutes;
import dev.cove.api.cluster.Cluster;
import dev.cove.api.cluster.ClusterConfig;
import dev.cove.api.cluster.NodeForwarding;
import dev.cove.api.cluster.NodeRoutes;
import dev.cove.api.cluster.SingleHostFeatures;
import dev.cove.api.envd.AgentRoutes;
import dev.cove.api.http.ErrorHandlers;
import dev.cove.api.http.Responses;
import dev.cove.api.http.WireRules;
import dev.cove.api.auth.LinkSecret;
import dev.cove.api.http.PassThroughGzip;
import dev.cove.api.lifecycle.PortAccessService;
import dev.cove.api.lifecycle.SandboxService;
import dev.cove.api.metrics.MetricsSampler;
import dev.cove.api.ports.PortAccessAuditLog;
import dev.cove.api.ports.EdgeProbe;
import dev.cove.api.ports.PortRoutes;
import dev.cove.api.ports.PortsService;
import dev.cove.api.sandboxes.SandboxRoutes;
import dev.cove.api.snapshots.SnapshotRoutes;
import dev.cove.api.snapshots.SnapshotService;
import dev.cove.api.store.ClusterStore;
import dev.cove.core.routing.NodeForwardSignature;
import dev.cove.api.store.JdbcSandboxStore;
import dev.cove.api.templates.TemplateRoutes;
import dev.cove.api.templates.TemplateService;
import dev.cove.core.CoveException;
import dev.cove.core.routing.PortAccessAudit;
import dev.cove.core.routing.LinkTokens;
import dev.cove.core.routing.SandboxDirectory;
import dev.cove.core.runtime.SandboxRuntime;
import io.helidon.http.HeaderNames;
import io.helidon.http.Method;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.http.HttpRouting;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicReference;
import java.nio.file.Files;
import java.time.Clock;
import java.time.Instant;

/**
 * The control plane as the server wires it: store, lifecycle (recovery, reaper), API keys and the E2B-compatible
 * REST API on a Helidon server bound to loopback (the edge proxies {@code api.<domain>} to it).
 * <pre>{@code
 * try (ControlPlane api = ControlPlane.start(config, runtime)) {
 *     // the edge proxies to api.port(), asks api.directory(), checks links with api.linkTokens()
 *     // and reports to the audit; expose checks go through it once api.edgeReady(...) is called
 * }
 * }</pre>
 * Closing stops the server and the timers but not the sandboxes: they keep running and a restarted control plane
 * re-adopts them.
 */
public final class ControlPlane implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ControlPlane.class);
    /**
     * Helidon's own limit: none. REST bodies are bounded by {@link dev.cove.api.http.JsonBody#MAX_BYTES} (which
     * answers with E2B's JSON error body); agent API uploads ({@code POST /files}) stream to the sandbox's disk
     * and may be as large as it has room for.
     */
    static final long MAX_PAYLOAD_BYTES = -1;

    private final ApiConfig config;
    private final JdbcSandboxStore store;
    private final SandboxService sandboxes;
    private final SnapshotService snapshots;
    private final String apiKey;
    private final WebServer server;
    private final AgentRoutes envd;
    private final PortAccessAuditLog accessAudit;
    private final AtomicReference<EdgeProbe> edgeProbe;
    private final MetricsSampler metrics;
    private final Cluster cluster;

    private ControlPlane(ApiConfig config, JdbcSandboxStore store, SandboxService sandboxes, SnapshotService snapshots,
                         String apiKey, WebServer server, AgentRoutes envd, PortAccessAuditLog accessAudit,
                         AtomicReference<EdgeProbe> edgeProbe, MetricsSampler metrics, Cluster cluster) {
        this.config = config;
        this.store = store;
        this.sandboxes = sandboxes;
        this.snapshots = snapshots;
        this.apiKey = apiKey;
        this.server = server;
        this.envd = envd;
        this.accessAudit = accessAudit;
        this.edgeProbe = edgeProbe;
        this.metrics = metrics;
        this.cluster = cluster;
    }

    /**
     * Opens {@code <dataDir>/cove.db}, resolves the API key, recovers what a previous run left (re-adopting running
     * sandboxes, resuming their timers), starts the reaper and serves the API on 127.0.0.1 at a free port.
     * The runtime stays the caller's: {@link #close()} does not close it.
     */
    public static ControlPlane start(ApiConfig config, SandboxRuntime runtime) {
        return start(config, runtime, null);
    }

    /**
     * As {@link #start(ApiConfig, SandboxRuntime)}, as a node of a cluster when {@code clusterConfig} is given: the
     * catalog is the cluster's PostgreSQL, the node joins before it recovers its own sandboxes, follows the others'
     * and forwards calls about them (see {@link dev.cove.api.cluster}).
     */
    public static ControlPlane start(ApiConfig config, SandboxRuntime runtime, ClusterConfig clusterConfig) {
        try {
            Files.createDirectories(config.dataDir());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the data directory " + config.dataDir(), e);
        }
        String apiKey = ApiKeys.resolve(config);
        JdbcSandboxStore store = clusterConfig == null ? JdbcSandboxStore.openSqlite(config.dataDir().resolve("cove.db"))
                : JdbcSandboxStore.openPostgres(clusterConfig.store(), clusterConfig.node());
        SandboxService sandboxes = null;
        SnapshotService snapshots = null;
        PortAccessAuditLog accessAudit = null;
        MetricsSampler metrics = null;
        Cluster cluster = null;
        try {
            ApiKeys keys = ApiKeys.bootstrap(store, apiKey);
            PortAccessService portAccess = new PortAccessService(config, store.portAccess(),
                    new LinkTokens(LinkSecret.loadOrCreate(config.dataDir())));
            sandboxes = new SandboxService(config, store, portAccess, runtime, Clock.systemUTC());
            if (clusterConfig != null) {
                cluster = new Cluster(clusterConfig, store, sandboxes, Clock.systemUTC());
                cluster.register(); // a fresh lease before recovery, so the leader leaves this node's sandboxes be
            }
            sandboxes.start();
            // template builds and snapshots are layers on one node's disk: one host only for now (SingleHostFeatures)
            TemplateService templates = null;
            if (clusterConfig == null) {
                templates = new TemplateService(store.templates(), sandboxes, runtime, config.dataDir(),
                        Clock.systemUTC());
                templates.start();
                snapshots = new SnapshotService(sandboxes, runtime, store.snapshots(), Clock.systemUTC());
                snapshots.start();
            }
            TemplateService templateService = templates;
            SnapshotService snapshotService = snapshots;
            if (cluster != null) cluster.start();
            NodeForwarding forwarding = cluster == null ? null
                    : new NodeForwarding(clusterConfig.node(), config.domain(), store, cluster.rows(), Clock.systemUTC(),
                            NodeForwardSignature.fromBase64(cluster.rows().nodeSecret(Instant.now())));
            ClusterStore clusterRows = cluster == null ? null : cluster.rows();
            SandboxService service = sandboxes;
            metrics = new MetricsSampler(service, runtime, Clock.systemUTC(), MetricsSampler.DEFAULT_INTERVAL,
                    MetricsSampler.DEFAULT_CAPACITY);
            metrics.start();
            MetricsSampler sampler = metrics;
            AgentRoutes envd = new AgentRoutes(service, runtime);
            accessAudit = new PortAccessAuditLog(store.portAccess(), Clock.systemUTC());
            AtomicReference<EdgeProbe> edgeProbe = new AtomicReference<>();
            PortsService ports = new PortsService(service, runtime, envd.processes(), accessAudit, edgeProbe::get);
            WebServer server = WebServer.builder()
                    .host("127.0.0.1")
                    .port(0)
                    .shutdownHook(false)
                    .maxPayloadSize(MAX_PAYLOAD_BYTES)
                    .addProtocol(WireRules.http1())
                    // streamed frames (Connect envelopes) go out at once, not after the peer's delayed ACK
                    .connectionOptions(o -> o.tcpNoDelay(true))
                    // bodies reach the handlers as sent: the agent API decodes a gzip upload itself
                    .contentEncoding(c -> c.contentEncodingsDiscoverServices(false)
                            .addContentEncoding(new PassThroughGzip()))
                    .routing(r -> {
                        if (forwarding != null) {
                            r.addFilter(forwarding);
                            NodeRoutes.register(r, clusterRows, keys, Clock.systemUTC());
                        }
                        routing(r, envd, service, sampler, snapshotService, ports, templateService, keys);
                    })
                    .build()
                    .start();
            LOG.info("Control plane listening on 127.0.0.1:{} (domain {})", server.port(), config.domain());
            return new ControlPlane(config, store, sandboxes, snapshots, apiKey, server, envd, accessAudit, edgeProbe,
                    metrics, cluster);
        } catch (RuntimeException e) {
            if (metrics != null) metrics.close();
            if (cluster != null) cluster.close();
            if (accessAudit != null) accessAudit.close();
            if (snapshots != null) snapshots.close();
            if (sandboxes != null) sandboxes.close();
            store.close();
            throw e;
        }
    }

    /**
     * Every route of the control plane, in the order Helidon tries them: the agent API first (it takes only requests
     * the edge tagged with the sandbox id; paths like {@code /health} exist in both), then the REST API (every
     * sandbox endpoint requires {@code X-API-KEY}; {@code /health} is open) and a JSON 404 for the rest.
     */
    static void routing(HttpRouting.Builder routing, AgentRoutes agent, SandboxService sandboxes,
                        MetricsSampler metrics, SnapshotService snapshots, PortsService ports,
                        TemplateService templates, ApiKeys keys) {
        WireRules.register(routing);
        agent.register(routing);
        ErrorHandlers.register(routing);
        routing.get("/health", (req, res) -> {
            res.header(HeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8");
            res.send("Health check successful");
        });
        SandboxRoutes.register(routing, sandboxes, metrics, keys);
        if (templates != null && snapshots != null) {
            TemplateRoutes.register(routing, templates, sandboxes.config(), keys);
            SnapshotRoutes.register(routing, snapshots, sandboxes, keys);
        } else {
            SingleHostFeatures.refuse(routing, keys);
        }
        PortRoutes.register(routing, ports, keys);
        KeyRoutes.register(routing, keys);
        notFoundForTheRest(routing);
    }

    private static void notFoundForTheRest(HttpRouting.Builder routing) {
        routing.any((req, res) -> {
            Method method = req.prologue().method();
            Responses.error(res, CoveException.notFound("not_found",
                    method.text() + " " + req.path().path() + " is not an endpoint of the Cove API"));
        });
    }

    /** Mints and checks share-link tokens; the edge needs the same instance (or secret). */
    public LinkTokens linkTokens() { return sandboxes.portAccess().linkTokens(); }

    /** Where the edge reports accesses to sandbox ports (never blocks). */
    public PortAccessAudit portAccessAudit() { return accessAudit; }

    /**
     * The edge is up: expose checks go through it at {@code address} (plain HTTP, or TLS trusting {@code caCert} when
     * that is given), as any outside client would.
     */
    public void edgeReady(InetSocketAddress address, Path caCert) { edgeProbe.set(new EdgeProbe(address, caCert)); }

    /** The cluster's rows (TLS authority, nodes), or empty on a single host. */
    public java.util.Optional<dev.cove.api.store.ClusterStore> clusterStore() {
        return cluster == null ? java.util.Optional.empty() : java.util.Optional.of(cluster.rows());
    }

    /**
     * The cluster's node-to-node signature (its secret is in the catalog: the first node made it), for the edge to
     * sign what it forwards and verify what other nodes forward; empty on a single host.
     */
    public java.util.Optional<NodeForwardSignature> nodeSignature() {
        return cluster == null ? java.util.Optional.empty()
                : java.util.Optional.of(NodeForwardSignature.fromBase64(cluster.rows().nodeSecret(Instant.now())));
    }

    /** Port of the API on 127.0.0.1. */
    public int port() { return server.port(); }

    /** What the edge asks about sandboxes (in memory, never blocks). */
    public SandboxDirectory directory() { return sandboxes.routes(); }

    /** The API key clients must send (from {@code COVE_API_KEY} or {@code <dataDir>/api-key}). Never log it. */
    public String apiKey() { return apiKey; }

    /** Snapshots and forks (for tests: collecting unused layers). */
    public SnapshotService snapshots() { return snapshots; }

    /** The lifecycle service (for the agent API and tests: tokens, states). */
    public SandboxService sandboxes() { return sandboxes; }

    public ApiConfig config() { return config; }

    /** Stops the server and the timers; sandboxes keep running. */
    @Override
    public void close() {
        try {
            server.stop();
        } finally {
            metrics.close();
            envd.close();
            accessAudit.close();
            if (snapshots != null) snapshots.close();
            if (cluster != null) cluster.close();
            sandboxes.close();
            store.close();
        }
    }
}
