package dev.cove.runtime.cgroup;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The cgroup freezer of one sandbox: stops every process of its cgroup where it is (no signal it could see or
 * catch) and lets them go on later, memory untouched.
 *
 * <p>v1 (and hybrid hosts, where runc uses v1 controllers): {@code freezer.state} in the freezer hierarchy, so
 * {@code runc state} reports the container as {@code paused} and {@code runc exec} refuses to enter it. v2:
 * {@code cgroup.freeze}, done once {@code cgroup.events} says {@code frozen 1}.
 *
 * <p>The files are written directly rather than through {@code runc pause}/{@code resume}: no fork and exec of the
 * OCI runtime per call (≈6 ms each), and the same code for runc and crun.
 */
public final class CgroupFreezer {
    private static final Duration POLL = Duration.ofNanos(200_000);
    /** As runc does: a cgroup that keeps forking can stay FREEZING; a short thaw now and then lets it settle. */
    private static final int RETHAW_EVERY = 50;

    private final Path dir;
    private final boolean v2;

    private CgroupFreezer(Path dir, boolean v2) {
        this.dir = dir;
        this.v2 = v2;
    }

    /** The freezer of {@code cgroupsPath}; throws when the host has no freezer at all. */
    public static CgroupFreezer of(CgroupLayout layout, String cgroupsPath) throws IOException {
        String rel = cgroupsPath.startsWith("/") ? cgroupsPath.substring(1) : cgroupsPath;
        if (layout.v1Freezer() != null) return new CgroupFreezer(layout.v1Freezer().resolve(rel), false);
        if (layout.v2Mount() != null) return new CgroupFreezer(layout.v2Mount().resolve(rel), true);
        throw new IOException("this host has no cgroup freezer (neither a v1 freezer hierarchy nor cgroup v2)");
    }

    /** The freezer of the cgroup directory {@code dir} in a v1 freezer hierarchy or ({@code v2}) a v2 one. */
    static CgroupFreezer at(Path dir, boolean v2) { return new CgroupFreezer(dir, v2); }

    public Path dir() { return dir; }

    /** True when every process of the cgroup is frozen; false too when the cgroup does not exist. */
    public boolean frozen() {
        try {
            return v2 ? eventsSayFrozen() : readState().equals("FROZEN");
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * Freezes the cgroup and returns once every process in it is frozen. When that takes longer than
     * {@code timeout} (a process stuck in the kernel, e.g. on a hung network file system), the cgroup is thawed
     * again and this throws: a half-frozen sandbox is neither paused nor usable.
     */
    public void freeze(Duration timeout) throws IOException {
        requireCgroup();
        try {
            freezeUntil(System.nanoTime() + timeout.toNanos(), timeout);
        } catch (IOException e) {
            thawQuietly();
            throw e;
        }
    }

    private void freezeUntil(long deadline, Duration timeout) throws IOException {
        if (v2) {
            write("cgroup.freeze", "1");
            while (!eventsSayFrozen()) {
                if (System.nanoTime() > deadline)
                    throw new IOException("the processes of " + dir + " did not freeze within " + timeout.toMillis() + " ms");
                pause(POLL);
            }
            return;
        }
        for (int round = 1; ; round++) {
            write("freezer.state", "FROZEN");
            String state = readState();
            if (state.equals("FROZEN")) return;
            if (System.nanoTime() > deadline)
                throw new IOException("the processes of " + dir + " did not freeze within " + timeout.toMillis()
                        + " ms (state " + state + ")");
            if (round % RETHAW_EVERY == 0) {
                write("freezer.state", "THAWED");
                pause(Duration.ofMillis(10));
            } else {
                pause(POLL);
            }
        }
    }

    /** Thaws the cgroup and returns once its processes may run again. */
    public void thaw() throws IOException {
        requireCgroup();
        if (v2) {
            write("cgroup.freeze", "0");
            long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
            while (eventsSayFrozen() && System.nanoTime() < deadline) pause(POLL);
            if (eventsSayFrozen()) throw new IOException(dir + " is still frozen after cgroup.freeze=0");
            return;
        }
        write("freezer.state", "THAWED");
        // a thaw completes in the write; read back so a failure is reported rather than assumed away
        String state = readState();
        if (!state.equals("THAWED")) throw new IOException(dir + " is " + state + " after a thaw");
    }

    private void thawQuietly() {
        try {
            write(v2 ? "cgroup.freeze" : "freezer.state", v2 ? "0" : "THAWED");
        } catch (IOException ignored) {
            // the cgroup went away: nothing left frozen
        }
    }

    private void requireCgroup() throws IOException {
        if (!Files.isDirectory(dir)) throw new NoSuchFileException(dir.toString(), null, "the sandbox's cgroup is gone");
    }

    private String readState() throws IOException {
        return Files.readString(dir.resolve("freezer.state")).strip();
    }

    private boolean eventsSayFrozen() throws IOException {
        for (String line : Files.readAllLines(dir.resolve("cgroup.events")))
            if (line.startsWith("frozen ")) return line.substring(7).strip().equals("1");
        return false;
    }

    private void write(String file, String value) throws IOException {
        Files.writeString(dir.resolve(file), value);
    }

    private static void pause(Duration d) throws IOException {
        try {
            Thread.sleep(d);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while waiting for the cgroup freezer");
        }
    }
}
