package dev.cove.runtime.userns;

import dev.cove.core.linux.Native;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Makes the user namespace and the network namespace of a sandbox, in one short-lived process.
 *
 * <p>The process runs as the sandbox's first host id ({@code base}, no capabilities) and unshares both namespaces,
 * then the host writes the id maps. Two things follow from who made them:
 * <ul>
 *   <li>The user namespace's owner is {@code base}, not host root. The kernel charges per-user limits up the chain of
 *       owners (inotify instances, for one, count for the owner in the parent namespace too): owned by root, every
 *       sandbox would spend root's; owned by {@code base}, each spends its own.</li>
 *   <li>The network namespace belongs to the user namespace, so the OCI runtime (joining the user namespace first)
 *       may enter it, mount the sandbox's sysfs and write its net sysctls, and the sandbox's root may bind low
 *       ports, as before. The host still configures it: host root holds every capability in every namespace below
 *       its own.</li>
 * </ul>
 * The JVM cannot {@code unshare(CLONE_NEWUSER)} itself (it is multithreaded), hence {@code setpriv} and
 * {@code unshare} (util-linux). The process ({@code cat}) waits on its stdin until the host has bound both namespaces
 * where they live ({@code ip netns attach}, a bind mount of the user namespace), then ends.
 */
public final class UserNamespaces {
    private static final long WAIT_NANOS = TimeUnit.SECONDS.toNanos(10);

    private UserNamespaces() {}

    /** The process holding a new pair of namespaces, and a descriptor of the user namespace. */
    public static final class Holder implements AutoCloseable {
        private final Process process;
        private final int usernsFd;
        private final AtomicBoolean closed = new AtomicBoolean();

        Holder(Process process, int usernsFd) {
            this.process = process;
            this.usernsFd = usernsFd;
        }

        public long pid() { return process.pid(); }

        public int usernsFd() { return usernsFd; }

        /**
         * Lets the process end and closes the descriptor (once); namespaces bound meanwhile live on. Does not wait
         * for the end (a create would pay for it): the JDK reaps the process, and one still there after 5 s is killed.
         */
        @Override
        public void close() {
            if (!closed.compareAndSet(false, true)) return;
            Native.close(usernsFd);
            try {
                process.getOutputStream().close(); // cat reads end-of-file and ends
            } catch (IOException e) {
                process.destroyForcibly();
                return;
            }
            process.onExit().completeOnTimeout(null, 5, TimeUnit.SECONDS).thenRun(() -> {
                if (process.isAlive()) process.destroyForcibly();
            });
        }
    }

    /** Namespaces for {@code range}: container ids 0..65535 are host ids base..base+65535. */
    public static Holder create(UidRanges.Range range) throws IOException {
        String base = Long.toString(range.base());
        // it may still be setpriv at first: it has unshared once its user namespace is another than ours
        return hold(List.of("setpriv", "--reuid=" + base, "--regid=" + base, "--clear-groups", "--", "unshare", "--user",
                "--net", "--", "cat"), "user", proc -> {
            Files.writeString(proc.resolve("uid_map"), range.mapLine());
            Files.writeString(proc.resolve("gid_map"), range.mapLine());
            return proc.resolve("ns/user");
        });
    }

    /**
     * A user namespace that maps the other way: host ids {@code base..base+65535} (a sandbox's) are its ids
     * {@code 0..65535}. An idmapped mount through it shows a sandbox's files with the ids they have inside the
     * sandbox, as a template keeps them ({@link dev.cove.runtime.layers.LayerCapture}). Owned by host root; held
     * for the length of one capture.
     */
    public static Holder shiftingBack(UidRanges.Range range) throws IOException {
        String map = range.base() + " 0 " + UidRanges.SIZE;
        return hold(List.of("unshare", "--user", "--", "cat"), "user", proc -> {
            Files.writeString(proc.resolve("uid_map"), map);
            Files.writeString(proc.resolve("gid_map"), map);
            return proc.resolve("ns/user");
        });
    }

    /** A process in the existing user namespace bound at {@code userns}, holding a new network namespace it owns. */
    public static Holder netnsIn(Path userns) throws IOException {
        return hold(List.of("nsenter", "--user=" + userns, "--", "unshare", "--net", "--", "cat"), "net",
                proc -> userns);
    }

    @FunctionalInterface
    private interface Prepare {
        /** Finishes the namespaces of the process at {@code proc}; returns the user namespace file to open. */
        Path userns(Path proc) throws IOException;
    }

    /** Starts {@code command}, waits until its {@code ns} namespace is new, prepares it, and returns the holder. */
    private static Holder hold(List<String> command, String ns, Prepare prepare) throws IOException {
        Process p = new ProcessBuilder(command).redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectErrorStream(true)
                .start();
        boolean ok = false;
        try {
            Path proc = Path.of("/proc", Long.toString(p.pid()));
            String own = Files.readSymbolicLink(Path.of("/proc/self/ns", ns)).toString();
            long deadline = System.nanoTime() + WAIT_NANOS;
            while (!otherThan(proc.resolve("ns").resolve(ns), own)) {
                if (!p.isAlive()) throw new IOException(command.get(0) + " ended early (exit " + p.exitValue() + ")");
                if (System.nanoTime() > deadline) throw new IOException("no new " + ns + " namespace in time");
                Thread.sleep(0, 200_000);
            }
            Holder h = new Holder(p, Native.open(prepare.userns(proc).toString(), 0, 0));
            ok = true;
            return h;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        } finally {
            if (!ok) p.destroyForcibly();
        }
    }

    private static boolean otherThan(Path link, String own) throws IOException {
        try {
            return !Files.readSymbolicLink(link).toString().equals(own);
        } catch (NoSuchFileException e) {
            return false; // not there yet
        }
    }
}
