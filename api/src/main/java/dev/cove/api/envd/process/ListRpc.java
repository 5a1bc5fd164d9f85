package dev.cove.api.envd.process;

import dev.cove.api.envd.AgentRouter;
import dev.cove.api.envd.EnvdCall;
import dev.cove.api.envd.Messages.Empty;
import dev.cove.api.envd.Messages.ListResponse;
import dev.cove.api.envd.Messages.ProcessInfo;

import java.util.ArrayList;
import java.util.List;

/** {@code process.Process/List}: the sandbox's processes that still run. */
final class ListRpc implements AgentRouter.Unary<Empty, ListResponse> {
    private final ProcessService processes;

    ListRpc(ProcessService processes) { this.processes = processes; }

    @Override
    public ListResponse call(EnvdCall call, Empty req) {
        List<ProcessInfo> out = new ArrayList<>();
        for (ManagedProcess p : processes.of(call.sandboxId()).values()) {
            if (p.end() == null) out.add(new ProcessInfo(p.config, p.pid(), p.tag));
        }
        return new ListResponse(out);
    }
}
