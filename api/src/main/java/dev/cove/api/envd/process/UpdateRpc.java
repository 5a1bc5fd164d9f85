package dev.cove.api.envd.process;

import dev.cove.api.envd.AgentRouter;
import dev.cove.api.envd.Connect;
import dev.cove.api.envd.EnvdCall;
import dev.cove.api.envd.Messages.Empty;
import dev.cove.api.envd.Messages.UpdateRequest;
import dev.cove.core.runtime.ProcessSpec;

import java.io.IOException;

/** {@code process.Process/Update}: resizes a process's terminal. */
final class UpdateRpc implements AgentRouter.Unary<UpdateRequest, Empty> {
    private final ProcessService processes;

    UpdateRpc(ProcessService processes) { this.processes = processes; }

    @Override
    public Empty call(EnvdCall call, UpdateRequest req) {
        ManagedProcess mp = processes.find(call.sandboxId(), req.process());
        if (req.pty() == null || req.pty().size() == null) return new Empty();
        if (!mp.process.pty()) throw Connect.error("failed_precondition", "process " + mp.pid() + " has no terminal");
        try {
            mp.process.resize(new ProcessSpec.PtySize(req.pty().size().cols(), req.pty().size().rows()));
        } catch (IOException e) {
            throw Connect.error("failed_precondition", "cannot resize the terminal: " + e.getMessage());
        }
        return new Empty();
    }
}
