package dev.cove.runtime.userns;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Stream;

/**
 * Host uid/gid ranges for sandbox user namespaces, one per sandbox and unique host-wide: a sandbox's root is host
 * uid {@code base}, its {@code user} {@code base + 1000}, and no other sandbox (of this Cove instance or another)
 * and no host account shares them, so sandbox root holds no privilege on the host and per-user kernel limits
 * (inotify instances, RLIMIT_NPROC, keyrings) are its own.
 *
 * <p>Ranges are 65,536 ids wide (what images expect: {@code nobody} is 65534), taken from the block systemd sets
 * aside for container ranges (524288 to 1879048191, "uid ranges for containers" in systemd's UIDS-GIDS.md), less any
 * range named in {@code /etc/subuid} or {@code /etc/subgid} (other tools' containers). A range is held by a file
 * {@code /run/cove/uid-ranges/<index>} made with O_EXCL, holding its owner ({@code <prefix> <sandbox id>}); the
 * file is removed when the sandbox is destroyed. {@code /run} is a tmpfs: after a reboot no sandbox is left either.
 */
public final class UidRanges {
    public static final long FIRST = 0x80000;
    public static final long SIZE = 65536;
    public static final int COUNT = (int) ((0x70000000L - FIRST) / SIZE);
    static final Path DEFAULT_DIR = Path.of("/run/cove/uid-ranges");

    /** One sandbox's ids: container id {@code n} is host id {@code base + n}. */
    public record Range(int index, long base) {
        public long host(long containerId) { return base + containerId; }

        /** The container id of a host id, or -1 when the host id is outside this range. */
        public long container(long hostId) { return hostId >= base && hostId < base + SIZE ? hostId - base : -1; }

        /** uid_map / gid_map line: container 0..65535 on host base..base+65535. */
        public String mapLine() { return "0 " + base + " " + SIZE; }
    }

    private final Path dir;
    private final String prefix;
    private final List<long[]> reserved;

    public UidRanges(String prefix) { this(DEFAULT_DIR, prefix, subordinateRanges()); }

    UidRanges(Path dir, String prefix, List<long[]> reserved) {
        this.dir = dir;
        this.prefix = prefix;
        this.reserved = reserved;
        try {
            Files.createDirectories(dir);
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot make " + dir, e);
        }
    }

    public static Range range(int index) { return new Range(index, FIRST + index * SIZE); }

    /** The range whose first host id is {@code base}. */
    public static Range rangeOf(long base) {
        if (base < FIRST || (base - FIRST) % SIZE != 0 || (base - FIRST) / SIZE >= COUNT)
            throw new IllegalArgumentException("not the base of a sandbox uid range: " + base);
        return range((int) ((base - FIRST) / SIZE));
    }

    /** Takes a free range for {@code sandboxId}; starts at a random index so that freed ranges are not reused at once. */
    public Range allocate(String sandboxId) {
        int start = ThreadLocalRandom.current().nextInt(COUNT);
        for (int i = 0; i < COUNT; i++) {
            int index = (start + i) % COUNT;
            Range r = range(index);
            if (isReserved(r)) continue;
            try {
                Files.writeString(dir.resolve(Integer.toString(index)), owner(sandboxId), StandardCharsets.UTF_8,
                        StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
                return r;
            } catch (FileAlreadyExistsException taken) {
                // someone else's
            } catch (IOException e) {
                throw new UncheckedIOException("cannot claim a uid range in " + dir, e);
            }
        }
        throw new IllegalStateException("all " + COUNT + " sandbox uid ranges of this host are in use");
    }

    /**
     * Holds {@code index} for {@code sandboxId} again (recovery after a restart): true when the range is this
     * sandbox's (its claim was there, or was missing and is made again), false when another owner holds it.
     */
    public boolean adopt(int index, String sandboxId) {
        Path f = dir.resolve(Integer.toString(index));
        try {
            Files.writeString(f, owner(sandboxId), StandardCharsets.UTF_8, StandardOpenOption.CREATE_NEW,
                    StandardOpenOption.WRITE);
            return true;
        } catch (FileAlreadyExistsException held) {
            return owner(sandboxId).equals(read(f));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot claim uid range " + index, e);
        }
    }

    /** Hands a range claimed as {@code from} (a ready one) to {@code to}; false when {@code from} no longer holds it. */
    public boolean relabel(int index, String from, String to) {
        Path f = dir.resolve(Integer.toString(index));
        if (!owner(from).equals(read(f))) return false;
        try {
            Path tmp = dir.resolve(index + ".tmp-" + to);
            Files.writeString(tmp, owner(to), StandardCharsets.UTF_8);
            Files.move(tmp, f, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            return true;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot hand over uid range " + index, e);
        }
    }

    /** Gives the range back, if {@code sandboxId} holds it. */
    public void release(int index, String sandboxId) {
        Path f = dir.resolve(Integer.toString(index));
        if (owner(sandboxId).equals(read(f))) {
            try {
                Files.deleteIfExists(f);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot release uid range " + index, e);
            }
        }
    }

    /**
     * Removes this instance's claims for sandboxes that are gone (recovery): those not in {@code live}, and ready
     * ranges of an earlier process (this process's own ready ranges stay).
     */
    public int sweep(Set<String> live) {
        int removed = 0;
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.toList()) {
                String[] owner = read(f).split(" ", 2);
                if (owner.length == 2 && owner[0].equals(prefix) && !live.contains(owner[1])
                        && !owner[1].startsWith(ReadyRanges.READY_PREFIX)) {
                    Files.deleteIfExists(f);
                    removed++;
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot sweep " + dir, e);
        }
        return removed;
    }

    private String owner(String sandboxId) { return prefix + " " + sandboxId; }

    private static String read(Path f) {
        try {
            return Files.readString(f, StandardCharsets.UTF_8).strip();
        } catch (NoSuchFileException gone) {
            return "";
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + f, e);
        }
    }

    private boolean isReserved(Range r) {
        for (long[] span : reserved)
            if (r.base() < span[0] + span[1] && span[0] < r.base() + SIZE) return true;
        return false;
    }

    /** {start, count} of every range in /etc/subuid and /etc/subgid (owned by other container tools). */
    static List<long[]> subordinateRanges() {
        List<long[]> spans = new ArrayList<>();
        for (String file : List.of("/etc/subuid", "/etc/subgid")) {
            try {
                for (String line : Files.readAllLines(Path.of(file))) {
                    String[] f = line.strip().split(":");
                    if (f.length != 3) continue;
                    try {
                        spans.add(new long[] {Long.parseLong(f[1]), Long.parseLong(f[2])});
                    } catch (NumberFormatException ignored) {
                        // not a range line
                    }
                }
            } catch (IOException absent) {
                // no such file: nothing reserved by it
            }
        }
        return spans;
    }
}
