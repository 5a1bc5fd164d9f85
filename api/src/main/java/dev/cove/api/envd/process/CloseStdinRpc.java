package dev.cove.api.envd.process;

import dev.cove.api.envd.AgentRouter;
import dev.cove.api.envd.Connect;
import dev.cove.api.envd.EnvdCall;
import dev.cove.api.envd.Messages.CloseStdinRequest;
import dev.cove.api.envd.Messages.Empty;

import java.io.IOException;

/** {@code process.Process/CloseStdin}: closes a process's stdin (it reads end of file). */
final class CloseStdinRpc implements AgentRouter.Unary<CloseStdinRequest, Empty> {
    private final ProcessService processes;

    CloseStdinRpc(ProcessService processes) { this.processes = processes; }

    @Override
    public Empty call(EnvdCall call, CloseStdinRequest req) {
        ManagedProcess mp = processes.find(call.sandboxId(), req.process());
        try {
            mp.process.closeStdin();
        } catch (IOException e) {
            throw Connect.error("failed_precondition", e.getMessage());
        }
        return new Empty();
    }
}
