package dev.cove.core.routing;

import java.time.Instant;

/**
 * What the edge needs to know of one sandbox, answered from memory.
 *
 * @param sandboxId          id
 * @param state              {@link State}
 * @param netnsPath          network namespace to dial into, e.g. {@code /run/netns/cove-<id>} (null unless running)
 * @param endedAt            when it ended (ENDED only)
 * @param endReason          {@code timeout} or {@code killed} (ENDED only)
 * @param maskRequestHost    Host header sent to sandbox ports instead of the public one (E2B's
 *                           {@code network.maskRequestHost}); {@code ${PORT}} stands for the target port; null: pass
 *                           the public host through
 * @param trafficAccessToken when set, requests to ports other than 49983 must carry it in
 *                           {@code e2b-traffic-access-token} (E2B's {@code network.allowPublicTraffic=false})
 */
public record SandboxRoute(String sandboxId, State state, String netnsPath, Instant endedAt, String endReason,
                           String maskRequestHost, String trafficAccessToken) {
    public enum State { RUNNING, PAUSED, ENDED }

    /** A route without per-port network settings (public traffic, public Host passed through). */
    public SandboxRoute(String sandboxId, State state, String netnsPath, Instant endedAt, String endReason) {
        this(sandboxId, state, netnsPath, endedAt, endReason, null, null);
    }

    /** {@link #maskRequestHost} for {@code port}, or null when the public Host passes through. */
    public String maskedHost(int port) {
        return maskRequestHost == null ? null : maskRequestHost.replace("${PORT}", Integer.toString(port));
    }

    /** Secrets stay out of logs. */
    @Override
    public String toString() {
        return "SandboxRoute[" + sandboxId + ", " + state + ", " + netnsPath + ", endedAt=" + endedAt + ", reason="
                + endReason + ", maskRequestHost=" + maskRequestHost + ", trafficAccessToken="
                + (trafficAccessToken == null ? "none" : "set") + "]";
    }
}
