package dev.cove.core.routing;

import java.net.InetSocketAddress;
import java.time.Instant;

/**
 * What the edge needs to know of one sandbox, answered from memory.
 *
 * @param sandboxId       id
 * @param state           {@link State}
 * @param netnsPath       network namespace to dial into, e.g. {@code /run/netns/cove-<id>} (null unless running)
 * @param endedAt         when it ended (ENDED only)
 * @param endReason       {@code timeout} or {@code killed} (ENDED only)
 * @param maskRequestHost Host header sent to sandbox ports instead of the public one (E2B's
 *                        {@code network.maskRequestHost}); {@code ${PORT}} stands for the target port; null: pass
 *                        the public host through
 * @param portAccess         who may reach which port ({@link PortAccessPolicy#openToAll()} when nothing was set)
 * @param autoResume      a paused sandbox is woken by a request to one of its ports (E2B's {@code autoResume})
 * @param owner           in a cluster, the edge of the node that holds the sandbox when that is another node: the
 *                        request goes there as the client sent it (that edge checks access, dials, wakes); null when
 *                        this node holds it
 */
public record SandboxRoute(String sandboxId, State state, String netnsPath, Instant endedAt, String endReason,
                           String maskRequestHost, PortAccessPolicy portAccess, boolean autoResume,
                           InetSocketAddress owner) {
    public enum State { RUNNING, PAUSED, ENDED }

    public SandboxRoute {
        if (portAccess == null) portAccess = PortAccessPolicy.openToAll();
    }

    /** A sandbox this node holds. */
    public SandboxRoute(String sandboxId, State state, String netnsPath, Instant endedAt, String endReason,
                        String maskRequestHost, PortAccessPolicy portAccess, boolean autoResume) {
        this(sandboxId, state, netnsPath, endedAt, endReason, maskRequestHost, portAccess, autoResume, null);
    }

    /** A live sandbox held by another node of the cluster, whose edge at {@code owner} takes its requests. */
    public static SandboxRoute elsewhere(String sandboxId, State state, InetSocketAddress owner) {
        return new SandboxRoute(sandboxId, state, null, null, null, null, null, false, owner);
    }

    /** A route without per-port network settings (public traffic, public Host passed through). */
    public SandboxRoute(String sandboxId, State state, String netnsPath, Instant endedAt, String endReason) {
        this(sandboxId, state, netnsPath, endedAt, endReason, null, null, false);
    }

    /** {@link #maskRequestHost} for {@code port}, or null when the public Host passes through. */
    public String maskedHost(int port) {
        return maskRequestHost == null ? null : maskRequestHost.replace("${PORT}", Integer.toString(port));
    }

    /** The same sandbox with another port access policy. */
    public SandboxRoute withPortAccess(PortAccessPolicy policy) {
        return new SandboxRoute(sandboxId, state, netnsPath, endedAt, endReason, maskRequestHost, policy, autoResume, owner);
    }

    /** Secrets stay out of logs (the policy's toString hides its token). */
    @Override
    public String toString() {
        return "SandboxRoute[" + sandboxId + ", " + state + ", " + netnsPath + ", endedAt=" + endedAt + ", reason="
                + endReason + ", maskRequestHost=" + maskRequestHost + ", " + portAccess + ", autoResume=" + autoResume
                + (owner == null ? "" : ", owner=" + owner) + "]";
    }
}
