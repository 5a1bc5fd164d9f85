package dev.cove.api.envd.process;

import dev.cove.api.envd.AgentRouter;
import dev.cove.api.envd.Connect;
import dev.cove.api.envd.EnvdCall;
import dev.cove.api.envd.Messages;
import dev.cove.api.envd.Messages.Empty;
import dev.cove.api.envd.Messages.SendSignalRequest;

/** {@code process.Process/SendSignal}: SIGKILL or SIGTERM to a process. */
final class SendSignalRpc implements AgentRouter.Unary<SendSignalRequest, Empty> {
    private final ProcessService processes;

    SendSignalRpc(ProcessService processes) { this.processes = processes; }

    @Override
    public Empty call(EnvdCall call, SendSignalRequest req) {
        ManagedProcess mp = processes.find(call.sandboxId(), req.process());
        if (req.signal() == null || req.signal() == Messages.Signal.SIGNAL_UNSPECIFIED)
            throw Connect.error("invalid_argument", "signal must be SIGNAL_SIGKILL or SIGNAL_SIGTERM");
        mp.process.signal(req.signal().number);
        return new Empty();
    }
}
