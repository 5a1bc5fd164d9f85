package dev.cove.runtime.oci;

import dev.cove.runtime.cgroup.CgroupFreezer;
import dev.cove.runtime.cgroup.CgroupLayout;
import dev.cove.runtime.fs.FileTrees;
import dev.cove.runtime.journal.SandboxJournal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Ends the OCI container of a sandbox and everything that runs in it, leaving its file system, mount and network
 * alone: what a destroy does first, and all that a stop-pause does.
 */
public final class SandboxContainer {
    private SandboxContainer() {}

    /**
     * Kills every process (frozen ones included), deletes the container from the OCI runtime's state and removes
     * its cgroup directories in every hierarchy. Tolerates any of them being gone already.
     *
     * @param initPid host pid of the init when known (0: not known; the runtime and the cgroups are asked instead)
     * @return what could not be freed (empty: the container is gone)
     */
    public static List<String> stop(OciCli cli, CgroupLayout cgroups, SandboxJournal j, long initPid) {
        List<String> problems = new ArrayList<>();
        // Killing the init ourselves first spares runc's "delete --force" its fixed 100 ms wait after the kill:
        // a stopped container is deleted at once. The kernel kills the rest of the pid namespace with its init.
        boolean ownInit = initPid > 0 && inCgroup(initPid, j.cgroupsPath());
        if (ownInit) ProcessHandle.of(initPid).ifPresent(ProcessHandle::destroyForcibly);
        thawForKill(cgroups, j);
        if (ownInit) awaitDeath(initPid);
        String deleteError = null;
        try {
            cli.deleteForce(j.containerId());
        } catch (IOException e) {
            deleteError = e.getMessage();
        }
        List<Path> cgroupLeft = cgroups.killAndRemove(j.cgroupsPath(), 2000);
        if (!cgroupLeft.isEmpty()) problems.add("cgroup directories still busy: " + cgroupLeft);
        if (cli.exists(j.containerId())) {
            if (cgroupLeft.isEmpty()) {
                // every process of the sandbox is gone, so the runtime's state is stale (e.g. corrupt): drop it
                try {
                    FileTrees.deleteRecursively(cli.root().resolve(j.containerId()));
                } catch (IOException e) {
                    problems.add(deleteError + "; " + e.getMessage());
                }
            } else {
                problems.add(deleteError);
            }
        }
        return problems;
    }

    /**
     * A frozen container's processes (v1) die of SIGKILL only once thawed: every one gets its SIGKILL first, so
     * none runs an instruction of its own after the thaw. A container that is not frozen is left alone.
     */
    private static void thawForKill(CgroupLayout cgroups, SandboxJournal j) {
        try {
            CgroupFreezer freezer = CgroupFreezer.of(cgroups, j.cgroupsPath());
            if (!freezer.frozen()) return;
            cgroups.killAll(j.cgroupsPath());
            freezer.thaw();
        } catch (IOException ignored) {
            // no freezer on this host, or the cgroup is gone: nothing is frozen
        }
    }

    /** True when {@code pid} lives in the sandbox's cgroup: a pid recycled by an unrelated process does not. */
    static boolean inCgroup(long pid, String cgroupsPath) {
        try {
            return Files.readString(Path.of("/proc", Long.toString(pid), "cgroup")).contains(cgroupsPath + "\n");
        } catch (IOException e) {
            return false;
        }
    }

    /** Waits (at most 2 s) until {@code pid} is dead (zombie or reaped). */
    private static void awaitDeath(long pid) {
        Path stat = Path.of("/proc", Long.toString(pid), "stat");
        long deadline = System.nanoTime() + 2_000_000_000L;
        while (System.nanoTime() < deadline) {
            try {
                String s = Files.readString(stat);
                int close = s.lastIndexOf(')');
                char state = close > 0 && close + 2 < s.length() ? s.charAt(close + 2) : 'X';
                if (state == 'Z' || state == 'X') return;
            } catch (IOException e) {
                return; // gone (reaped)
            }
            Thread.onSpinWait();
            try {
                Thread.sleep(0, 200_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
