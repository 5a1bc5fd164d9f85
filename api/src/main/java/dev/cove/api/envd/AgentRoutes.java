package dev.cove.api.envd;

import dev.cove.api.envd.AgentRouter.Access;
import dev.cove.api.envd.files.FileTransfers;
import dev.cove.api.envd.filesystem.FilesystemService;
import dev.cove.api.envd.process.ProcessService;
import dev.cove.api.lifecycle.SandboxProcesses;
import dev.cove.api.lifecycle.SandboxService;
import dev.cove.core.runtime.SandboxRuntime;
import io.helidon.http.Method;
import io.helidon.webserver.http.HttpRouting;

/**
 * The sandbox agent API (E2B's envd), served by the control plane on the host and acting inside the sandbox: every
 * endpoint, registered the way envd mounts them ({@code /health}, {@code /files}, {@code /envs}, {@code /metrics},
 * then the {@code process.Process} and {@code filesystem.Filesystem} services), behind {@link AgentGate}. The edge
 * sends every request for {@code 49983-<id>.<domain>} (or header-routed to port 49983) here with
 * {@code X-Cove-Sandbox-Id: <id>}.
 *
 * <p>Access: a secured sandbox (every sandbox under {@code --default-port-access private}; under {@code public} those
 * created with {@code secure}, E2B's rules) has an {@code envdAccessToken}; then every call except {@code GET /health}
 * and {@code GET|POST /files} needs {@code X-Access-Token}, and {@code /files} accepts a signed URL instead (E2B's
 * rules exactly). Only such an agent answers with CORS headers.
 */
public final class AgentRoutes implements AutoCloseable {
    private final ProcessService processes;
    private final AgentGate gate;

    public AgentRoutes(SandboxService sandboxes, SandboxRuntime runtime) {
        this.processes = new ProcessService(runtime);
        FilesystemService filesystem = new FilesystemService(runtime);
        AgentRouter router = new AgentRouter();
        HealthHandler health = new HealthHandler();
        router.route(Method.GET, "/health", Access.OPEN, health);
        router.route(Method.HEAD, "/health", Access.OPEN, health);
        FileTransfers.register(router, runtime);
        router.route(Method.GET, "/envs", Access.TOKEN, new EnvsHandler());
        router.route(Method.GET, "/metrics", Access.TOKEN, new MetricsHandler(sandboxes, runtime));
        processes.register(router);
        filesystem.register(router);
        sandboxes.onStopping(processes::sandboxStopping);
        this.gate = new AgentGate(sandboxes, runtime, router, id -> {
            processes.forget(id);
            filesystem.forget(id);
        });
    }

    /**
     * Registers the route that takes agent requests; call before the REST routes. Requests without
     * {@code X-Cove-Sandbox-Id} go on to the next route.
     */
    public void register(HttpRouting.Builder routing) { routing.any(gate); }

    /** The processes started through the agent (the ports API asks whether one has ended). */
    public SandboxProcesses processes() { return processes; }

    /** Stops the process timeouts; the processes themselves die with their sandboxes. */
    @Override
    public void close() { processes.close(); }
}
