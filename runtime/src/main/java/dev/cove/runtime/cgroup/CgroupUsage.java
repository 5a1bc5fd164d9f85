package dev.cove.runtime.cgroup;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Memory and CPU use of a process's cgroups, read from the cgroup files of v1 ({@code memory.usage_in_bytes},
 * {@code cpuacct.usage}) or v2 ({@code memory.current}, {@code cpu.stat}). Used memory leaves out the page cache.
 *
 * @param memoryUsed  bytes in use, page cache left out; 0 when unknown
 * @param memoryCache bytes of page cache; 0 when unknown
 * @param cpuNanos    CPU time used in total, or -1 when unknown
 */
public record CgroupUsage(long memoryUsed, long memoryCache, long cpuNanos) {

    /**
     * Reads what it can: a file that cannot be read ends the reading there, is passed to {@code failed}, and leaves
     * what is not read yet at its unknown value.
     */
    public static CgroupUsage read(CgroupLayout cgroups, long pid, Consumer<Exception> failed) {
        long memUsed = 0;
        long memCache = 0;
        long cpuNanos = -1;
        Map<String, Path> dirs = cgroups.dirsOf(pid);
        try {
            Path mem = dirs.get("memory");
            if (mem != null) {
                long usage = readLong(mem.resolve("memory.usage_in_bytes"));
                Map<String, Long> stat = readStat(mem.resolve("memory.stat"));
                memCache = stat.getOrDefault("total_cache", stat.getOrDefault("cache", 0L));
                memUsed = Math.max(0, usage - memCache);
            } else if (dirs.containsKey("")) {
                Path v2 = dirs.get("");
                long usage = readLong(v2.resolve("memory.current"));
                memCache = readStat(v2.resolve("memory.stat")).getOrDefault("file", 0L);
                memUsed = Math.max(0, usage - memCache);
            }
            Path cpu = dirs.get("cpuacct");
            if (cpu != null) cpuNanos = readLong(cpu.resolve("cpuacct.usage"));
            else if (dirs.containsKey("")) cpuNanos = readStat(dirs.get("").resolve("cpu.stat")).getOrDefault("usage_usec", 0L) * 1000;
        } catch (IOException | RuntimeException e) {
            failed.accept(e);
        }
        return new CgroupUsage(memUsed, memCache, cpuNanos);
    }

    private static long readLong(Path p) throws IOException { return Long.parseLong(Files.readString(p).strip()); }

    /** A {@code key value} per line ({@code memory.stat}, {@code cpu.stat}); lines that are not are skipped. */
    private static Map<String, Long> readStat(Path p) throws IOException {
        Map<String, Long> m = new HashMap<>();
        for (String line : Files.readAllLines(p)) {
            String[] f = line.split(" ");
            if (f.length == 2) {
                try {
                    m.put(f[0], Long.parseLong(f[1]));
                } catch (NumberFormatException ignored) {
                    // not a number
                }
            }
        }
        return m;
    }
}
