package dev.cove.runtime.fs;

import dev.cove.core.CoveException;
import dev.cove.core.linux.Native;
import dev.cove.runtime.host.Sys;
import dev.cove.runtime.oci.OciSpec;

import java.io.IOException;

/**
 * Runs one file call on a sandbox's root for a user: the path is cleaned, the root is opened as a fresh
 * {@code O_PATH} descriptor for the call's confined walk ({@link RootedPaths}), and the call runs on a thread with
 * that user's file-system ids ({@link UserThreads#as}), or, for what the API creates for the user as envd (a root
 * process) does, with root's powers and the user's ids ({@link UserThreads#creatingFor}), so that what it makes
 * belongs to the user as it is made. Failures become the API's errors ({@link FileErrors}).
 */
final class RootCalls {
    /** A call given the root's descriptor and the cleaned path. */
    @FunctionalInterface
    interface RootCall<T> {
        T call(int root, String clean) throws IOException;
    }

    private final String rootfs;
    private final long uidBase;

    /** @param uidBase host id of the sandbox's root (0: no user namespace, the sandbox's ids are the host's) */
    RootCalls(String rootfs, long uidBase) {
        this.rootfs = rootfs;
        this.uidBase = uidBase;
    }

    long uidBase() { return uidBase; }

    static OciSpec.User user(String name) {
        OciSpec.User u = OciSpec.User.byName(name);
        if (u == null) throw new CoveException(401, "unauthenticated", "invalid username: '" + name + "'");
        return u;
    }

    int openRoot() throws IOException {
        return Native.open(rootfs, Sys.O_PATH | Sys.O_DIRECTORY, 0);
    }

    /** {@code call} as {@code user}: the kernel checks every access as that user. */
    <T> T as(String user, String path, RootCall<T> call) {
        return run(user(user), path, call, false);
    }

    /**
     * {@code call} with the sandbox root's powers and {@code owner}'s ids ({@link UserThreads#creatingFor}), to
     * create what {@code owner} asked for: it belongs to {@code owner} as it is made.
     */
    <T> T creatingFor(String owner, String path, RootCall<T> call) {
        return run(user(owner), path, call, true);
    }

    private <T> T run(OciSpec.User u, String path, RootCall<T> call, boolean creating) {
        String clean = RootedPaths.clean(path);
        int root;
        try {
            root = openRoot();
        } catch (IOException e) {
            throw new CoveException(503, "unavailable", "the sandbox's file system is not available");
        }
        try {
            return creating ? UserThreads.creatingFor(u, uidBase, () -> call.call(root, clean))
                    : UserThreads.as(u, uidBase, () -> call.call(root, clean));
        } catch (Native.Errno e) {
            throw FileErrors.error(e, path);
        } catch (IOException e) {
            throw FileErrors.internal(path, e);
        } finally {
            Native.close(root);
        }
    }
}
