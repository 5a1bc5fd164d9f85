package dev.cove.runtime.process;

import dev.cove.core.runtime.SandboxProcess;
import dev.cove.runtime.oci.OciSpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The spawners of a node's sandboxes. A spawner is started in the background (at create, or on the first process
 * of a sandbox this instance did not create); until it is up, and whenever it cannot serve, {@link #spawn} returns
 * null and the caller uses the runtime's exec. A sandbox whose spawner failed or died gets a few restarts, no more:
 * a sandbox's root that keeps killing it only makes its own processes slower to start.
 */
public final class SpawnerPool implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(SpawnerPool.class);
    static final int MAX_STARTS = 3;

    private final boolean enabled;
    private final Map<String, Slot> slots = new ConcurrentHashMap<>();

    /** Where and how to start a sandbox's spawner. */
    public record Target(String sandboxId, Path rootfs, Path workDir, Spawner.ExecCommand exec, long uidBase,
                         boolean mayGainPrivileges) {}

    private static final class Slot {
        final Target target;
        volatile Spawner spawner;
        volatile boolean starting;
        int starts; // guarded by this
        volatile boolean removed;

        Slot(Target target) { this.target = target; }
    }

    public SpawnerPool(boolean enabled) { this.enabled = enabled; }

    public boolean enabled() { return enabled; }

    private void kick(Slot slot) {
        synchronized (slot) {
            if (slot.removed || slot.starting || (slot.spawner != null && slot.spawner.alive())) return;
            if (slot.starts >= MAX_STARTS) return;
            slot.starts++;
            slot.starting = true;
        }
        Thread.ofVirtual().name("cove-spawner-start-" + slot.target.sandboxId()).start(() -> {
            Target t = slot.target;
            try {
                Spawner s = Spawner.start(t.sandboxId(), t.rootfs(), t.workDir(), t.exec(), t.uidBase(),
                        t.mayGainPrivileges());
                boolean keep;
                synchronized (slot) {
                    keep = !slot.removed;
                    if (keep) slot.spawner = s;
                }
                if (!keep) s.close();
            } catch (IOException | RuntimeException e) {
                if (!slot.removed) log.info("sandbox {}: no process spawner, processes start through exec: {}", t.sandboxId(),
                        e.getMessage());
            } finally {
                slot.starting = false;
            }
        });
    }

    /**
     * A process started by the sandbox's spawner, or null when there is none able to (the caller uses exec).
     *
     * @throws dev.cove.core.CoveException the process could not be started, as exec would report it
     */
    public SandboxProcess spawn(Target target, List<String> argv, List<String> env, String cwd, OciSpec.User user,
                                boolean stdin, boolean noNewPrivileges) {
        if (!enabled) return null;
        Slot slot = slots.computeIfAbsent(target.sandboxId(), k -> new Slot(target));
        Spawner s = slot.spawner;
        if (s == null || !s.alive()) {
            kick(slot);
            return null;
        }
        try {
            return s.spawn(argv, env, cwd, user, stdin, noNewPrivileges);
        } catch (Spawner.Unavailable e) {
            if (!s.alive()) kick(slot);
            return null;
        }
    }

    /** True when the sandbox's spawner is up (tests). */
    public boolean ready(String sandboxId) {
        Slot slot = slots.get(sandboxId);
        Spawner s = slot == null ? null : slot.spawner;
        return s != null && s.alive();
    }

    /**
     * Forgets the sandbox's spawner (destroy); it dies with the sandbox. A start still in flight is awaited first
     * (it takes tens of milliseconds): torn down under it, its runtime exec leaves the sandbox's cgroup busy for
     * seconds.
     */
    public void remove(String sandboxId) {
        Slot slot = slots.remove(sandboxId);
        if (slot == null) return;
        awaitStart(slot);
        Spawner s;
        synchronized (slot) {
            slot.removed = true;
            s = slot.spawner;
        }
        if (s != null) s.close();
    }

    /**
     * Waits (at most 5 s) for a start of the sandbox's spawner in flight. A pause calls it before freezing: frozen
     * half-way, the start would time out and count as a failed one, leaving the sandbox without its fast path.
     */
    public void awaitStart(String sandboxId) {
        Slot slot = slots.get(sandboxId);
        if (slot != null) awaitStart(slot);
    }

    private static void awaitStart(Slot slot) {
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (slot.starting && System.nanoTime() < deadline) {
            try {
                Thread.sleep(2);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
    }

    @Override
    public void close() {
        for (String id : List.copyOf(slots.keySet())) remove(id);
    }
}
