package dev.cove.runtime.fs;

import dev.cove.runtime.host.Linux;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/** Reads {@code /proc/self/mountinfo}: which paths are mount points, which cgroup hierarchies exist. */
public final class MountTable {
    public record Entry(String root, Path mountPoint, String fsType, String source, String superOptions) {}

    private MountTable() {}

    public static List<Entry> read() {
        try {
            List<Entry> entries = new ArrayList<>();
            for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
                // id parent major:minor root mountpoint options [optional...] - fstype source superoptions
                String[] f = line.split(" ");
                int dash = -1;
                for (int i = 6; i < f.length; i++) if (f[i].equals("-")) { dash = i; break; }
                if (dash < 0 || dash + 2 >= f.length) continue;
                entries.add(new Entry(unescape(f[3]), Path.of(unescape(f[4])), f[dash + 1], unescape(f[dash + 2]),
                        dash + 3 < f.length ? f[dash + 3] : ""));
            }
            return entries;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static boolean isMountPoint(Path path) {
        Path p = path.toAbsolutePath().normalize();
        for (Entry e : read()) if (e.mountPoint().equals(p)) return true;
        return false;
    }

    /** Mount points at or below {@code dir}, deepest first (the order to unmount them in). */
    public static List<Path> mountsUnder(Path dir) {
        Path d = dir.toAbsolutePath().normalize();
        return read().stream().map(Entry::mountPoint).filter(m -> m.startsWith(d)).distinct()
                .sorted(Comparator.comparingInt(Path::getNameCount).reversed()).toList();
    }

    /** Unmounts everything at or below {@code dir} (lazily when busy); returns what is still mounted. */
    public static List<Path> unmountAllUnder(Path dir) {
        for (int round = 0; round < 3; round++) {
            List<Path> mounts = mountsUnder(dir);
            if (mounts.isEmpty()) return List.of();
            for (Path m : mounts) {
                int errno = Linux.umount2(m.toString(), 0);
                if (errno == Linux.EBUSY) Linux.umount2(m.toString(), Linux.MNT_DETACH);
            }
        }
        return mountsUnder(dir);
    }

    private static String unescape(String s) {
        if (s.indexOf('\\') < 0) return s;
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && i + 3 < s.length()) {
                sb.append((char) Integer.parseInt(s.substring(i + 1, i + 4), 8));
                i += 3;
            } else {
                sb.append(c);
            }
        }
        return sb.toString();
    }
}
