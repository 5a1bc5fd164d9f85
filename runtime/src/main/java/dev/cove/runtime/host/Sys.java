package dev.cove.runtime.host;

import dev.cove.core.linux.Native.Errno;
import dev.cove.core.linux.Native;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static dev.cove.core.linux.Native.CALL_STATE;
import static dev.cove.core.linux.Native.errno;
import static dev.cove.core.linux.Native.function;
import static dev.cove.core.linux.Native.rethrow;
import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * The file, terminal and inotify system calls of the agent API, through FFM (core's {@link Native} binding). Every
 * call returns its result or throws {@link Errno}. Flag values are Linux's for x86_64 and aarch64 (the two supported architectures).
 */
@SuppressWarnings("restricted") // native access is the point of this class
public final class Sys {
    private static final boolean ARM = System.getProperty("os.arch").equals("aarch64");

    public static final int O_RDONLY = 0, O_WRONLY = 1, O_RDWR = 2;
    public static final int O_CREAT = 0x40, O_EXCL = 0x80, O_NOCTTY = 0x100, O_TRUNC = 0x200, O_NONBLOCK = 0x800;
    public static final int O_DIRECTORY = ARM ? 0x4000 : 0x10000;
    public static final int O_NOFOLLOW = ARM ? 0x8000 : 0x20000;
    public static final int O_CLOEXEC = 0x80000;
    public static final int O_PATH = 0x200000;

    public static final long RESOLVE_NO_XDEV = 0x01, RESOLVE_NO_MAGICLINKS = 0x02, RESOLVE_IN_ROOT = 0x10;

    public static final int AT_FDCWD = -100;
    public static final int AT_SYMLINK_NOFOLLOW = 0x100, AT_REMOVEDIR = 0x200, AT_EMPTY_PATH = 0x1000;

    public static final int ENOENT = 2, EINTR = 4, EIO = 5, EAGAIN = 11, EACCES = 13, EEXIST = 17, EXDEV = 18,
            ENOTDIR = 20, EISDIR = 21, EINVAL = 22, ENOSPC = 28, ELOOP = 40, ENOTEMPTY = 39, EPERM = 1,
            ENAMETOOLONG = 36, EDQUOT = 122, ENXIO = 6;

    public static final int S_IFMT = 0xF000, S_IFDIR = 0x4000, S_IFREG = 0x8000, S_IFLNK = 0xA000;

    private static final long SYS_OPENAT2 = 437;
    private static final long SYS_SETGROUPS = ARM ? 159 : 116;
    private static final long SYS_GETDENTS64 = ARM ? 61 : 217;

    private static final MethodHandle SYSCALL4 = function("syscall",
            FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG),
            Linker.Option.firstVariadicArg(1));
    private static final MethodHandle READ = function("read", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG));
    private static final MethodHandle PREAD = function("pread64",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_LONG));
    private static final MethodHandle WRITE = function("write", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG));
    private static final MethodHandle STATX = function("statx",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT, ADDRESS));
    private static final MethodHandle MKDIRAT = function("mkdirat", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle UNLINKAT = function("unlinkat", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle RENAMEAT = function("renameat",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, ADDRESS));
    private static final MethodHandle READLINKAT = function("readlinkat",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG));
    private static final MethodHandle FTRUNCATE = function("ftruncate", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG));
    private static final MethodHandle SETFSUID = function("setfsuid", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle SETFSGID = function("setfsgid", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle FCHOWNAT = function("fchownat",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle PRCTL = function("prctl", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG),
            Linker.Option.firstVariadicArg(1));
    private static final MethodHandle KILL = function("kill", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle POSIX_OPENPT = function("posix_openpt", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle GRANTPT = function("grantpt", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle UNLOCKPT = function("unlockpt", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle PTSNAME_R = function("ptsname_r", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_LONG));
    private static final MethodHandle IOCTL_PTR = function("ioctl", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, ADDRESS),
            Linker.Option.firstVariadicArg(2));
    private static final MethodHandle INOTIFY_INIT1 = function("inotify_init1", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle INOTIFY_ADD_WATCH = function("inotify_add_watch",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle POLL = function("poll", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));

    private Sys() {}

    // ------------------------------------------------------------------ open / close / io

    /** openat2(2): opens {@code path} relative to {@code dirFd} with the given resolve flags. */
    public static int openat2(int dirFd, String path, int flags, int mode, long resolve) throws Errno {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = a.allocate(CALL_STATE);
            MemorySegment how = a.allocate(24);
            how.set(JAVA_LONG, 0, Integer.toUnsignedLong(flags | O_CLOEXEC));
            how.set(JAVA_LONG, 8, mode);
            how.set(JAVA_LONG, 16, resolve);
            for (;;) {
                long rc = (long) SYSCALL4.invokeExact(st, SYS_OPENAT2, (long) dirFd, a.allocateFrom(path).address(),
                        how.address(), 24L);
                if (rc >= 0) return (int) rc;
                int e = errno(st);
                if (e != EINTR && e != EAGAIN) throw new Errno("openat2 " + path, e);
            }
        } catch (Errno e) {
            throw e;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** read(2) into {@code buf}; 0 at end of file. */
    public static int read(int fd, MemorySegment buf, long len) throws Errno {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = a.allocate(CALL_STATE);
            for (;;) {
                long n = (long) READ.invokeExact(st, fd, buf, len);
                if (n >= 0) return (int) n;
                int e = errno(st);
                if (e != EINTR) throw new Errno("read", e);
            }
        } catch (Errno e) {
            throw e;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static int pread(int fd, MemorySegment buf, long len, long offset) throws Errno {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = a.allocate(CALL_STATE);
            for (;;) {
                long n = (long) PREAD.invokeExact(st, fd, buf, len, offset);
                if (n >= 0) return (int) n;
                int e = errno(st);
                if (e != EINTR) throw new Errno("pread", e);
            }
        } catch (Errno e) {
            throw e;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** write(2) of all {@code len} bytes. */
    public static void writeFully(int fd, MemorySegment buf, long len) throws Errno {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = a.allocate(CALL_STATE);
            long off = 0;
            while (off < len) {
                long n = (long) WRITE.invokeExact(st, fd, buf.asSlice(off), len - off);
                if (n < 0) {
                    int e = errno(st);
                    if (e == EINTR) continue;
                    throw new Errno("write", e);
                }
                off += n;
            }
        } catch (Errno e) {
            throw e;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static void ftruncate(int fd, long size) throws Errno {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = a.allocate(CALL_STATE);
            if ((int) FTRUNCATE.invokeExact(st, fd, size) != 0) throw new Errno("ftruncate", errno(st));
        } catch (Errno e) {
            throw e;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    // ------------------------------------------------------------------ metadata

    /** What statx(2) says of a file. */
    public record Stat(int mode, int uid, int gid, long size, long mtimeSec, int mtimeNsec, long ino) {
        public int type() { return mode & S_IFMT; }
        public boolean isDir() { return type() == S_IFDIR; }
        public boolean isRegular() { return type() == S_IFREG; }
        public boolean isSymlink() { return type() == S_IFLNK; }
    }

    /** statx(2) of {@code name} relative to {@code dirFd} ("" with AT_EMPTY_PATH: the fd itself), never following. */
    public static Stat statx(int dirFd, String name) throws Errno {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = a.allocate(CALL_STATE);
            MemorySegment buf = a.allocate(256, 8);
            int flags = AT_SYMLINK_NOFOLLOW | (name.isEmpty() ? AT_EMPTY_PATH : 0);
            int rc = (int) STATX.invokeExact(st, dirFd, a.allocateFrom(name), flags, 0x7ff, buf);
            if (rc != 0) throw new Errno("statx " + name, errno(st));
            return new Stat(Short.toUnsignedInt(buf.get(JAVA_SHORT, 28)), buf.get(JAVA_INT, 20), buf.get(JAVA_INT, 24),
                    buf.get(JAVA_LONG, 40), buf.get(JAVA_LONG, 112), buf.get(JAVA_INT, 120), buf.get(JAVA_LONG, 32));
        } catch (Errno e) {
            throw e;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static void mkdirat(int dirFd, String name, int mode) throws Errno {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = a.allocate(CALL_STATE);
            if ((int) MKDIRAT.invokeExact(st, dirFd, a.allocateFrom(name), mode) != 0)
                throw new Errno("mkdir " + name, errno(st));
        } catch (Errno e) {
            throw e;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static void unlinkat(int dirFd, String name, int flags) throws Errno {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = a.allocate(CALL_STATE);
            if ((int) UNLINKAT.invokeExact(st, dirFd, a.allocateFrom(name), flags) != 0)
                throw new Errno("unlink " + name, errno(st));
        } catch (Errno e) {
            throw e;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static void renameat(int oldDir, String oldName, int newDir, String newName) throws Errno {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = a.allocate(CALL_STATE);
            if ((int) RENAMEAT.invokeExact(st, oldDir, a.allocateFrom(oldName), newDir, a.allocateFrom(newName)) != 0)
                throw new Errno("rename " + oldName, errno(st));
        } catch (Errno e) {
            throw e;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** readlinkat(2) of {@code name} relative to {@code dirFd} ("" : the O_PATH fd of the link itself). */
    public static String readlinkat(int dirFd, String name) throws Errno {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = a.allocate(CALL_STATE);
            MemorySegment buf = a.allocate(4096);
            long n = (long) READLINKAT.invokeExact(st, dirFd, a.allocateFrom(name), buf, 4096L);
            if (n < 0) throw new Errno("readlink " + name, errno(st));
            byte[] b = buf.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE);
            return new String(b, StandardCharsets.UTF_8);
        } catch (Errno e) {
            throw e;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** A directory entry name and its d_type. */
    public record Dirent(String name, int type) {}

    /** All entries of the directory open as {@code dirFd} (without "." and ".."). */
    public static List<Dirent> readdir(int dirFd) throws Errno {
        List<Dirent> out = new ArrayList<>();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = a.allocate(CALL_STATE);
            MemorySegment buf = a.allocate(32768, 8);
            for (;;) {
                long n = (long) SYSCALL4.invokeExact(st, SYS_GETDENTS64, (long) dirFd, buf.address(), 32768L, 0L);
                if (n < 0) throw new Errno("getdents64", errno(st));
                if (n == 0) return out;
                long off = 0;
                while (off < n) {
                    int reclen = Short.toUnsignedInt(buf.get(JAVA_SHORT, off + 16));
                    int type = Byte.toUnsignedInt(buf.get(ValueLayout.JAVA_BYTE, off + 18));
                    String name = buf.getString(off + 19, StandardCharsets.UTF_8);
                    if (!name.equals(".") && !name.equals("..")) out.add(new Dirent(name, type));
                    off += reclen;
                }
            }
        } catch (Errno e) {
            throw e;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    // ------------------------------------------------------------------ credentials of the calling thread

    /**
     * Makes the calling (platform) thread act as {@code uid}/{@code gid} with {@code groups} for file system
     * permission checks and ownership of what it creates. Only this thread changes: the raw setgroups syscall
     * (glibc's wrapper would change every thread), setfsuid/setfsgid (per thread). Leaving fsuid 0 drops the
     * thread's file capabilities (CAP_DAC_OVERRIDE, CAP_FOWNER, ...), so the kernel checks as that user.
     */
    public static void actAs(int uid, int gid, int[] groups) throws Errno {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = a.allocate(CALL_STATE);
            MemorySegment list = a.allocate(JAVA_INT, Math.max(1, groups.length));
            for (int i = 0; i < groups.length; i++) list.setAtIndex(JAVA_INT, i, groups[i]);
            long rc = (long) SYSCALL4.invokeExact(st, SYS_SETGROUPS, (long) groups.length, list.address(), 0L, 0L);
            if (rc != 0) throw new Errno("setgroups", errno(st));
            int ignored = (int) SETFSGID.invokeExact(st, gid);
            ignored = (int) SETFSUID.invokeExact(st, uid);
            // setfs[ug]id return the previous id; read back to verify
            int nowUid = (int) SETFSUID.invokeExact(st, -1);
            int nowGid = (int) SETFSGID.invokeExact(st, -1);
            if (nowUid != uid || nowGid != gid) throw new Errno("setfsuid", EPERM);
        } catch (Errno e) {
            throw e;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    private static final int PR_SET_SECUREBITS = 28, SECBIT_NO_SETUID_FIXUP = 1 << 2;

    /**
     * Keeps the calling thread's capabilities when its fsuid leaves 0 (SECBIT_NO_SETUID_FIXUP, per thread): a thread
     * that acts for a sandbox's root (host id {@code base}, not 0) then keeps the file capabilities that root holds
     * over its own files inside its user namespace.
     */
    public static void keepCapabilitiesAcrossIdChanges() throws Errno {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = a.allocate(CALL_STATE);
            if ((int) PRCTL.invokeExact(st, PR_SET_SECUREBITS, (long) SECBIT_NO_SETUID_FIXUP) != 0)
                throw new Errno("prctl(PR_SET_SECUREBITS)", errno(st));
        } catch (Errno e) {
            throw e;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** fchownat(2); {@code name} "" with AT_EMPTY_PATH changes {@code dirFd} itself. */
    public static void fchownat(int dirFd, String name, long uid, long gid, int flags) throws Errno {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = a.allocate(CALL_STATE);
            if ((int) FCHOWNAT.invokeExact(st, dirFd, a.allocateFrom(name), (int) uid, (int) gid, flags) != 0)
                throw new Errno("fchownat", errno(st));
        } catch (Errno e) {
            throw e;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static int kill(long pid, int sig) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = a.allocate(CALL_STATE);
            int rc = (int) KILL.invokeExact(st, (int) pid, sig);
            return rc == 0 ? 0 : errno(st);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    // ------------------------------------------------------------------ terminals

    /** A new pseudo-terminal master (non-controlling); returns its fd and the slave's path. */
    public record Pty(int master, String slavePath) {}

    public static Pty openPty() throws Errno {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = a.allocate(CALL_STATE);
            int fd = (int) POSIX_OPENPT.invokeExact(st, O_RDWR | O_NOCTTY | O_CLOEXEC);
            if (fd < 0) throw new Errno("posix_openpt", errno(st));
            MemorySegment name = a.allocate(128);
            if ((int) GRANTPT.invokeExact(st, fd) != 0 || (int) UNLOCKPT.invokeExact(st, fd) != 0
                    || (int) PTSNAME_R.invokeExact(st, fd, name, 128L) != 0) {
                int e = errno(st);
                Native.close(fd);
                throw new Errno("pty setup", e);
            }
            return new Pty(fd, name.getString(0));
        } catch (Errno e) {
            throw e;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    private static final long TIOCSWINSZ = 0x5414;

    public static void setWindowSize(int fd, int cols, int rows) throws Errno {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = a.allocate(CALL_STATE);
            MemorySegment ws = a.allocate(8);
            ws.set(JAVA_SHORT, 0, (short) rows);
            ws.set(JAVA_SHORT, 2, (short) cols);
            if ((int) IOCTL_PTR.invokeExact(st, fd, TIOCSWINSZ, ws) != 0) throw new Errno("TIOCSWINSZ", errno(st));
        } catch (Errno e) {
            throw e;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    // ------------------------------------------------------------------ inotify and poll

    public static final int IN_MODIFY = 0x2, IN_ATTRIB = 0x4, IN_CLOSE_WRITE = 0x8, IN_MOVED_FROM = 0x40,
            IN_MOVED_TO = 0x80, IN_CREATE = 0x100, IN_DELETE = 0x200, IN_DELETE_SELF = 0x400, IN_MOVE_SELF = 0x800,
            IN_Q_OVERFLOW = 0x4000, IN_IGNORED = 0x8000, IN_ONLYDIR = 0x01000000, IN_ISDIR = 0x40000000;

    public static int inotifyInit() throws Errno {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = a.allocate(CALL_STATE);
            int fd = (int) INOTIFY_INIT1.invokeExact(st, O_NONBLOCK | O_CLOEXEC);
            if (fd < 0) throw new Errno("inotify_init1", errno(st));
            return fd;
        } catch (Errno e) {
            throw e;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static int inotifyAddWatch(int fd, String path, int mask) throws Errno {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = a.allocate(CALL_STATE);
            int wd = (int) INOTIFY_ADD_WATCH.invokeExact(st, fd, a.allocateFrom(path), mask);
            if (wd < 0) throw new Errno("inotify_add_watch", errno(st));
            return wd;
        } catch (Errno e) {
            throw e;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** poll(2) for input on one fd; true when readable (or hung up) within {@code timeoutMillis}. */
    public static boolean pollIn(int fd, int timeoutMillis) throws Errno {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = a.allocate(CALL_STATE);
            MemorySegment pfd = a.allocate(8, 4);
            pfd.set(JAVA_INT, 0, fd);
            pfd.set(JAVA_SHORT, 4, (short) 1); // POLLIN
            int rc = (int) POLL.invokeExact(st, pfd, 1L, timeoutMillis);
            if (rc < 0) {
                int e = errno(st);
                if (e == EINTR) return false;
                throw new Errno("poll", e);
            }
            return rc > 0;
        } catch (Errno e) {
            throw e;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }
}
