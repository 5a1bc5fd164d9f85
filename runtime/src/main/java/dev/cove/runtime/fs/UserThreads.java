package dev.cove.runtime.fs;

import dev.cove.core.CoveException;
import dev.cove.core.linux.Native;
import dev.cove.runtime.host.Sys;
import dev.cove.runtime.oci.OciSpec;

import java.io.IOException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Platform threads that act as one sandbox user for file system calls ({@link Sys#actAs}): the kernel checks
 * permissions as that user and what they create belongs to it. Credentials are per thread in Linux, so these
 * threads are dedicated and never run anything else; virtual threads (which hop between carriers) never change
 * credentials. Root's calls run on the caller's thread: the server already is root.
 */
final class UserThreads {
    private static final Map<Integer, ExecutorService> POOLS = new ConcurrentHashMap<>();
    private static final int THREADS_PER_USER = 4;

    private UserThreads() {}

    @FunctionalInterface
    public interface IoCall<T> {
        T call() throws IOException;
    }

    public static <T> T as(OciSpec.User user, IoCall<T> call) throws IOException {
        if (user.uid() == 0) return call.call();
        ExecutorService pool = POOLS.computeIfAbsent(user.uid(), uid -> Executors.newFixedThreadPool(THREADS_PER_USER,
                r -> Thread.ofPlatform().daemon().name("cove-fs-uid" + uid + "-", 0).unstarted(() -> {
                    int[] groups = user.additionalGids().stream().mapToInt(Integer::intValue).toArray();
                    try {
                        Sys.actAs(user.uid(), user.gid(), groups);
                    } catch (Native.Errno e) {
                        throw new IllegalStateException("cannot act as uid " + user.uid() + ": " + e.getMessage(), e);
                    }
                    r.run();
                })));
        Future<T> f = pool.submit(call::call);
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
