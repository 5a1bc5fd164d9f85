package dev.cove.api.envd.process;

import dev.cove.api.envd.AgentRouter;
import dev.cove.api.envd.Connect;
import dev.cove.api.envd.EnvdCall;
import dev.cove.api.envd.Messages;
import dev.cove.api.envd.Messages.CloseStdinRequest;
import dev.cove.api.envd.Messages.ConnectRequest;
import dev.cove.api.envd.Messages.Empty;
import dev.cove.api.envd.Messages.ProcessEvent;
import dev.cove.api.envd.Messages.ProcessEventResponse;
import dev.cove.api.envd.Messages.ProcessSelector;
import dev.cove.api.envd.Messages.SendInputRequest;
import dev.cove.api.envd.Messages.SendSignalRequest;
import dev.cove.api.envd.Messages.StartRequest;
import dev.cove.api.envd.Messages.UpdateRequest;
import dev.cove.api.lifecycle.SandboxProcesses;
import dev.cove.core.runtime.SandboxRuntime;

import java.io.IOException;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * E2B's {@code process.Process} service: the processes each sandbox runs through the agent (one RPC per class
 * beside it), and how the last ones ended.
 */
public final class ProcessService implements SandboxProcesses {
    private static final int RECENT_ENDS_KEPT = 64;

    final SandboxRuntime runtime;
    /** sandbox id → pid → process. */
    private final Map<String, Map<Integer, ManagedProcess>> processes = new ConcurrentHashMap<>();
    /** How the last processes of each sandbox ended (status text by pid), so a caller can learn it after the fact. */
    private final Map<String, Map<Integer, String>> recentEnds = new ConcurrentHashMap<>();
    final ScheduledExecutorService timers = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().daemon().name("cove-process-timeouts").factory());

    public ProcessService(SandboxRuntime runtime) { this.runtime = runtime; }

    public void register(AgentRouter router) {
        router.stream("/process.Process/Start", StartRequest.class, new StartRpc(this));
        router.stream("/process.Process/Connect", ConnectRequest.class, new ConnectRpc(this));
        router.unary("/process.Process/List", Empty.class, new ListRpc(this));
        router.unary("/process.Process/SendInput", SendInputRequest.class, new SendInputRpc(this));
        router.unary("/process.Process/SendSignal", SendSignalRequest.class, new SendSignalRpc(this));
        router.unary("/process.Process/CloseStdin", CloseStdinRequest.class, new CloseStdinRpc(this));
        router.unary("/process.Process/Update", UpdateRequest.class, new UpdateRpc(this));
    }

    Map<Integer, ManagedProcess> of(String sandboxId) {
        return processes.computeIfAbsent(sandboxId, k -> new ConcurrentHashMap<>());
    }

    /** The sandbox is about to be killed or paused: the calls streaming its processes' events end as cut calls. */
    public void sandboxStopping(String sandboxId) {
        Map<Integer, ManagedProcess> table = processes.get(sandboxId);
        if (table != null) table.values().forEach(ManagedProcess::cut);
    }

    /** Forgets the processes of a sandbox that ended (they died with it). */
    public void forget(String sandboxId) {
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

    void remember(String sandboxId, ManagedProcess ended) {
        Messages.EndEvent end = ended.end();
        Map<Integer, String> ends = recentEnds.computeIfAbsent(sandboxId, k -> Collections.synchronizedMap(
                new LinkedHashMap<>(16, 0.75f, false) {
                    @Override
                    protected boolean removeEldestEntry(Map.Entry<Integer, String> eldest) { return size() > RECENT_ENDS_KEPT; }
                }));
        ends.put(ended.pid(), end == null ? "ended" : end.status());
    }

    ManagedProcess find(String sandboxId, ProcessSelector selector) {
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

    /**
     * Streams start, then data and keepalives, then end; a stream whose sandbox stops under it ends with
     * {@code unavailable} instead. A Connect stream that reaches its own deadline ends with
     * {@code deadline_exceeded} (the process goes on); a Start stream ends with the process, which its timeout kills.
     */
    static void follow(EnvdCall call, ManagedProcess mp, ManagedProcess.Subscriber sub, Connect.Stream stream,
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
                if (sub.cut) {
                    // connect's "unavailable" is what the SDKs turn into their TimeoutError ("sandbox timeout"); the
                    // sentence carries E2B's words, which its own suite looks for
                    stream.end(Connect.error("unavailable", "the sandbox was killed or reached its end of life, "
                            + "or was paused, while the call was in flight"));
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

    public void close() { timers.shutdownNow(); }
}
