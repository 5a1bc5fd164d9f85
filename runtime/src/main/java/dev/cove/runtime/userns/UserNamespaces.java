package dev.cove.runtime.userns;

import dev.cove.core.linux.Native;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * Makes a user namespace with a given id mapping and returns a descriptor of it, for idmapped mounts. A namespace
 * lives as long as a descriptor of it does, so the process that made it ends at once. The JVM cannot
 * {@code unshare(CLONE_NEWUSER)} itself (it is multithreaded), hence a short-lived {@code unshare} child whose maps
 * the host writes; {@link ReadyRanges} makes them ahead of creates.
 */
public final class UserNamespaces {
    private static final long WAIT_NANOS = TimeUnit.SECONDS.toNanos(10);

    private UserNamespaces() {}

    /** A descriptor (close-on-exec, to close) of a new user namespace mapping container ids {@code range} to host ids. */
    public static int create(UidRanges.Range range) throws IOException {
        Process p = new ProcessBuilder("unshare", "--user", "--", "cat")
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectErrorStream(true).start();
        try {
            Path proc = Path.of("/proc", Long.toString(p.pid()));
            String own = Files.readSymbolicLink(Path.of("/proc/self/ns/user")).toString();
            long deadline = System.nanoTime() + WAIT_NANOS;
            // the child has unshared once its user namespace is another than ours
            while (Files.readSymbolicLink(proc.resolve("ns/user")).toString().equals(own)) {
                if (!p.isAlive()) throw new IOException("unshare --user ended early (exit " + p.exitValue() + ")");
                if (System.nanoTime() > deadline) throw new IOException("unshare --user did not start in time");
                Thread.onSpinWait();
                Thread.sleep(0, 200_000);
            }
            Files.writeString(proc.resolve("uid_map"), range.mapLine());
            Files.writeString(proc.resolve("gid_map"), range.mapLine());
            return Native.open(proc.resolve("ns/user").toString(), 0, 0);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        } finally {
            p.getOutputStream().close(); // cat ends
            try {
                if (!p.waitFor(5, TimeUnit.SECONDS)) p.destroyForcibly();
            } catch (InterruptedException e) {
                p.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
    }
}
