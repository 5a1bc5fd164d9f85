package dev.cove.it;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * What a sandbox holds on the host, read the way an operator would (ip, /proc/mounts, runc, cgroupfs),
 * so tests can prove that kill and crash recovery leave nothing behind.
 */
public final class HostResources {
    private HostResources() {}

    static String run(String... cmd) {
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(60, TimeUnit.SECONDS)) p.destroyForcibly();
            return new String(out, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Network namespaces named {@code <prefix>-…}. */
    public static List<String> netns(String prefix) {
        return run("ip", "netns", "list").lines().map(l -> l.split(" ")[0]).filter(n -> n.startsWith(prefix + "-")).toList();
    }

    /** Host-side interfaces named {@code <prefix><slot>h} (the sandbox ends live in the netns). */
    static List<String> links(String prefix) {
        return run("ip", "-o", "link", "show").lines()
                .map(l -> l.split(":\\s+")[1].split("@")[0])
                .filter(n -> n.matches(prefix + "\\d+[hs]")).toList();
    }

    /** Mounts below the data directory (overlay roots of sandboxes). */
    static List<String> mounts(Path dataDir) {
        try {
            return Files.readAllLines(Path.of("/proc/mounts")).stream()
                    .filter(l -> l.split(" ")[1].startsWith(dataDir.toString())).toList();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Loop devices whose backing file (a sandbox's disk image) is below the data directory. */
    static List<String> loopDevices(Path dataDir) {
        List<String> found = new ArrayList<>();
        try (var loops = Files.newDirectoryStream(Path.of("/sys/block"), "loop*")) {
            for (Path loop : loops) {
                Path backing = loop.resolve("loop/backing_file");
                if (!Files.exists(backing)) continue;
                String file = Files.readString(backing).strip();
                if (file.startsWith(dataDir.toString())) found.add(loop.getFileName() + " " + file);
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return found;
    }

    /** Containers the OCI runtime holds state for in this data directory. */
    public static List<String> containers(Path dataDir) {
        Path root = dataDir.resolve("runc");
        if (!Files.isDirectory(root)) return List.of();
        return run("runc", "--root", root.toString(), "list", "-q").lines().filter(l -> !l.isBlank()).toList();
    }

    /** Cgroup directories of sandboxes ({@code /<prefix>/<id>}) in every v1 hierarchy and in v2. */
    static List<Path> cgroups(String prefix) {
        List<Path> found = new ArrayList<>();
        Path fs = Path.of("/sys/fs/cgroup");
        List<Path> roots = new ArrayList<>(List.of(fs));
        try (Stream<Path> s = Files.list(fs)) {
            s.filter(Files::isDirectory).forEach(roots::add);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        for (Path root : roots) {
            Path dir = root.resolve(prefix);
            if (!Files.isDirectory(dir)) continue;
            try (Stream<Path> s = Files.list(dir)) {
                s.filter(Files::isDirectory).forEach(found::add);
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }
        return found;
    }

    /** Everything of one sandbox id still on the host, as readable lines; empty when it is all gone. */
    public static List<String> leftoversOf(String prefix, Path dataDir, String id) {
        List<String> left = new ArrayList<>();
        netns(prefix).stream().filter(n -> n.equals(prefix + "-" + id)).forEach(n -> left.add("netns " + n));
        mounts(dataDir).stream().filter(m -> m.contains(id)).forEach(m -> left.add("mount " + m));
        containers(dataDir).stream().filter(c -> c.equals(prefix + "-" + id)).forEach(c -> left.add("container " + c));
        cgroups(prefix).stream().filter(c -> c.getFileName().toString().equals(id)).forEach(c -> left.add("cgroup " + c));
        if (Files.exists(dataDir.resolve("sandboxes").resolve(id))) left.add("dir " + dataDir.resolve("sandboxes").resolve(id));
        return left;
    }

    /** Everything of any sandbox of this prefix and data directory. */
    public static List<String> allLeftovers(String prefix, Path dataDir) {
        List<String> left = new ArrayList<>();
        netns(prefix).forEach(n -> left.add("netns " + n));
        links(prefix).forEach(l -> left.add("link " + l));
        mounts(dataDir).forEach(m -> left.add("mount " + m));
        loopDevices(dataDir).forEach(l -> left.add("loop device " + l));
        containers(dataDir).forEach(c -> left.add("container " + c));
        cgroups(prefix).forEach(c -> left.add("cgroup " + c));
        return left;
    }

    /** Reads one cgroup limit file of a sandbox, v1 (per-controller hierarchy) or v2 (unified). */
    static String cgroupValue(String prefix, String id, String v1Controller, String v1File, String v2File) {
        Path v1 = Path.of("/sys/fs/cgroup", v1Controller, prefix, id, v1File);
        Path v2 = Path.of("/sys/fs/cgroup", prefix, id, v2File);
        try {
            if (Files.exists(v1)) return Files.readString(v1).strip();
            if (Files.exists(v2)) return Files.readString(v2).strip();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        throw new IllegalStateException("no cgroup file for " + id + ": " + v1 + " / " + v2);
    }

    /**
     * The runtime keeps the empty {@code /<prefix>} parent cgroups between sandboxes (removing them could race a
     * concurrent create); a test suite that owns the prefix removes them at its end. rmdir fails on a non-empty one.
     */
    public static void removeEmptyCgroupParents(String prefix) {
        try (Stream<Path> s = Files.list(Path.of("/sys/fs/cgroup"))) {
            List<Path> dirs = new ArrayList<>(s.map(h -> h.resolve(prefix)).toList());
            dirs.add(Path.of("/sys/fs/cgroup", prefix));
            for (Path dir : dirs) {
                if (Files.isDirectory(dir)) Files.deleteIfExists(dir);
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot remove the empty cgroups of " + prefix + ": " + e, e);
        }
    }

    /** Deletes a test's data directory once nothing is mounted below it (checked first, so no mount is ever crossed). */
    public static void deleteTree(Path dir) throws IOException {
        if (!mounts(dir).isEmpty()) throw new IllegalStateException("still mounted below " + dir + ": " + mounts(dir));
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        }
    }
}
