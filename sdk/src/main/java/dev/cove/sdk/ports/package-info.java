/**
 * A sandbox's ports: {@link dev.cove.sdk.ports.Ports} (reached through {@code sandbox.ports()}) lists listeners,
 * exposes ports and hands out share links over the control plane's REST API; {@link dev.cove.sdk.ports.Wait} and
 * {@link dev.cove.sdk.ports.Readiness} say when a port counts as ready. Access policies themselves are
 * {@link dev.cove.sdk.Access}; this package never runs commands except the readiness probes of {@code Wait}.
 */
package dev.cove.sdk.ports;
