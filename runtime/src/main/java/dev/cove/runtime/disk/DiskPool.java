package dev.cove.runtime.disk;

import dev.cove.core.linux.Native;
import dev.cove.runtime.fs.FileTrees;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;
import java.util.stream.Stream;

import static java.lang.foreign.ValueLayout.JAVA_INT;

/**
 * Disks of the node's default size made ahead of time, so that a create does not wait for mkfs and mount (about
 * 25 ms of a 80 ms create). Each entry is {@code <dataDir>/disk-pool/<random>/}, laid out like a sandbox directory:
 * {@code disk.img} mounted at {@code disk/}, freshly formatted (its root as mkfs made it; the create makes
 * {@code upper/} and {@code work/} in it exactly as on a disk of its own). A create that takes an entry writes its
 * paths into its journal before using it and from then on owns it: teardown and recovery free it by those paths.
 * The mount stays where it is (a mount point is never moved: a lazily detached or busy mount would not follow).
 *
 * <p>One daemon thread makes the entries, outside the lock, so a create never waits for it; {@link #take} only
 * removes a ready entry under the lock. Every entry holds a {@link DiskBudget} reservation from before it is made,
 * which {@link #take} hands to the create, so the pool never promises space the budget does not allow (it waits for
 * room instead). At start, entries no journal names (a crash left them) are freed; {@link #close} frees the unused
 * ones, so a stopped node leaves no loop device, mount or image behind.
 */
@SuppressWarnings("restricted") // setpriority(2) of the refill thread
public final class DiskPool implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(DiskPool.class);
    public static final String DIR = "disk-pool";
    /** After a failed make or a full budget: try again later, not in a loop that fills the log. */
    private static final Duration RETRY = Duration.ofSeconds(10);
    /** Longer than mkfs may take (SandboxDisk's own timeout), so close does not leave an entry being made. */
    private static final Duration JOIN = Duration.ofSeconds(90);
    private static final SecureRandom RANDOM = new SecureRandom();
    /** Lowest CPU priority: the refill runs while creates run (on a 2-core host its mkfs took CPU from them). */
    private static final int REFILL_NICE = 19;
    private static final MethodHandle SETPRIORITY = Native.function("setpriority",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));

    /** A ready disk: {@code dir/disk.img} mounted at {@code dir/disk}. */
    public record Entry(Path dir) {
        public Path image() { return dir.resolve(SandboxDisk.IMAGE); }

        public Path mount() { return dir.resolve(SandboxDisk.MOUNT); }

        String budgetKey() { return DIR + "/" + dir.getFileName(); }
    }

    private final Path dir;
    private final int size;
    private final int sizeMB;
    private final DiskBudget budget;
    private final LongSupplier unwrittenOfHeld;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final Deque<Entry> ready = new ArrayDeque<>();
    private boolean closed;
    private Thread refiller;

    /**
     * @param size            entries to keep ready (0: off; the start-up sweep still runs)
     * @param sizeMB          their disk size: only creates of exactly this size take one
     * @param unwrittenOfHeld what the held sandboxes may still write, for the budget check of each new entry
     */
    public DiskPool(Path dataDir, int size, int sizeMB, DiskBudget budget, LongSupplier unwrittenOfHeld) {
        this.dir = dataDir.resolve(DIR);
        this.size = size;
        this.sizeMB = sizeMB;
        this.budget = budget;
        this.unwrittenOfHeld = unwrittenOfHeld;
    }

    /**
     * Frees every entry whose image is not in {@code inUse} (images named by sandbox journals), then starts the
     * refill thread.
     */
    public void start(Set<Path> inUse) throws IOException {
        Files.createDirectories(dir);
        List<Path> entries;
        try (Stream<Path> s = Files.list(dir)) {
            entries = s.filter(Files::isDirectory).toList();
        }
        for (Path entry : entries) {
            if (inUse.contains(entry.resolve(SandboxDisk.IMAGE).toAbsolutePath().normalize())) continue;
            List<String> problems = free(entry);
            if (problems.isEmpty()) log.info("disk pool: freed {}, which no sandbox uses", entry);
            else log.warn("disk pool: cannot free {}: {}", entry, String.join("; ", problems));
        }
        if (size <= 0) return;
        lock.lock();
        try {
            if (closed) return;
            refiller = Thread.ofPlatform().daemon().name("cove-disk-pool").start(this::refill);
        } finally {
            lock.unlock();
        }
    }

    /**
     * A ready disk for the create of {@code id}, whose budget reservation moves to {@code id}; null when the pool
     * has none of {@code diskMB} ready (the create then makes its own). Never waits for a disk being made.
     */
    public Entry take(int diskMB, String id) {
        if (diskMB != sizeMB || size <= 0) return null;
        lock.lock();
        try {
            Entry e = closed ? null : ready.pollFirst();
            if (e != null) {
                budget.transfer(e.budgetKey(), id);
                changed.signalAll();
            }
            return e;
        } finally {
            lock.unlock();
        }
    }

    /** The entry directory of {@code image} when it is a pool disk (a taken one, named by a journal), else null. */
    public Path entryOf(Path image) {
        Path parent = image.toAbsolutePath().normalize().getParent();
        if (parent == null || !dir.equals(parent.getParent())) return null;
        return image.getFileName().toString().equals(SandboxDisk.IMAGE) ? parent : null;
    }

    /** Unmounts the entry's disk, detaches its loop device and deletes the entry; what could not be freed. */
    public static List<String> free(Path entry) {
        List<String> problems = new ArrayList<>(SandboxDisk.release(entry));
        if (!problems.isEmpty()) return problems;
        try {
            FileTrees.deleteRecursively(entry);
        } catch (IOException e) {
            problems.add("cannot delete " + entry + ": " + e.getMessage());
        }
        return problems;
    }

    /** Ready entries now (tests). */
    public int readyCount() {
        lock.lock();
        try {
            return ready.size();
        } finally {
            lock.unlock();
        }
    }

    private void refill() {
        lowerPriority();
        while (true) {
            lock.lock();
            try {
                while (!closed && ready.size() >= size) changed.await();
                if (closed) return;
            } catch (InterruptedException e) {
                return;
            } finally {
                lock.unlock();
            }
            Entry e = new Entry(dir.resolve(HexFormat.of().formatHex(randomBytes())));
            if (!budget.tryReserve(e.budgetKey(), sizeMB, unwrittenOfHeld)) {
                log.debug("disk pool: no room in the disk budget for a ready {} MiB disk; trying again later", sizeMB);
                if (!pause()) return;
                continue;
            }
            try {
                Files.createDirectory(e.dir(), PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
                SandboxDisk.create(e.image(), e.mount(), sizeMB);
            } catch (IOException | RuntimeException ex) {
                log.warn("disk pool: cannot make a ready disk (creates make their own meanwhile): {}", ex.getMessage());
                discard(e);
                if (!pause()) return;
                continue;
            }
            lock.lock();
            try {
                if (!closed) {
                    ready.addLast(e);
                    continue;
                }
            } finally {
                lock.unlock();
            }
            discard(e); // closed while it was being made
            return;
        }
    }

    /**
     * Nice 19 for this thread only (Linux: setpriority of PRIO_PROCESS 0 is per thread), inherited by the mkfs it
     * starts (posix_spawn from this thread); the mount(2) it makes runs at that priority too.
     */
    private static void lowerPriority() {
        try (Arena a = Arena.ofConfined()) {
            int rc = (int) SETPRIORITY.invokeExact(a.allocate(Native.CALL_STATE), 0, 0, REFILL_NICE);
            if (rc != 0) log.debug("disk pool: cannot lower the refill thread's priority");
        } catch (Throwable t) {
            log.debug("disk pool: cannot lower the refill thread's priority: {}", t.toString());
        }
    }

    private static byte[] randomBytes() {
        byte[] b = new byte[8];
        RANDOM.nextBytes(b);
        return b;
    }

    /** Waits {@link #RETRY} or until closed; false when closed. */
    private boolean pause() {
        lock.lock();
        try {
            if (!closed) changed.await(RETRY.toMillis(), TimeUnit.MILLISECONDS);
            return !closed;
        } catch (InterruptedException e) {
            return false;
        } finally {
            lock.unlock();
        }
    }

    private void discard(Entry e) {
        List<String> problems = free(e.dir());
        if (!problems.isEmpty())
            log.warn("disk pool: cannot free {} (freed at the next start): {}", e.dir(), String.join("; ", problems));
        budget.release(e.budgetKey());
    }

    /** Stops the refill thread (after the entry it is making, if any) and frees the entries no create took. */
    @Override
    public void close() {
        Thread t;
        List<Entry> unused;
        lock.lock();
        try {
            closed = true;
            changed.signalAll();
            t = refiller;
        } finally {
            lock.unlock();
        }
        if (t != null) {
            try {
                if (!t.join(JOIN)) log.warn("disk pool: the refill thread did not stop; its disk is freed at the next start");
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        lock.lock();
        try {
            unused = List.copyOf(ready);
            ready.clear();
        } finally {
            lock.unlock();
        }
        for (Entry e : unused) discard(e);
    }
}
