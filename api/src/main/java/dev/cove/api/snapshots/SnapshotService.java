package dev.cove.api.snapshots;

import dev.cove.api.lifecycle.NewSandbox;
import dev.cove.api.lifecycle.SandboxService;
import dev.cove.api.lifecycle.SnapshotCatalog;
import dev.cove.api.lifecycle.TemplateCatalog;
import dev.cove.api.store.SandboxRecord;
import dev.cove.api.store.SnapshotRecord;
import dev.cove.api.store.SnapshotStore;
import dev.cove.core.CoveException;
import dev.cove.core.SandboxId;
import dev.cove.core.runtime.PauseState;
import dev.cove.core.runtime.SandboxRoot;
import dev.cove.core.runtime.SandboxRuntime;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * Snapshots and forks over the lifecycle and the runtime. A capture freezes a running sandbox for as long as its
 * writable layer takes to copy (thawed after, even on failure), so the layer is one instant's file system; the layer
 * goes on top of the layers the sandbox stood on. Layers this service captured are recorded before they exist and
 * deleted once no snapshot names them and no sandbox of the node stacks them ({@link #collect}, after a delete, a
 * fork and every minute): a fork's capture lives as long as its forks. Layers of a deleted template that a snapshot
 * stands on are handed over here ({@link #adoptLayer}); a layer a template names is never deleted here.
 */
public final class SnapshotService implements SnapshotCatalog, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SnapshotService.class);
    /** What every answer about a snapshot or fork says it carries (also in a header the SDK ignores). */
    static final String CONTENTS = "filesystem";
    static final String CONTENTS_HEADER = "X-Cove-Snapshot-Contents";
    static final String CONTENTS_NOTE = "filesystem only: files, owners and deletions are carried; memory and running "
            + "processes are not, so sandboxes made from it start their processes afresh";
    static final int MAX_FORKS = 100;
    private static final int PARALLEL_FORKS = 4;
    private static final Duration COLLECT_EVERY = Duration.ofMinutes(1);

    private final SandboxService sandboxes;
    private final SandboxRuntime runtime;
    private final SnapshotStore store;
    private final Clock clock;
    /** Shared while a capture is not yet named or stacked (snapshot, fork); alone while unused layers are deleted. */
    private final ReentrantReadWriteLock captures = new ReentrantReadWriteLock();
    private final ExecutorService forks = Executors.newVirtualThreadPerTaskExecutor();
    private ScheduledExecutorService collector;

    public SnapshotService(SandboxService sandboxes, SandboxRuntime runtime, SnapshotStore store, Clock clock) {
        this.sandboxes = sandboxes;
        this.runtime = runtime;
        this.store = store;
        this.clock = clock;
    }

    /** Becomes the create path's snapshot catalog and starts collecting unused layers (call after recovery). */
    public void start() {
        sandboxes.templates().snapshots(this);
        collector = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().daemon().name("cove-snapshot-gc").factory());
        collector.scheduleWithFixedDelay(this::collectQuietly, 0, COLLECT_EVERY.toSeconds(), TimeUnit.SECONDS);
    }

    // ---------------------------------------------------------------------------------------------- catalog

    @Override
    public Optional<TemplateCatalog.Image> resolve(String ref) {
        return find(ref).map(s -> new TemplateCatalog.Image(s.id(), s.name(), s.template(), s.layers(), s.envVars(),
                null));
    }

    @Override
    public Optional<TemplateCatalog.Image> forCreate(String ref) {
        Optional<SnapshotRecord> found = find(ref);
        if (found.isEmpty()) return Optional.empty();
        SnapshotRecord s = found.get();
        String now = runtime.templateRevision(s.template());
        if (!now.equals(s.templateRevision()))
            throw new CoveException(409, "snapshot_outdated", "Snapshot '" + (s.name() != null ? s.name() : s.id())
                    + "' was taken on template " + s.templateRevision() + " and this node's " + s.template() + " is now "
                    + now + " (Cove was upgraded); its files cannot be stacked on another version. Take the snapshot "
                    + "again from a sandbox of the current template.");
        return resolve(ref);
    }

    @Override
    public boolean namesLayer(String key) {
        return store.all().stream().anyMatch(s -> s.layers().contains(key));
    }

    @Override
    public void adoptLayer(String key) {
        store.recordLayer(key, clock.instant());
    }

    /** The snapshot an id or name (optionally {@code :default}) names. */
    public Optional<SnapshotRecord> find(String ref) {
        String key = SnapshotNames.forLookup(ref);
        if (key == null) return Optional.empty();
        Optional<SnapshotRecord> byId = store.find(key);
        return byId.isPresent() ? byId : store.findByName(key);
    }

    // ---------------------------------------------------------------------------------------------- create

    /**
     * E2B's {@code POST /sandboxes/{id}/snapshots}: a new snapshot of a live sandbox, or, under a name a snapshot has
     * already, that snapshot with new contents (same id; sandboxes made from the earlier contents keep them). 404 for
     * an unknown or ended sandbox; 409 when the name is a template's.
     */
    public SnapshotRecord create(String sandboxId, String rawName) {
        String name = rawName == null ? null : SnapshotNames.forCreate(rawName);
        SnapshotRecord existing = name == null ? null : store.findByName(name).orElse(null);
        if (name != null && existing == null && sandboxes.templates().knowsTemplate(name))
            throw new CoveException(409, "name_taken", "Invalid name: '" + name + "' is the name of a template; "
                    + "choose another name for the snapshot");
        captures.readLock().lock();
        try {
            Capture c = capture(sandboxId);
            String id = existing != null ? existing.id() : SandboxId.generate();
            SnapshotRecord s = new SnapshotRecord(id, name, sandboxId, c.source.templateId(), c.root.template(),
                    runtime.templateRevision(c.root.template()), c.layers(), c.source.envVars(), clock.instant());
            store.save(s); // an earlier version under this name leaves its layer unnamed: collected once unused
            LOG.info("Snapshot {} of sandbox {} taken{} (layer {})", id, sandboxId,
                    name == null ? "" : " as '" + name + "'", c.key);
            return s;
        } finally {
            captures.readLock().unlock();
        }
    }

    /** A captured layer over what its sandbox stood on. */
    private record Capture(SandboxRecord source, SandboxRoot root, String key) {
        List<String> layers() {
            List<String> all = new ArrayList<>(root.layers());
            all.add(key);
            return all;
        }
    }

    /** Freezes the sandbox (when it runs), captures its writable layer, thaws it; under the sandbox's lock. */
    private Capture capture(String sandboxId) {
        return sandboxes.onLive(sandboxId, row -> {
            SandboxRoot root = runtime.root(sandboxId);
            String key = "snap-" + SandboxId.generate();
            store.recordLayer(key, clock.instant());
            boolean froze = runtime.pauseState(sandboxId) == PauseState.RUNNING;
            long t0 = System.nanoTime();
            if (froze) runtime.pause(sandboxId, true);
            try {
                runtime.captureLayer(sandboxId, key, root.layers().isEmpty() ? null : root.layers().getLast(),
                        "snapshot of sandbox " + sandboxId);
            } finally {
                if (froze) runtime.resume(sandboxId);
            }
            LOG.info("Sandbox {} captured as layer {} in {} ms ({})", sandboxId, key,
                    (System.nanoTime() - t0) / 1_000_000, froze ? "frozen meanwhile" : "paused already");
            return new Capture(row, root, key);
        });
    }

    // ---------------------------------------------------------------------------------------------- list, delete

    /** One page, newest first, after {@code cursor} (null: from the start), filtered when the filters are not null. */
    public List<SnapshotRecord> page(String sandboxId, String idOrName, Cursor cursor, int limit) {
        String ref = idOrName == null ? null : SnapshotNames.forLookup(idOrName);
        if (idOrName != null && ref == null) return List.of();
        long before = cursor == null ? Long.MAX_VALUE : cursor.createdAtMillis();
        String beforeId = cursor == null ? "\uffff" : cursor.id();
        return store.page(sandboxId, ref, before, beforeId, limit);
    }

    /** Position after a page's last snapshot: its creation time and id. */
    public record Cursor(long createdAtMillis, String id) {}

    /**
     * E2B's {@code DELETE /templates/{id}} for a snapshot: false when no snapshot has this id or name. Refused (409
     * {@code snapshot_in_use}) while sandboxes made from it run or are paused; its layers go once nothing needs them.
     */
    @Override
    public boolean delete(String ref) {
        SnapshotRecord s = find(ref).orElse(null);
        if (s == null) return false;
        long live = sandboxes.liveSandboxesOf(s.id());
        if (live > 0)
            throw new CoveException(409, "snapshot_in_use", "Snapshot '" + (s.name() != null ? s.name() : s.id())
                    + "' has " + live + " sandbox" + (live == 1 ? "" : "es") + " made from it still running or paused; "
                    + "kill " + (live == 1 ? "it" : "them") + " first, then delete the snapshot");
        store.delete(s.id());
        LOG.info("Snapshot {} deleted", s.id());
        collectQuietly();
        return true;
    }

    // ---------------------------------------------------------------------------------------------- fork

    /** One fork's outcome: the sandbox, or why it could not start. */
    public record ForkResult(SandboxRecord sandbox, CoveException error) {}

    /**
     * E2B's {@code POST /sandboxes/{id}/fork}: one capture of the sandbox, then {@code count} sandboxes on it, each
     * with the source's settings and {@code timeout}; each succeeds or fails on its own. 404 for an unknown or ended
     * sandbox (before anything is made).
     */
    public List<ForkResult> fork(String sandboxId, int count, Duration timeout) {
        captures.readLock().lock();
        try {
            Capture c = capture(sandboxId);
            SandboxRecord src = c.source;
            TemplateCatalog.Image image = new TemplateCatalog.Image(src.templateId(), src.alias(), c.root.template(),
                    c.layers(), src.envVars(), null);
            NewSandbox req = new NewSandbox(src.templateId(), timeout, src.metadata(), Map.of(),
                    src.envdAccessToken() != null, src.allowInternetAccess(), src.network(), src.cpuCount(),
                    src.memoryMB(), null, Map.of(), new NewSandbox.Lifecycle(src.autoPause(), true, src.autoResume()),
                    src.diskSizeMB());
            Semaphore slots = new Semaphore(PARALLEL_FORKS);
            List<Future<ForkResult>> started = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                started.add(forks.submit(() -> {
                    slots.acquire();
                    try {
                        return new ForkResult(sandboxes.creator().create(req, image), null);
                    } catch (CoveException e) {
                        return new ForkResult(null, e);
                    } catch (RuntimeException e) {
                        LOG.warn("Fork of sandbox {} failed", sandboxId, e);
                        return new ForkResult(null, new CoveException(500, "sandbox_create_failed",
                                "Failed to start the forked sandbox (the server log has the cause)", e));
                    } finally {
                        slots.release();
                    }
                }));
            }
            List<ForkResult> results = new ArrayList<>();
            for (Future<ForkResult> f : started) {
                try {
                    results.add(f.get());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    results.add(new ForkResult(null, new CoveException(503, "interrupted", "the server is stopping")));
                } catch (java.util.concurrent.ExecutionException e) {
                    results.add(new ForkResult(null, new CoveException(500, "sandbox_create_failed",
                            "Failed to start the forked sandbox (the server log has the cause)", e.getCause())));
                }
            }
            LOG.info("Sandbox {} forked: {} of {} started", sandboxId,
                    results.stream().filter(r -> r.sandbox() != null).count(), count);
            return results;
        } finally {
            captures.readLock().unlock();
            collectQuietly(); // a fork none of whose sandboxes started leaves its capture unused
        }
    }

    // ---------------------------------------------------------------------------------------------- collect

    /** Deletes the captured layers no snapshot names and no sandbox of the node stacks; returns how many went. */
    public int collect() {
        if (!captures.writeLock().tryLock()) return 0; // a capture is on its way to be named or stacked: next time
        try {
            int deleted = 0;
            for (String key : store.unnamedLayers()) {
                if (sandboxes.templates().catalog().namesLayer(key)) { // a template's build took it from the cache:
                    // the template owns it now
                    store.forgetLayer(key);
                    continue;
                }
                try {
                    runtime.deleteLayer(key);
                    store.forgetLayer(key);
                    deleted++;
                } catch (CoveException e) {
                    if (e.status() != 409) LOG.warn("Cannot delete layer {} yet: {}", key, e.getMessage());
                }
            }
            if (deleted > 0) LOG.info("Deleted {} snapshot layers nothing uses any more", deleted);
            return deleted;
        } finally {
            captures.writeLock().unlock();
        }
    }

    private void collectQuietly() {
        try {
            collect();
        } catch (RuntimeException e) {
            LOG.warn("Collecting unused snapshot layers failed: {}", e.toString());
        }
    }

    @Override
    public void close() {
        if (collector != null) collector.shutdownNow();
        forks.shutdownNow();
        sandboxes.templates().snapshots(SnapshotCatalog.NONE);
    }

    /** Fork count and timeout checks, E2B's limits. */
    static int count(Integer count) {
        int n = count == null ? 1 : count;
        if (n < 1 || n > MAX_FORKS)
            throw CoveException.badRequest("count must be between 1 and " + MAX_FORKS + ", got " + n);
        return n;
    }
}
