package dev.cove.runtime.disk;

import dev.cove.core.CoveException;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * Refuses a create whose disk the host cannot back. Images are sparse, so promising more than is free is normal;
 * the operator's overcommit factor says how much more. The check: what the sandboxes may still write (each disk's
 * size minus what it already holds, for every sandbox this node holds and every create in flight, plus the new
 * disk) must not exceed {@code overcommit x} the space free on the data directory's file system. Space a sandbox
 * has written is both out of "free" and out of "may still write", so filling disks does not by itself shrink the
 * budget twice. A ready disk of the {@link DiskPool} is a promise like a create in flight: it holds a reservation
 * under its own key from before it is made until it is freed, or until a create takes it and the reservation moves
 * to that create ({@link #transfer}), so taking a pooled disk is never refused and never counted twice.
 */
public final class DiskBudget {
    private final Path dataDir;
    private final double overcommit;
    private final Map<String, Long> inFlight = new HashMap<>();

    public DiskBudget(Path dataDir, double overcommit) {
        this.dataDir = dataDir;
        this.overcommit = overcommit;
    }

    /**
     * Reserves {@code sizeMB} for the create of {@code id} until {@link #release}; 507 when it does not fit.
     *
     * @param unwrittenOfHeld bytes the sandboxes already held may still write (sizes minus used)
     */
    public synchronized void reserve(String id, int sizeMB, LongSupplier unwrittenOfHeld) {
        SandboxDisk.Usage fs = SandboxDisk.statfs(dataDir);
        long size = (long) sizeMB << 20;
        if (fs == null) {
            inFlight.put(id, size); // cannot measure: the create itself will say what fails
            return;
        }
        long promised = promised(unwrittenOfHeld, size);
        double budget = fs.availableBytes() * overcommit;
        if (promised > budget)
            throw new CoveException(507, "insufficient_storage", "not enough disk space for sandbox '" + id
                    + "': its " + sizeMB + " MiB disk would bring what sandboxes on this node may still write to "
                    + mib(promised) + " MiB, more than " + overcommit + " (--disk-overcommit) x the " + mib(fs.availableBytes())
                    + " MiB free on the file system of " + dataDir + " = " + mib((long) budget) + " MiB; free space"
                    + " there, destroy sandboxes, ask for a smaller disk (diskSizeMB), or raise --disk-overcommit");
        inFlight.put(id, size);
    }

    /**
     * Reserves {@code sizeMB} under {@code key} when it fits (a pool disk: unlike a create, it simply waits for
     * room); false when it does not, or when the free space cannot be measured (a pool is an optimisation only).
     */
    synchronized boolean tryReserve(String key, int sizeMB, LongSupplier unwrittenOfHeld) {
        SandboxDisk.Usage fs = SandboxDisk.statfs(dataDir);
        long size = (long) sizeMB << 20;
        if (fs == null || promised(unwrittenOfHeld, size) > fs.availableBytes() * overcommit) return false;
        inFlight.put(key, size);
        return true;
    }

    /** Moves the reservation of {@code from} (a pooled disk) to {@code to} (the create that took it), atomically. */
    synchronized void transfer(String from, String to) {
        Long size = inFlight.remove(from);
        if (size != null) inFlight.put(to, size);
    }

    private long promised(LongSupplier unwrittenOfHeld, long size) {
        long pending = inFlight.values().stream().mapToLong(Long::longValue).sum();
        return unwrittenOfHeld.getAsLong() + pending + size;
    }

    /** Ends the reservation of {@code id} (its create succeeded, and the sandbox now counts as held, or failed). */
    public synchronized void release(String id) { inFlight.remove(id); }

    private static long mib(long bytes) { return bytes >> 20; }
}
