package dev.cove.runtime.cgroup;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Both freezer flavours on the host's own hierarchies, with a busy host process moved into a scratch cgroup: the v1
 * freezer where the host has one, and v2's {@code cgroup.freeze} (on a hybrid host, in its unified hierarchy, which
 * has the v2 freezer too). The sandboxes' own freezing is covered end to end by {@code PauseTest}.
 */
class CgroupFreezerTest {
    private static final String PARENT = "covepaus";

    @Test
    void v1FreezerStopsAndThawsAProcess() throws Exception {
        CgroupLayout layout = CgroupLayout.detect();
        assumeTrue(isRoot() && layout.v1Freezer() != null, "needs root and a v1 freezer hierarchy");
        freezeAndThaw(layout, layout.v1Freezer(), false);
    }

    @Test
    void v2FreezerStopsAndThawsAProcess() throws Exception {
        CgroupLayout layout = CgroupLayout.detect();
        assumeTrue(isRoot() && layout.v2Mount() != null, "needs root and a cgroup v2 hierarchy");
        freezeAndThaw(layout, layout.v2Mount(), true);
    }

    private static void freezeAndThaw(CgroupLayout layout, Path hierarchy, boolean v2) throws Exception {
        String cgroupsPath = "/" + PARENT + "/freezer-probe-" + ProcessHandle.current().pid() + (v2 ? "-v2" : "-v1");
        Path dir = hierarchy.resolve(cgroupsPath.substring(1));
        Files.createDirectories(dir);
        Process busy = new ProcessBuilder("sh", "-c", "while :; do :; done").start();
        try {
            Files.writeString(dir.resolve("cgroup.procs"), Long.toString(busy.pid()));
            CgroupFreezer freezer = CgroupFreezer.at(dir, v2);
            assertThat(freezer.frozen()).isFalse();

            freezer.freeze(Duration.ofSeconds(5));
            assertThat(freezer.frozen()).isTrue();
            long cpu = cpuTicks(busy.pid());
            Thread.sleep(300);
            assertThat(cpuTicks(busy.pid())).as("CPU time while frozen").isEqualTo(cpu);
            freezer.freeze(Duration.ofSeconds(5)); // again: already frozen

            freezer.thaw();
            assertThat(freezer.frozen()).isFalse();
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (cpuTicks(busy.pid()) == cpu && System.nanoTime() < deadline) Thread.sleep(20);
            assertThat(cpuTicks(busy.pid())).as("CPU time after the thaw").isGreaterThan(cpu);

            // frozen again, then removed as a destroy does: killed, thawed, gone
            freezer.freeze(Duration.ofSeconds(5));
            assertThat(layout.killAndRemove(cgroupsPath, 5000)).isEmpty();
            assertThat(busy.waitFor(5, java.util.concurrent.TimeUnit.SECONDS)).as("killed once thawed").isTrue();
            assertThat(dir).doesNotExist();
        } finally {
            busy.destroyForcibly();
            busy.waitFor();
            layout.killAndRemove(cgroupsPath, 2000);
            removeEmptyParents(layout);
        }
    }

    /** utime + stime of a process, in clock ticks. */
    private static long cpuTicks(long pid) throws IOException {
        String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(f[11]) + Long.parseLong(f[12]);
    }

    private static void removeEmptyParents(CgroupLayout layout) {
        List<Path> parents = new ArrayList<>();
        for (Path m : layout.v1Mounts()) parents.add(m.resolve(PARENT));
        if (layout.v2Mount() != null) parents.add(layout.v2Mount().resolve(PARENT));
        for (Path p : parents) {
            try {
                Files.deleteIfExists(p); // rmdir: fails while another suite's sandbox still lives below it
            } catch (IOException ignored) {
                // in use
            }
        }
    }

    private static boolean isRoot() {
        try {
            return Files.readString(Path.of("/proc/self/status")).lines()
                    .anyMatch(l -> l.startsWith("Uid:") && l.split("\\s+")[1].equals("0"));
        } catch (IOException e) {
            return false;
        }
    }
}
