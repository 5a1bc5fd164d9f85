package dev.cove.api.envd.process;

import dev.cove.api.envd.AgentRouter;
import dev.cove.api.envd.Connect;
import dev.cove.api.envd.EnvdCall;
import dev.cove.api.envd.Messages.ConnectRequest;

import java.io.IOException;

/** {@code process.Process/Connect}: attaches to a running process and streams its events from now on. */
final class ConnectRpc implements AgentRouter.Streaming<ConnectRequest> {
    private final ProcessService processes;

    ConnectRpc(ProcessService processes) { this.processes = processes; }

    @Override
    public void call(EnvdCall call, ConnectRequest req, Connect.Stream stream) throws IOException {
        ManagedProcess mp = processes.find(call.sandboxId(), req.process());
        ManagedProcess.Subscriber sub = mp.subscribe();
        ProcessService.follow(call, mp, sub, stream, true);
    }
}
