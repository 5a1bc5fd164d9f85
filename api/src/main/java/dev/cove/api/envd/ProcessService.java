package dev.cove.api.envd;

import dev.cove.api.envd.Messages.CloseStdinRequest;
import dev.cove.api.envd.Messages.ConnectRequest;
import dev.cove.api.envd.Messages.Empty;
import dev.cove.api.envd.Messages.ListResponse;
import dev.cove.api.envd.Messages.ProcessConfig;
import dev.cove.api.envd.Messages.ProcessEvent;
import dev.cove.api.envd.Messages.ProcessEventResponse;
import dev.cove.api.envd.Messages.ProcessInfo;
import dev.cove.api.envd.Messages.ProcessSelector;
import dev.cove.api.envd.Messages.SendInputRequest;
import dev.cove.api.envd.Messages.SendSignalRequest;
import dev.cove.api.envd.Messages.StartRequest;
import dev.cove.api.envd.Messages.UpdateRequest;
import dev.cove.api.lifecycle.SandboxProcesses;
import dev.cove.core.CoveException;
import dev.cove.core.runtime.FileEntry;
import dev.cove.core.runtime.ProcessSpec;
import dev.cove.core.runtime.SandboxProcess;
import dev.cove.core.runtime.SandboxRuntime;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/** E2B's {@code process.Process} service. */
final class ProcessService implements SandboxProcesses {
    private final SandboxRuntime runtime;
    /** sandbox id → pid → process. */
    private final Map<String, Map<Integer, ManagedProcess>> processes = new ConcurrentHashMap<>();
    private final ScheduledExecutorService timers = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().daemon().name("cove-process-timeouts").factory());

    ProcessService(SandboxRuntime runtime) { this.runtime = runtime; }

    private Map<Integer, ManagedProcess> of(String sandboxId) {
        return processes.computeIfAbsent(sandboxId, k -> new ConcurrentHashMap<>());
    }

    /** How the last processes of each sandbox ended (status text by pid), so a caller can learn it after the fact. */
    private final Map<String, Map<Integer, String>> recentEnds = new ConcurrentHashMap<>();
    private static final int RECENT_ENDS_KEPT = 64;

    /** Forgets the processes of a sandbox that ended (they died with it). */
    void forget(String sandboxId) {
        processes.remove(sandboxId);
        recentEnds.remove(sandboxId);
    }

    /**
     * How process {@code pid} (the sandbox's numbering) is doing: running, ended (with its status, e.g.
     * {@code exit status 1}), or unknown (never started here, or ended long ago).
     */
    @Override
    public ProcessState state(String sandboxId, int pid) {
        Map<Integer, ManagedProcess> table = processes.get(sandboxId);
        if (table != null && table.containsKey(pid)) return new ProcessState(true, null);
        Map<Integer, String> ends = recentEnds.get(sandboxId);
        String status = ends == null ? null : ends.get(pid);
        return status == null ? null : new ProcessState(false, status);
    }

    private void remember(String sandboxId, ManagedProcess ended) {
        Messages.EndEvent end = ended.end();
        Map<Integer, String> ends = recentEnds.computeIfAbsent(sandboxId, k -> Collections.synchronizedMap(
                new LinkedHashMap<>(16, 0.75f, false) {
                    @Override
                    protected boolean removeEldestEntry(Map.Entry<Integer, String> eldest) { return size() > RECENT_ENDS_KEPT; }
                }));
        ends.put(ended.pid(), end == null ? "ended" : end.status());
    }

    private ManagedProcess find(String sandboxId, ProcessSelector selector) {
        if (selector == null || (selector.pid() == null && selector.tag() == null))
            throw Connect.error("invalid_argument", "a process selector (pid or tag) is required");
        Map<Integer, ManagedProcess> table = of(sandboxId);
        if (selector.tag() != null && selector.pid() == null) {
            for (ManagedProcess p : table.values())
                if (selector.tag().equals(p.tag)) return p;
            throw Connect.error("not_found", "process with tag " + selector.tag() + " not found");
        }
        ManagedProcess p = table.get(selector.pid());
        if (p == null) throw Connect.error("not_found", "process with pid " + selector.pid() + " not found");
        return p;
    }

    // ------------------------------------------------------------------ streams

    void start(EnvdCall call, StartRequest req, Connect.Stream stream) throws IOException {
        ProcessConfig cfg = req.process();
        if (cfg == null || cfg.cmd() == null || cfg.cmd().isEmpty())
            throw Connect.error("invalid_argument", "process.cmd is required");
        List<String> argv = new ArrayList<>();
        argv.add(cfg.cmd());
        if (cfg.args() != null) argv.addAll(cfg.args());
        String cwd = cfg.cwd() == null || cfg.cwd().isEmpty() ? null : call.absolute(cfg.cwd());
        if (cwd != null) {
            var entry = runtime.files(call.sandboxId()).stat(call.user(), cwd);
            if (entry.type() != FileEntry.Type.DIRECTORY
                    && entry.type() != FileEntry.Type.SYMLINK)
                throw Connect.error("invalid_argument", "cwd '" + cwd + "' is not a directory");
        }
        ProcessSpec.PtySize size = req.pty() == null || req.pty().size() == null ? null
                : new ProcessSpec.PtySize(req.pty().size().cols(), req.pty().size().rows());
        if (req.pty() != null && size == null) size = new ProcessSpec.PtySize(80, 24);
        boolean stdin = req.stdin() == null || req.stdin();
        SandboxProcess proc = runtime.spawn(call.sandboxId(), new ProcessSpec(call.user(), argv, cfg.envs(), cwd, size, stdin));
        ManagedProcess mp = new ManagedProcess(call.sandboxId(), new ProcessConfig(cfg.cmd(), cfg.args(), cfg.envs(),
                cwd), req.tag(), proc);
        Map<Integer, ManagedProcess> table = of(call.sandboxId());
        table.put(mp.pid(), mp);
        ManagedProcess.Subscriber sub = mp.subscribe();
        // the process lives as long as the Start call's timeout allows, not as long as its stream
        ScheduledFuture<?> timer = call.timeoutMillis() > 0
                ? timers.schedule(() -> proc.signal(9), call.timeoutMillis(), TimeUnit.MILLISECONDS) : null;
        mp.start(ended -> {
            remember(call.sandboxId(), ended);
            table.remove(ended.pid(), ended);
            if (timer != null) timer.cancel(false);
        });
        follow(call, mp, sub, stream, false);
    }

    void connect(EnvdCall call, ConnectRequest req, Connect.Stream stream) throws IOException {
        ManagedProcess mp = find(call.sandboxId(), req.process());
        ManagedProcess.Subscriber sub = mp.subscribe();
        follow(call, mp, sub, stream, true);
    }

    /**
     * Streams start, then data and keepalives, then end. A Connect stream that reaches its own deadline ends with
     * {@code deadline_exceeded} (the process goes on); a Start stream ends with the process, which its timeout kills.
     */
    private void follow(EnvdCall call, ManagedProcess mp, ManagedProcess.Subscriber sub, Connect.Stream stream,
                        boolean boundByDeadline) throws IOException {
        try {
            stream.send(new ProcessEventResponse(ProcessEvent.started(mp.pid())));
            if (sub == null) {
                var end = mp.end();
                if (end != null) stream.send(new ProcessEventResponse(ProcessEvent.ended(end)));
                stream.end(null);
                return;
            }
            long keepalive = call.keepaliveMillis();
            long deadline = call.timeoutMillis() > 0 ? System.nanoTime() + call.timeoutMillis() * 1_000_000 : Long.MAX_VALUE;
            for (;;) {
                long wait = keepalive;
                if (boundByDeadline && deadline != Long.MAX_VALUE) {
                    long left = (deadline - System.nanoTime()) / 1_000_000;
                    if (left <= 0) {
                        stream.end(Connect.error("deadline_exceeded", "the call reached its Connect-Timeout-Ms"));
                        return;
                    }
                    wait = Math.min(wait, left);
                }
                ProcessEvent ev;
                try {
                    ev = sub.queue.poll(wait, TimeUnit.MILLISECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    stream.end(Connect.error("canceled", "the server is stopping"));
                    return;
                }
                if (ev == null) {
                    if (!boundByDeadline || System.nanoTime() < deadline)
                        stream.send(new ProcessEventResponse(ProcessEvent.KEEPALIVE));
                    continue;
                }
                stream.send(new ProcessEventResponse(ev));
                if (ev.end() != null) {
                    stream.end(null);
                    return;
                }
            }
        } finally {
            if (sub != null) mp.unsubscribe(sub);
        }
    }

    // ------------------------------------------------------------------ unary

    ListResponse list(EnvdCall call) {
        List<ProcessInfo> out = new ArrayList<>();
        for (ManagedProcess p : of(call.sandboxId()).values()) {
            if (p.end() == null) out.add(new ProcessInfo(p.config, p.pid(), p.tag));
        }
        return new ListResponse(out);
    }

    Empty sendInput(EnvdCall call, SendInputRequest req) {
        ManagedProcess mp = find(call.sandboxId(), req.process());
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

    Empty closeStdin(EnvdCall call, CloseStdinRequest req) {
        ManagedProcess mp = find(call.sandboxId(), req.process());
        try {
            mp.process.closeStdin();
        } catch (IOException e) {
            throw Connect.error("failed_precondition", e.getMessage());
        }
        return new Empty();
    }

    Empty sendSignal(EnvdCall call, SendSignalRequest req) {
        ManagedProcess mp = find(call.sandboxId(), req.process());
        if (req.signal() == null || req.signal() == Messages.Signal.SIGNAL_UNSPECIFIED)
            throw Connect.error("invalid_argument", "signal must be SIGNAL_SIGKILL or SIGNAL_SIGTERM");
        mp.process.signal(req.signal().number);
        return new Empty();
    }

    Empty update(EnvdCall call, UpdateRequest req) {
        ManagedProcess mp = find(call.sandboxId(), req.process());
        if (req.pty() == null || req.pty().size() == null) return new Empty();
        if (!mp.process.pty()) throw Connect.error("failed_precondition", "process " + mp.pid() + " has no terminal");
        try {
            mp.process.resize(new ProcessSpec.PtySize(req.pty().size().cols(), req.pty().size().rows()));
        } catch (IOException e) {
            throw Connect.error("failed_precondition", "cannot resize the terminal: " + e.getMessage());
        }
        return new Empty();
    }

    void close() { timers.shutdownNow(); }
}
