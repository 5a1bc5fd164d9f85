package dev.cove.runtime.fs;

import dev.cove.core.CoveException;
import dev.cove.core.linux.Native;
import dev.cove.runtime.host.Sys;
import dev.cove.runtime.oci.OciSpec;

import java.io.IOException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Platform threads that act as a sandbox user for file system calls ({@link Sys#actAs}): the kernel checks
 * permissions as that user and what they create belongs to it. Credentials are per thread in Linux, so these
 * threads are dedicated and never run anything else; virtual threads (which hop between carriers) never change
 * credentials. Each call sets the thread's ids first, so the threads serve every sandbox.
 *
 * <p>A sandbox in a user namespace has its own host ids ({@code uidBase + n}). Its {@code root} is then host id
 * {@code uidBase}, not 0, yet holds root's powers over its own files: its calls run on threads that keep their
 * capabilities when the fsuid leaves 0 ({@link Sys#keepCapabilitiesAcrossIdChanges}), so they act with root's
 * overrides and create files owned by {@code uidBase}. Other users' calls run on threads that drop them, as the
 * kernel does on any change away from fsuid 0. A sandbox without a user namespace (made before them) has the host's
 * ids: its root's calls run on the caller's thread, which already is root.
 */
final class UserThreads {
    private static final int THREADS = 4;
    private static final ExecutorService USERS = pool("cove-fs-user-", false);
    private static final ExecutorService ROOTS = pool("cove-fs-root-", true);

    private UserThreads() {}

    @FunctionalInterface
    public interface IoCall<T> {
        T call() throws IOException;
    }

    private static ExecutorService pool(String name, boolean keepCapabilities) {
        return Executors.newFixedThreadPool(THREADS, r -> Thread.ofPlatform().daemon().name(name, 0).unstarted(() -> {
            if (keepCapabilities) {
                try {
                    Sys.keepCapabilitiesAcrossIdChanges();
                } catch (Native.Errno e) {
                    throw new IllegalStateException("cannot keep capabilities on a file thread: " + e.getMessage(), e);
                }
            }
            r.run();
        }));
    }

    /** Runs {@code call} as {@code user} of a sandbox whose container id 0 is host id {@code uidBase}. */
    public static <T> T as(OciSpec.User user, long uidBase, IoCall<T> call) throws IOException {
        if (user.uid() == 0 && uidBase == 0) return call.call();
        return on(user.uid() == 0 ? ROOTS : USERS, user, uidBase, call);
    }

    /**
     * Runs {@code call} with the sandbox root's powers but {@code user}'s ids: what it creates belongs to
     * {@code user} from the start (the kernel gives a new inode the creator's fsuid and fsgid), where root's
     * permissions are needed to create it. No change of owner afterwards, so nothing the sandbox swaps in between
     * can be given away.
     */
    public static <T> T creatingFor(OciSpec.User user, long uidBase, IoCall<T> call) throws IOException {
        if (user.uid() == 0 && uidBase == 0) return call.call();
        return on(ROOTS, user, uidBase, call);
    }

    private static <T> T on(ExecutorService pool, OciSpec.User user, long uidBase, IoCall<T> call) throws IOException {
        int uid = (int) (uidBase + user.uid());
        int gid = (int) (uidBase + user.gid());
        int[] groups = user.additionalGids().stream().mapToInt(g -> (int) (uidBase + g)).toArray();
        Future<T> f = pool.submit(() -> {
            Sys.actAs(uid, gid, groups);
            return call.call();
        });
        try {
            return f.get();
        } catch (InterruptedException e) {
            f.cancel(true);
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof IOException io) throw io;
            if (c instanceof RuntimeException r) throw r;
            if (c instanceof Error err) throw err;
            throw new CoveException(500, "internal", "file operation failed: " + c);
        }
    }
}
