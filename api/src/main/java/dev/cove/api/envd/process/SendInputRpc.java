package dev.cove.api.envd.process;

import dev.cove.api.envd.AgentRouter;
import dev.cove.api.envd.Connect;
import dev.cove.api.envd.EnvdCall;
import dev.cove.api.envd.Messages.Empty;
import dev.cove.api.envd.Messages.SendInputRequest;

import java.io.IOException;

/** {@code process.Process/SendInput}: writes to a process's stdin or terminal. */
final class SendInputRpc implements AgentRouter.Unary<SendInputRequest, Empty> {
    private final ProcessService processes;

    SendInputRpc(ProcessService processes) { this.processes = processes; }

    @Override
    public Empty call(EnvdCall call, SendInputRequest req) {
        ManagedProcess mp = processes.find(call.sandboxId(), req.process());
        if (req.input() == null) throw Connect.error("invalid_argument", "input is required");
        byte[] data = req.input().pty() != null ? req.input().pty() : req.input().stdin();
        if (data == null) return new Empty();
        try {
            mp.process.write(data);
        } catch (IOException e) {
            throw Connect.error("failed_precondition", "cannot write to process " + mp.pid() + ": " + e.getMessage());
        }
        return new Empty();
    }
}
