package dev.cove.runtime.cgroup;

import dev.cove.runtime.fs.MountTable;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The host's cgroup hierarchies: v1 (one mount per controller set), v2 (unified), or hybrid (both).
 * The OCI runtime sets limits through {@code linux.resources}; this class only finds and removes what
 * a sandbox's cgroup path left behind, in every hierarchy, whatever the layout.
 */
public final class CgroupLayout {
    private final List<Path> v1Mounts;
    private final Path v2Mount;
    private final List<String> v2Controllers;
    private final Path v1Freezer;

    private CgroupLayout(List<Path> v1Mounts, Path v2Mount, List<String> v2Controllers, Path v1Freezer) {
        this.v1Mounts = List.copyOf(v1Mounts);
        this.v2Mount = v2Mount;
        this.v2Controllers = List.copyOf(v2Controllers);
        this.v1Freezer = v1Freezer;
    }

    public static CgroupLayout detect() {
        List<Path> v1 = new ArrayList<>();
        Path v2 = null;
        Path freezer = null;
        for (MountTable.Entry e : MountTable.read()) {
            if (e.fsType().equals("cgroup") && !v1.contains(e.mountPoint())) v1.add(e.mountPoint());
            if (e.fsType().equals("cgroup") && freezer == null && List.of(e.superOptions().split(",")).contains("freezer"))
                freezer = e.mountPoint();
            if (e.fsType().equals("cgroup2") && v2 == null) v2 = e.mountPoint();
        }
        List<String> controllers = List.of();
        if (v2 != null) {
            try {
                String text = Files.readString(v2.resolve("cgroup.controllers")).strip();
                controllers = text.isEmpty() ? List.of() : List.of(text.split("\\s+"));
            } catch (IOException ignored) {
                // unreadable: treat as no controllers
            }
        }
        return new CgroupLayout(v1, v2, controllers, freezer);
    }

    public List<Path> v1Mounts() { return v1Mounts; }

    public Path v2Mount() { return v2Mount; }

    /** The v1 freezer hierarchy, or null (a v2-only host, or a v1 host without it). */
    Path v1Freezer() { return v1Freezer; }

    /** Both v1 hierarchies and a v2 hierarchy that holds controllers: crun refuses to run here. */
    public boolean hybridWithV2Controllers() {
        return !v1Mounts.isEmpty() && v2Mount != null && !v2Controllers.isEmpty();
    }

    public String describe() {
        if (v1Mounts.isEmpty()) return "cgroup v2 (" + v2Mount + ")";
        if (v2Mount == null) return "cgroup v1";
        return "hybrid cgroup v1 + v2 (" + v2Mount + ", v2 controllers " + v2Controllers + ")";
    }

    /** Where {@code cgroupsPath} (absolute, e.g. {@code /cove/<id>}) lives in every hierarchy. */
    List<Path> dirsFor(String cgroupsPath) {
        String rel = cgroupsPath.startsWith("/") ? cgroupsPath.substring(1) : cgroupsPath;
        List<Path> dirs = new ArrayList<>();
        for (Path m : v1Mounts) dirs.add(m.resolve(rel));
        if (v2Mount != null) dirs.add(v2Mount.resolve(rel));
        return dirs;
    }

    /**
     * The cgroup directories of process {@code pid} by controller ({@code ""} for v2), from its
     * {@code /proc/<pid>/cgroup}; empty when the process is gone.
     */
    Map<String, Path> dirsOf(long pid) {
        Map<String, Path> out = new HashMap<>();
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "cgroup"))) {
                String[] f = line.split(":", 3);
                if (f.length < 3) continue;
                String rel = f[2].startsWith("/") ? f[2].substring(1) : f[2];
                if (f[1].isEmpty()) {
                    if (v2Mount != null) out.put("", v2Mount.resolve(rel));
                    continue;
                }
                for (String controller : f[1].split(",")) {
                    for (Path m : v1Mounts) {
                        String mName = m.getFileName().toString();
                        if (List.of(mName.split(",")).contains(controller) && Files.isDirectory(m.resolve(rel))) {
                            out.put(controller, m.resolve(rel));
                        }
                    }
                }
            }
        } catch (IOException ignored) {
            // the sandbox is going away
        }
        return out;
    }

    /** Directories of {@code cgroupsPath} that still exist. */
    List<Path> existing(String cgroupsPath) {
        return dirsFor(cgroupsPath).stream().filter(Files::isDirectory).toList();
    }

    /** SIGKILL to every process in the cgroup (any hierarchy, sub-cgroups included); frozen ones die once thawed. */
    public void killAll(String cgroupsPath) {
        for (Path root : existing(cgroupsPath))
            for (Path dir : subtree(root)) killProcs(dir);
    }

    /**
     * Kills every process left in the cgroup (in any hierarchy, including sub-cgroups) and removes the
     * directories, deepest first. A frozen cgroup is thawed after the kill. Returns the directories that could
     * not be removed.
     */
    public List<Path> killAndRemove(String cgroupsPath, long maxWaitMillis) {
        List<Path> roots = existing(cgroupsPath);
        if (roots.isEmpty()) return List.of();
        long deadline = System.nanoTime() + maxWaitMillis * 1_000_000;
        List<Path> left;
        while (true) {
            left = new ArrayList<>();
            for (Path root : roots) {
                for (Path dir : subtree(root)) {
                    killProcs(dir);
                    thawAfterKill(dir);
                    try {
                        Files.deleteIfExists(dir); // rmdir(2): cgroup dirs hold only virtual files
                    } catch (IOException e) {
                        left.add(dir);
                    }
                }
            }
            if (left.isEmpty() || System.nanoTime() > deadline) return left;
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return left;
            }
        }
    }

    private static List<Path> subtree(Path root) {
        if (!Files.isDirectory(root)) return List.of();
        try (Stream<Path> s = Files.walk(root)) {
            return s.filter(Files::isDirectory).sorted(Comparator.comparingInt(Path::getNameCount).reversed()).toList();
        } catch (IOException e) {
            return List.of(root);
        }
    }

    /**
     * On v1 a frozen process does not die of SIGKILL until it is thawed (v2 lets it die). Killed before the thaw,
     * it runs no instruction of its own afterwards.
     */
    private static void thawAfterKill(Path dir) {
        for (String[] file : new String[][] {{"freezer.state", "THAWED"}, {"cgroup.freeze", "0"}}) {
            Path control = dir.resolve(file[0]);
            try {
                if (Files.exists(control)) Files.writeString(control, file[1]);
            } catch (IOException ignored) {
                // removed meanwhile, or the root cgroup (which cannot be frozen)
            }
        }
    }

    private static void killProcs(Path dir) {
        try {
            for (String line : Files.readAllLines(dir.resolve("cgroup.procs"))) {
                if (line.isBlank()) continue;
                ProcessHandle.of(Long.parseLong(line.strip())).ifPresent(ProcessHandle::destroyForcibly);
            }
        } catch (IOException | RuntimeException ignored) {
            // gone already, or no cgroup.procs in this hierarchy
        }
    }
}
