package dev.cove.api.envd.process;

import dev.cove.api.envd.AgentRouter;
import dev.cove.api.envd.Connect;
import dev.cove.api.envd.EnvdCall;
import dev.cove.api.envd.Messages.ProcessConfig;
import dev.cove.api.envd.Messages.StartRequest;
import dev.cove.core.runtime.FileEntry;
import dev.cove.core.runtime.ProcessSpec;
import dev.cove.core.runtime.SandboxProcess;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * {@code process.Process/Start}: runs a command as the caller's user (pipes, or a terminal when {@code pty} is set)
 * and streams its events until it ends; the call's Connect-Timeout-Ms kills it.
 */
final class StartRpc implements AgentRouter.Streaming<StartRequest> {
    private final ProcessService processes;

    StartRpc(ProcessService processes) { this.processes = processes; }

    @Override
    public void call(EnvdCall call, StartRequest req, Connect.Stream stream) throws IOException {
        ProcessConfig cfg = req.process();
        if (cfg == null || cfg.cmd() == null || cfg.cmd().isEmpty())
            throw Connect.error("invalid_argument", "process.cmd is required");
        List<String> argv = new ArrayList<>();
        argv.add(cfg.cmd());
        if (cfg.args() != null) argv.addAll(cfg.args());
        String cwd = cfg.cwd() == null || cfg.cwd().isEmpty() ? null : call.absolute(cfg.cwd());
        if (cwd != null) {
            var entry = processes.runtime.files(call.sandboxId()).stat(call.user(), cwd);
            if (entry.type() != FileEntry.Type.DIRECTORY
                    && entry.type() != FileEntry.Type.SYMLINK)
                throw Connect.error("invalid_argument", "cwd '" + cwd + "' is not a directory");
        }
        ProcessSpec.PtySize size = req.pty() == null || req.pty().size() == null ? null
                : new ProcessSpec.PtySize(req.pty().size().cols(), req.pty().size().rows());
        if (req.pty() != null && size == null) size = new ProcessSpec.PtySize(80, 24);
        boolean stdin = req.stdin() == null || req.stdin();
        SandboxProcess proc = processes.runtime.spawn(call.sandboxId(), new ProcessSpec(call.user(), argv, cfg.envs(), cwd, size, stdin));
        ManagedProcess mp = new ManagedProcess(call.sandboxId(), new ProcessConfig(cfg.cmd(), cfg.args(), cfg.envs(),
                cwd), req.tag(), proc);
        Map<Integer, ManagedProcess> table = processes.of(call.sandboxId());
        table.put(mp.pid(), mp);
        ManagedProcess.Subscriber sub = mp.subscribe();
        // the process lives as long as the Start call's timeout allows, not as long as its stream
        ScheduledFuture<?> timer = call.timeoutMillis() > 0
                ? processes.timers.schedule(() -> proc.signal(9), call.timeoutMillis(), TimeUnit.MILLISECONDS) : null;
        mp.start(ended -> {
            processes.remember(call.sandboxId(), ended);
            table.remove(ended.pid(), ended);
            if (timer != null) timer.cancel(false);
        });
        ProcessService.follow(call, mp, sub, stream, false);
    }
}
