package dev.cove.api.lifecycle;

/**
 * What the rest of the control plane may ask about processes started in a sandbox through the agent API (the ports
 * API asks whether the process meant to serve a port has ended). The agent implements it; asking it keeps the
 * REST side free of the agent's classes.
 */
public interface SandboxProcesses {

    /**
     * A process started through the agent API.
     *
     * @param running whether it still runs
     * @param status  how it ended ({@code exit status 1}, {@code signal: killed}), null while it runs
     */
    record ProcessState(boolean running, String status) {}

    /** The state of process {@code pid} of a sandbox, or null when the agent did not start it (or forgot it). */
    ProcessState state(String sandboxId, int pid);
}
