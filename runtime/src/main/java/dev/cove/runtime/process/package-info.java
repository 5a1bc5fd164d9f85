/**
 * Processes inside a sandbox: the OCI runtime's {@code exec} wrapped as a {@link dev.cove.core.runtime.SandboxProcess}
 * ({@link dev.cove.runtime.process.RuncProcess}), and each sandbox's spawner, which forks processes that keep
 * no_new_privs without a runtime exec each time ({@link dev.cove.runtime.process.SpawnerPool}). Must not decide whether
 * a sandbox may start a process (paused, unknown): the facade checks that before it calls here.
 */
package dev.cove.runtime.process;
