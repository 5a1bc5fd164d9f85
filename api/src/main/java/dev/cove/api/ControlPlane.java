package dev.cove.api;

import dev.cove.api.auth.ApiKeys;
import dev.cove.api.envd.EnvdServer;
import dev.cove.api.auth.RequireApiKey;
import dev.cove.api.http.ErrorHandlers;
import dev.cove.api.http.Responses;
import dev.cove.api.http.WireRules;
import dev.cove.api.auth.CreateApiKeyHandler;
import dev.cove.api.auth.LinkSecret;
import dev.cove.api.auth.ListApiKeysHandler;
import dev.cove.api.auth.RevokeApiKeyHandler;
import dev.cove.api.http.PassThroughGzip;
import dev.cove.api.lifecycle.PortAccessService;
import dev.cove.api.lifecycle.SandboxService;
import dev.cove.api.ports.PortAccessAuditLog;
import dev.cove.api.ports.AuditHandler;
import dev.cove.api.ports.CreateLinkHandler;
import dev.cove.api.ports.EdgeProbe;
import dev.cove.api.ports.ExposePortHandler;
import dev.cove.api.ports.ListLinksHandler;
import dev.cove.api.ports.ListPortsHandler;
import dev.cove.api.ports.PortEventsHandler;
import dev.cove.api.ports.PortsService;
import dev.cove.api.ports.RevokeLinkHandler;
import dev.cove.api.ports.RevokeLinksHandler;
import dev.cove.api.ports.TypedErrors;
import dev.cove.api.ports.UnexposePortHandler;
import dev.cove.api.sandboxes.ConnectSandboxHandler;
import dev.cove.api.sandboxes.CreateSandboxHandler;
import dev.cove.api.sandboxes.GetSandboxHandler;
import dev.cove.api.sandboxes.KillSandboxHandler;
import dev.cove.api.sandboxes.ListSandboxesHandler;
import dev.cove.api.sandboxes.ListSandboxesV2Handler;
import dev.cove.api.sandboxes.NotImplementedHandler;
import dev.cove.api.sandboxes.PauseSandboxHandler;
import dev.cove.api.sandboxes.ResumeSandboxHandler;
import dev.cove.api.sandboxes.UpdateNetworkHandler;
import dev.cove.api.sandboxes.EgressDenialsHandler;
import dev.cove.api.sandboxes.RefreshSandboxHandler;
import dev.cove.api.sandboxes.SetTimeoutHandler;
import dev.cove.api.store.SqliteSandboxStore;
import dev.cove.core.CoveException;
import dev.cove.core.routing.IngressAudit;
import dev.cove.core.routing.LinkTokens;
import dev.cove.core.routing.SandboxDirectory;
import dev.cove.core.runtime.SandboxRuntime;
import io.helidon.http.HeaderNames;
import io.helidon.http.Method;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.http.Handler;
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
    private final SqliteSandboxStore store;
    private final SandboxService sandboxes;
    private final String apiKey;
    private final WebServer server;
    private final EnvdServer envd;
    private final PortAccessAuditLog accessAudit;
    private final AtomicReference<EdgeProbe> edgeProbe;

    private ControlPlane(ApiConfig config, SqliteSandboxStore store, SandboxService sandboxes, String apiKey,
                         WebServer server, EnvdServer envd, PortAccessAuditLog accessAudit, AtomicReference<EdgeProbe> edgeProbe) {
        this.config = config;
        this.store = store;
        this.sandboxes = sandboxes;
        this.apiKey = apiKey;
        this.server = server;
        this.envd = envd;
        this.accessAudit = accessAudit;
        this.edgeProbe = edgeProbe;
    }

    /**
     * Opens {@code <dataDir>/cove.db}, resolves the API key, recovers what a previous run left (re-adopting running
     * sandboxes, resuming their timers), starts the reaper and serves the API on 127.0.0.1 at a free port.
     * The runtime stays the caller's: {@link #close()} does not close it.
     */
    public static ControlPlane start(ApiConfig config, SandboxRuntime runtime) {
        try {
            Files.createDirectories(config.dataDir());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the data directory " + config.dataDir(), e);
        }
        String apiKey = ApiKeys.resolve(config);
        SqliteSandboxStore store = SqliteSandboxStore.open(config.dataDir().resolve("cove.db"));
        SandboxService sandboxes = null;
        PortAccessAuditLog accessAudit = null;
        try {
            ApiKeys keys = ApiKeys.bootstrap(store, apiKey);
            PortAccessService portAccess = new PortAccessService(config, store.portAccess(),
                    new LinkTokens(LinkSecret.loadOrCreate(config.dataDir())));
            sandboxes = new SandboxService(config, store, portAccess, runtime, Clock.systemUTC());
            sandboxes.start();
            SandboxService service = sandboxes;
            EnvdServer envd = new EnvdServer(service, runtime);
            accessAudit = new PortAccessAuditLog(store.portAccess(), Clock.systemUTC());
            AtomicReference<EdgeProbe> edgeProbe = new AtomicReference<>();
            PortsService ports = new PortsService(service, runtime, envd, accessAudit, edgeProbe::get);
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
                        WireRules.register(r);
                        envd.register(r); // agent requests (X-Cove-Sandbox-Id) first: /health exists in both
                        routing(r, service, keys);
                        portRouting(r, ports, keys);
                    })
                    .build()
                    .start();
            LOG.info("Control plane listening on 127.0.0.1:{} (domain {})", server.port(), config.domain());
            return new ControlPlane(config, store, sandboxes, apiKey, server, envd, accessAudit, edgeProbe);
        } catch (RuntimeException e) {
            if (accessAudit != null) accessAudit.close();
            if (sandboxes != null) sandboxes.close();
            store.close();
            throw e;
        }
    }

    /**
     * The API's routes, shared by {@link #start} and tests. Every sandbox endpoint requires {@code X-API-KEY};
     * {@code /health} is open.
     */
    public static void routing(HttpRouting.Builder routing, SandboxService sandboxes, ApiKeys keys) {
        ErrorHandlers.register(routing);
        routing.get("/health", (req, res) -> {
            res.header(HeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8");
            res.send("Health check successful");
        });

        String one = "/sandboxes/{sandboxID}";
        // Literal paths first: /sandboxes/metrics must not be taken for a sandbox id.
        routing.get("/sandboxes/metrics", secured(keys, NotImplementedHandler.of("Sandbox metrics")));
        routing.post("/sandboxes", secured(keys, CreateSandboxHandler.v1(sandboxes)));
        routing.get("/sandboxes", secured(keys, new ListSandboxesHandler(sandboxes)));
        routing.post("/v2/sandboxes", secured(keys, CreateSandboxHandler.v2(sandboxes)));
        routing.get("/v2/sandboxes", secured(keys, new ListSandboxesV2Handler(sandboxes)));
        routing.get(one, secured(keys, new GetSandboxHandler(sandboxes)));
        routing.delete(one, secured(keys, new KillSandboxHandler(sandboxes)));
        routing.post(one + "/timeout", secured(keys, new SetTimeoutHandler(sandboxes)));
        routing.post(one + "/refreshes", secured(keys, new RefreshSandboxHandler(sandboxes)));
        routing.post(one + "/connect", secured(keys, ConnectSandboxHandler.v1(sandboxes)));
        routing.post("/v2" + one + "/connect", secured(keys, ConnectSandboxHandler.v2(sandboxes)));

        routing.post(one + "/pause", secured(keys, new PauseSandboxHandler(sandboxes)));
        routing.post(one + "/resume", secured(keys, new ResumeSandboxHandler(sandboxes)));
        routing.post(one + "/fork", secured(keys, NotImplementedHandler.of("Forking sandboxes")));
        routing.post(one + "/snapshots", secured(keys, NotImplementedHandler.of("Sandbox snapshots")));
        routing.get("/snapshots", secured(keys, NotImplementedHandler.of("Sandbox snapshots")));
        routing.delete("/templates/{templateID}", secured(keys, NotImplementedHandler.of("Deleting templates and snapshots")));
        routing.put(one + "/network", secured(keys, new UpdateNetworkHandler(sandboxes)));
        routing.get(one + "/network/denials", secured(keys, new EgressDenialsHandler(sandboxes)));
        routing.get(one + "/metrics", secured(keys, NotImplementedHandler.of("Sandbox metrics")));
        routing.get(one + "/logs", secured(keys, NotImplementedHandler.of("Sandbox logs")));
        routing.get("/v2" + one + "/logs", secured(keys, NotImplementedHandler.of("Sandbox logs")));
        // Template builds (Template.build / buildInBackground / getBuildStatus) and volumes (Volume.*): the SDK's
        // first call of each gets the 501 sentence, not "not an endpoint".
        NotImplementedHandler builds = NotImplementedHandler.of("Building templates");
        routing.post("/v3/templates", secured(keys, builds));
        routing.post("/v2/templates/{templateID}/builds/{buildID}", secured(keys, builds));
        routing.get("/templates/{templateID}/builds/{buildID}/status", secured(keys, builds));
        routing.get("/templates/{templateID}/files/{hash}", secured(keys, builds));
        NotImplementedHandler volumes = NotImplementedHandler.of("Volumes");
        routing.any("/volumes", secured(keys, volumes));
        routing.any("/volumes/{volumeID}", secured(keys, volumes));
        routing.any("/volumecontent/{volumeID}/{kind}", secured(keys, volumes));

    }

    /**
     * Cove's ports API ({@code docs/ports.md}): what listens, expose with a readiness check, share links, audit.
     * Registered before {@link #routing}'s catch-all.
     */
    public static void portRouting(HttpRouting.Builder routing, PortsService ports, ApiKeys keys) {
        String one = "/sandboxes/{sandboxID}";
        routing.get(one + "/ports", secured(keys, TypedErrors.wrap(new ListPortsHandler(ports))));
        routing.get(one + "/ports/events", secured(keys, TypedErrors.wrap(new PortEventsHandler(ports))));
        routing.post(one + "/ports/{port}/expose", secured(keys, TypedErrors.wrap(new ExposePortHandler(ports))));
        routing.delete(one + "/ports/{port}/expose", secured(keys, TypedErrors.wrap(new UnexposePortHandler(ports))));
        routing.post(one + "/ports/{port}/links", secured(keys, TypedErrors.wrap(new CreateLinkHandler(ports))));
        routing.get(one + "/links", secured(keys, TypedErrors.wrap(new ListLinksHandler(ports))));
        routing.delete(one + "/links", secured(keys, TypedErrors.wrap(new RevokeLinksHandler(ports))));
        routing.delete(one + "/links/{linkID}", secured(keys, TypedErrors.wrap(new RevokeLinkHandler(ports))));
        routing.get(one + "/audit", secured(keys, TypedErrors.wrap(new AuditHandler(ports))));
        routing.get("/api-keys", secured(keys, TypedErrors.wrap(new ListApiKeysHandler(keys))));
        routing.post("/api-keys", secured(keys, TypedErrors.wrap(new CreateApiKeyHandler(keys))));
        routing.delete("/api-keys/{apiKeyID}", secured(keys, TypedErrors.wrap(new RevokeApiKeyHandler(keys))));
        notFoundForTheRest(routing);
    }

    private static void notFoundForTheRest(HttpRouting.Builder routing) {
        routing.any((req, res) -> {
            Method method = req.prologue().method();
            Responses.error(res, CoveException.notFound("not_found",
                    method.text() + " " + req.path().path() + " is not an endpoint of the Cove API"));
        });
    }

    private static Handler secured(ApiKeys keys, Handler handler) { return RequireApiKey.wrap(keys, handler); }

    /** Mints and checks share-link tokens; the edge needs the same instance (or secret). */
    public LinkTokens linkTokens() { return sandboxes.portAccess().linkTokens(); }

    /** Where the edge reports accesses to sandbox ports (never blocks). */
    public IngressAudit ingressAudit() { return accessAudit; }

    /**
     * The edge is up: expose checks go through it at {@code address} (plain HTTP, or TLS trusting {@code caCert} when
     * that is given), as any outside client would.
     */
    public void edgeReady(InetSocketAddress address, Path caCert) { edgeProbe.set(new EdgeProbe(address, caCert)); }

    /** Port of the API on 127.0.0.1. */
    public int port() { return server.port(); }

    /** What the edge asks about sandboxes (in memory, never blocks). */
    public SandboxDirectory directory() { return sandboxes.routes(); }

    /** The API key clients must send (from {@code COVE_API_KEY} or {@code <dataDir>/api-key}). Never log it. */
    public String apiKey() { return apiKey; }

    /** The lifecycle service (for the agent API and tests: tokens, states). */
    public SandboxService sandboxes() { return sandboxes; }

    public ApiConfig config() { return config; }

    /** Stops the server and the timers; sandboxes keep running. */
    @Override
    public void close() {
        try {
            server.stop();
        } finally {
            envd.close();
            accessAudit.close();
            sandboxes.close();
            store.close();
        }
    }
}
