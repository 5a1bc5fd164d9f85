package dev.cove.runtime.userns;

import dev.cove.core.linux.Native;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * Idmapped bind mounts (open_tree, mount_setattr, move_mount): a template's rootfs appears with its owners shifted
 * into a sandbox's uid range, without a copy or a chown, so one template serves every sandbox whatever its range.
 * util-linux 2.38 ignores {@code X-mount.idmap} (docs/sandbox-confinement.md), hence the system calls. Numbers are
 * x86_64's and aarch64's (these calls are new enough to share one table).
 */
public final class IdmappedMounts {
    private static final long SYS_OPEN_TREE = 428, SYS_MOVE_MOUNT = 429, SYS_MOUNT_SETATTR = 442;
    private static final long OPEN_TREE_CLONE = 1, OPEN_TREE_CLOEXEC = 0x80000;
    private static final long AT_FDCWD = -100, AT_EMPTY_PATH = 0x1000, AT_RECURSIVE = 0x8000;
    private static final long MOVE_MOUNT_F_EMPTY_PATH = 0x4;
    private static final long MOUNT_ATTR_RDONLY = 0x1, MOUNT_ATTR_NOSUID = 0x2, MOUNT_ATTR_NODEV = 0x4;
    private static final long MOUNT_ATTR_IDMAP = 0x00100000;
    private static final MethodHandle SYSCALL = Native.function("syscall",
            FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG),
            Linker.Option.firstVariadicArg(1));

    private IdmappedMounts() {}

    /**
     * Mounts {@code source} at {@code target}, read-only, nosuid and nodev, with its owners mapped through the user
     * namespace {@code usernsFd}: a file owned by {@code n} on disk shows as the host id that namespace maps
     * {@code n} to.
     */
    public static void mountReadOnly(String source, String target, int usernsFd) throws Native.Errno {
        int tree = (int) call("open_tree " + source, SYS_OPEN_TREE, AT_FDCWD, source, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC,
                0);
        try (Arena a = Arena.ofConfined()) {
            // struct mount_attr {u64 attr_set, attr_clr, propagation, userns_fd}
            MemorySegment attr = a.allocate(32, 8);
            attr.set(JAVA_LONG, 0, MOUNT_ATTR_IDMAP | MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV);
            attr.set(JAVA_LONG, 24, usernsFd);
            call(a, "mount_setattr " + source, SYS_MOUNT_SETATTR, tree, a.allocateFrom("").address(),
                    AT_EMPTY_PATH | AT_RECURSIVE, attr.address(), 32);
            call(a, "move_mount " + target, SYS_MOVE_MOUNT, tree, a.allocateFrom("").address(), AT_FDCWD,
                    a.allocateFrom(target).address(), MOVE_MOUNT_F_EMPTY_PATH);
        } finally {
            Native.close(tree);
        }
    }

    private static long call(String what, long nr, long fdArg, String path, long flags, long extra) throws Native.Errno {
        try (Arena a = Arena.ofConfined()) {
            return call(a, what, nr, fdArg, a.allocateFrom(path).address(), flags, extra, 0);
        }
    }

    private static long call(Arena a, String what, long nr, long a1, long a2, long a3, long a4, long a5)
            throws Native.Errno {
        MemorySegment st = a.allocate(Native.CALL_STATE);
        long rc;
        try {
            rc = (long) SYSCALL.invokeExact(st, nr, a1, a2, a3, a4, a5);
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
        if (rc < 0) throw new Native.Errno(what, Native.errno(st));
        return rc;
    }
}
