/**
 * The seam between the control plane and the node: {@link dev.cove.core.runtime.SandboxRuntime} and the values it
 * takes and returns (specs, processes, files, usage, egress). Interfaces and records only: must not hold an
 * implementation (that is the runtime module) nor know HTTP.
 */
package dev.cove.core.runtime;
