package dev.cove.edge.upstream;

import dev.cove.core.CoveException;
import dev.cove.core.routing.SandboxRoute;

/**
 * Reaches a port inside a running sandbox (any port but the agent port 49983, which the control plane serves).
 * {@link NetnsDialer} dials inside the sandbox's network namespace; {@link #UNAVAILABLE} refuses every port (for
 * edges without sandboxes, e.g. tests of the control-plane path).
 */
@FunctionalInterface
public interface SandboxPortDialer {
    /**
     * Called on an event loop: must not block.
     *
     * @return a dialer for {@code port} inside the sandbox of {@code route} (state RUNNING)
     * @throws CoveException a typed refusal (e.g. 502 {@code port_not_listening}) the edge answers with
     */
    UpstreamDialer dialerFor(SandboxRoute route, int port);

    /** This build cannot reach sandbox ports yet. */
    SandboxPortDialer UNAVAILABLE = (route, port) -> {
        throw new CoveException(502, "port_not_listening",
                "Port " + port + " of sandbox " + route.sandboxId() + " cannot be reached: routing to sandbox ports "
                        + "is not available in this build of Cove yet; only the agent port 49983 is served.");
    };
}
