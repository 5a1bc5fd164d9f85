package dev.cove.runtime;

import dev.cove.core.runtime.SandboxUsage;
import dev.cove.runtime.cgroup.CgroupUsage;
import dev.cove.runtime.disk.SandboxDisk;
import dev.cove.runtime.journal.SandboxJournal;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/** A held sandbox's resource use: memory and CPU from its cgroups ({@link CgroupUsage}), disk from its file system. */
final class Usage {
    private static final Logger log = LoggerFactory.getLogger(OciRuntime.class);

    private final Node node;
    /** Last CPU sample per sandbox: (nanoTime, cpu usage ns), for the CPU share since. */
    private final Map<String, long[]> cpuSamples = new ConcurrentHashMap<>();

    Usage(Node node) { this.node = node; }

    /** Memory and CPU from the sandbox's cgroups (v1 or v2, found through its init's /proc/&lt;pid&gt;/cgroup). */
    SandboxUsage usage(String id) {
        HeldSandbox h = node.held(id);
        SandboxJournal j = h.journal;
        long memTotal = (long) j.memoryMB() << 20;
        CgroupUsage cg = CgroupUsage.read(node.cgroups, h.sandbox.initPid(),
                e -> log.debug("usage of {}: {}", id, e.toString()));
        long cpuNanos = cg.cpuNanos();
        double pct = 0;
        if (cpuNanos >= 0) {
            long now = System.nanoTime();
            long[] prev = cpuSamples.put(id, new long[] {now, cpuNanos});
            if (prev == null) {
                try {
                    Thread.sleep(100);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return usage(id);
            }
            long wall = now - prev[0];
            if (wall > 0) pct = Math.min(100.0, 100.0 * (cpuNanos - prev[1]) / ((double) wall * Math.max(1, j.cpuCount())));
        }
        long diskUsed = 0;
        long diskTotal = 0;
        SandboxDisk.Usage disk = j.hasDisk() ? SandboxDisk.usage(Path.of(j.diskDir())) : null;
        if (disk != null) {
            diskUsed = disk.usedBytes();
            diskTotal = disk.totalBytes();
        } else if (!j.hasDisk()) {
            diskUsed = legacyUpperBytes(Path.of(j.upperDir()));
        }
        return new SandboxUsage(j.cpuCount(), Math.max(0, pct), memTotal, cg.memoryUsed(), cg.memoryCache(), diskUsed,
                diskTotal);
    }

    /** Drops the sandbox's CPU sample (destroyed or paused: the next share starts afresh). */
    void forget(String id) { cpuSamples.remove(id); }

    /**
     * Bytes of the regular files in the upper layer of a sandbox made before disks existed; symlinks are not
     * followed (they would measure host files as root).
     */
    private static long legacyUpperBytes(Path upper) {
        try (Stream<Path> s = Files.walk(upper)) {
            return s.mapToLong(p -> {
                try {
                    BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
                    return a.isRegularFile() ? a.size() : 0;
                } catch (IOException e) {
                    return 0; // racing with writes
                }
            }).sum();
        } catch (IOException | UncheckedIOException e) {
            return 0;
        }
    }
}
