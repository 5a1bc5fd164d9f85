package dev.cove.runtime.net;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cove.core.net.Cidr;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.stream.Stream;

/**
 * One owner per host resource: a Cove instance claims its resource prefix and its address pools host-wide (not
 * only its data directory), so two servers never share names, tables or addresses, and nothing one does at start,
 * stop or sweep touches the other's.
 *
 * <p>A claim is a file {@code /run/cove/claims/<prefix>.json} (owner's data directory, pid, pools) that the owner
 * holds an exclusive {@code flock} on while it runs. The file stays after the owner stops when the owner still has
 * sandboxes (they run on without it and keep their names and addresses); it goes when the owner stops with none.
 * A new instance checks every claim under {@code claims.lock}: a live owner (lock held), or a stopped one whose data
 * directory still holds sandboxes, blocks any instance of another data directory whose prefix collides (equal, or
 * one is the other followed by a digit, which would make the same interface names) or whose pools overlap.
 * Claims of stopped owners with nothing left are removed. {@code /run} is a tmpfs: after a reboot no sandbox
 * process is left either.
 */
public final class HostClaim implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    static final Path DEFAULT_DIR = Path.of("/run/cove/claims");

    private final Path file;
    private final FileChannel channel;
    private final FileLock lock;
    private final Path sandboxesDir;

    @JsonIgnoreProperties(ignoreUnknown = true)
    record Record(String prefix, String pool4, String pool6, String dataDir, long pid) {}

    private HostClaim(Path file, FileChannel channel, FileLock lock, Path sandboxesDir) {
        this.file = file;
        this.channel = channel;
        this.lock = lock;
        this.sandboxesDir = sandboxesDir;
    }

    /**
     * Claims {@code prefix} and the pools for {@code dataDir}, or throws {@link IllegalStateException} with one line
     * that names the colliding flag and its owner.
     */
    public static HostClaim acquire(String prefix, String pool4, String pool6, Path dataDir) {
        return acquire(DEFAULT_DIR, prefix, pool4, pool6, dataDir);
    }

    static HostClaim acquire(Path dir, String prefix, String pool4, String pool6, Path dataDir) {
        try {
            Files.createDirectories(dir);
            try (FileChannel registry = FileChannel.open(dir.resolve("claims.lock"), StandardOpenOption.CREATE,
                    StandardOpenOption.WRITE); FileLock ignored = lockBlocking(registry)) {
                List<Path> claims;
                try (Stream<Path> s = Files.list(dir)) {
                    claims = s.filter(p -> p.getFileName().toString().endsWith(".json")).toList();
                }
                for (Path other : claims) check(other, prefix, pool4, pool6, dataDir);
                Path mine = dir.resolve(prefix + ".json");
                FileChannel ch = FileChannel.open(mine, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                        StandardOpenOption.READ);
                FileLock lock = tryLock(ch);
                if (lock == null) {
                    ch.close();
                    throw new IllegalStateException("--resource-prefix '" + prefix + "' is held by another Cove server"
                            + " (claim " + mine + "); choose another --resource-prefix");
                }
                ch.truncate(0);
                ch.write(ByteBuffer.wrap(JSON.writeValueAsBytes(new Record(prefix, pool4, pool6,
                        dataDir.toString(), ProcessHandle.current().pid()))));
                ch.force(true);
                return new HostClaim(mine, ch, lock, dataDir.resolve("sandboxes"));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot claim the resource prefix and pools in " + dir + ": " + e.getMessage(), e);
        }
    }

    private static void check(Path claim, String prefix, String pool4, String pool6, Path dataDir) throws IOException {
        Record r;
        try {
            r = JSON.readValue(claim.toFile(), Record.class);
        } catch (IOException e) {
            r = null; // written by an owner that died half-way, or unreadable: judge by its lock alone
        }
        boolean alive;
        try (FileChannel ch = FileChannel.open(claim, StandardOpenOption.WRITE)) {
            FileLock l = tryLock(ch);
            alive = l == null;
            if (l != null) l.release();
        } catch (NoSuchFileException gone) {
            return; // its owner stopped with nothing left and removed it while we looked
        }
        if (r != null && Path.of(r.dataDir()).equals(dataDir)) return; // our own, from an earlier run
        int left = r == null ? 0 : sandboxesLeft(Path.of(r.dataDir()).resolve("sandboxes"));
        if (!alive && left == 0) {
            Files.deleteIfExists(claim);
            return;
        }
        if (r == null) {
            if (claim.getFileName().toString().equals(prefix + ".json"))
                throw new IllegalStateException("--resource-prefix '" + prefix + "' is held by another Cove server"
                        + " (claim " + claim + "); choose another --resource-prefix");
            return;
        }
        String owner = "the Cove server of data dir " + r.dataDir()
                + (alive ? " (pid " + r.pid() + ")" : " (not running; its " + left + " sandbox"
                + (left == 1 ? "" : "es") + " still use it: start it again or destroy them)");
        if (prefixesCollide(prefix, r.prefix()))
            throw new IllegalStateException("--resource-prefix '" + prefix + "' collides with '" + r.prefix()
                    + "' of " + owner + "; choose another --resource-prefix");
        if (overlap(pool4, r.pool4()))
            throw new IllegalStateException("--pool-subnet " + pool4 + " overlaps " + r.pool4() + " of " + owner
                    + "; choose another --pool-subnet");
        if (overlap(pool6, r.pool6()))
            throw new IllegalStateException("--pool-subnet6 " + pool6 + " overlaps " + r.pool6() + " of " + owner
                    + "; choose another --pool-subnet6");
    }

    /** Equal prefixes, or one plus a digit starts the other: {@code cove1} slot 2 and {@code cove} slot 12 share {@code cove12h}. */
    static boolean prefixesCollide(String a, String b) {
        if (a.equals(b)) return true;
        String shorter = a.length() < b.length() ? a : b, longer = shorter == a ? b : a;
        return longer.startsWith(shorter) && Character.isDigit(longer.charAt(shorter.length()));
    }

    static boolean overlap(String a, String b) {
        if (a == null || b == null) return false;
        Cidr x = Cidr.parse(a), y = Cidr.parse(b);
        return x.covers(y) || y.covers(x); // two networks overlap only when one holds the other
    }

    private static int sandboxesLeft(Path sandboxesDir) {
        try (Stream<Path> s = Files.list(sandboxesDir)) {
            return (int) s.filter(Files::isDirectory).count();
        } catch (IOException e) {
            return 0;
        }
    }

    private static FileLock tryLock(FileChannel ch) throws IOException {
        try {
            return ch.tryLock();
        } catch (OverlappingFileLockException e) {
            return null; // held by this JVM (another runtime in the same process)
        }
    }

    private static FileLock lockBlocking(FileChannel ch) throws IOException {
        // claims.lock is held for a few milliseconds; another runtime of this JVM may hold it too
        for (int i = 0; ; i++) {
            FileLock l = tryLock(ch);
            if (l != null) return l;
            if (i > 2000) throw new IOException("claims.lock stayed locked for 20 s");
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while waiting for claims.lock");
            }
        }
    }

    /** Releases the claim; the file stays while this owner's sandboxes run on without it. */
    @Override
    public void close() {
        try {
            if (sandboxesLeft(sandboxesDir) == 0) Files.deleteIfExists(file);
            lock.release();
            channel.close();
        } catch (IOException ignored) {
            // the lock goes with the channel, or with the process
        }
    }
}
