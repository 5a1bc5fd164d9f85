/**
 * E2B's {@code process.Process} service: {@link dev.cove.api.envd.process.ProcessService} keeps each sandbox's
 * processes (and how the last ones ended) and registers one class per RPC (Start, Connect, List, SendInput,
 * SendSignal, CloseStdin, Update). Processes are spawned through {@link dev.cove.core.runtime.SandboxRuntime} only.
 */
package dev.cove.api.envd.process;
