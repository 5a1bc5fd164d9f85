package dev.cove.core.routing;

/**
 * Where a request entering the edge belongs: the control plane, or a port of one sandbox
 * ({@link SandboxHost}). Decided from the Host header and E2B's routing headers by {@link SandboxHost#route}.
 */
public sealed interface RequestTarget permits RequestTarget.ControlPlane, SandboxHost {

    /** The single control-plane target. */
    ControlPlane CONTROL_PLANE = new ControlPlane();

    /** The control plane: {@code api.<domain>}, the bare domain, or {@code localhost}/an IP without routing headers. */
    record ControlPlane() implements RequestTarget {}
}
