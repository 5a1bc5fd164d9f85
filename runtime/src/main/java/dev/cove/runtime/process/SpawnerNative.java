package dev.cove.runtime.process;

import dev.cove.core.linux.Native;
import dev.cove.runtime.host.Sys;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;

import static dev.cove.core.linux.Native.CALL_STATE;
import static dev.cove.core.linux.Native.errno;
import static dev.cove.core.linux.Native.function;
import static dev.cove.core.linux.Native.rethrow;
import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * The socket, pipe and pidfd calls of the {@link Spawner}, through FFM: a unix SOCK_SEQPACKET listener, its peer's
 * pid, messages with file descriptors attached (SCM_RIGHTS), pipes and pidfd_send_signal. Struct layouts are
 * those of x86_64 and aarch64 (LP64).
 */
@SuppressWarnings("restricted") // native access is the point of this class
final class SpawnerNative {
    static final int ESRCH = 3, EINTR = 4, EAGAIN = 11;
    private static final int AF_UNIX = 1, SOCK_SEQPACKET = 5, SOCK_CLOEXEC = 0x80000;
    private static final int SOL_SOCKET = 1, SO_PEERCRED = 17, SO_SNDBUF = 7, SCM_RIGHTS = 1;
    private static final int MSG_CMSG_CLOEXEC = 0x40000000, MSG_NOSIGNAL = 0x4000, MSG_TRUNC = 0x20, MSG_CTRUNC = 0x8;
    private static final long SYS_PIDFD_SEND_SIGNAL = 424; // same number on x86_64 and aarch64
    private static final int MAX_FDS = 4;

    private static final MethodHandle SOCKET = function("socket", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle BIND = function("bind", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle LISTEN = function("listen", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle ACCEPT4 = function("accept4",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, JAVA_INT));
    private static final MethodHandle GETSOCKOPT = function("getsockopt",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));
    private static final MethodHandle SETSOCKOPT = function("setsockopt",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle SENDMSG = function("sendmsg", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle RECVMSG = function("recvmsg", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle SHUTDOWN = function("shutdown", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle PIPE2 = function("pipe2", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle SYSCALL4 = function("syscall",
            FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG),
            Linker.Option.firstVariadicArg(1));

    private SpawnerNative() {}

    /** A listening SOCK_SEQPACKET socket bound to {@code path} (at most 107 bytes; use /proc/self/fd/N/name). */
    static int listen(String path) throws Native.Errno {
        byte[] p = path.getBytes(StandardCharsets.UTF_8);
        if (p.length > 107) throw new Native.Errno("bind " + path, 36);
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = a.allocate(CALL_STATE);
            int fd = (int) SOCKET.invokeExact(st, AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
            if (fd < 0) throw new Native.Errno("socket", errno(st));
            MemorySegment addr = a.allocate(110);
            addr.set(JAVA_SHORT, 0, (short) AF_UNIX);
            MemorySegment.copy(p, 0, addr, JAVA_BYTE, 2, p.length);
            if ((int) BIND.invokeExact(st, fd, addr, 2 + p.length + 1) < 0) {
                int e = errno(st);
                Native.close(fd);
                throw new Native.Errno("bind " + path, e);
            }
            if ((int) LISTEN.invokeExact(st, fd, 1) < 0) {
                int e = errno(st);
                Native.close(fd);
                throw new Native.Errno("listen", e);
            }
            return fd;
        } catch (Native.Errno e) {
            throw e;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static int accept(int listenFd) throws Native.Errno {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = a.allocate(CALL_STATE);
            for (;;) {
                int fd = (int) ACCEPT4.invokeExact(st, listenFd, MemorySegment.NULL, MemorySegment.NULL, SOCK_CLOEXEC);
                if (fd >= 0) return fd;
                if (errno(st) != EINTR) throw new Native.Errno("accept", errno(st));
            }
        } catch (Native.Errno e) {
            throw e;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** The peer's pid as this process's pid namespace sees it (SO_PEERCRED). */
    static int peerPid(int fd) throws Native.Errno {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = a.allocate(CALL_STATE);
            MemorySegment cred = a.allocate(12);
            MemorySegment len = a.allocate(JAVA_INT);
            len.set(JAVA_INT, 0, 12);
            if ((int) GETSOCKOPT.invokeExact(st, fd, SOL_SOCKET, SO_PEERCRED, cred, len) < 0)
                throw new Native.Errno("getsockopt SO_PEERCRED", errno(st));
            return cred.get(JAVA_INT, 0);
        } catch (Native.Errno e) {
            throw e;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static void setSendBuffer(int fd, int bytes) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment v = a.allocate(JAVA_INT);
            v.set(JAVA_INT, 0, bytes);
            int ignored = (int) SETSOCKOPT.invokeExact(a.allocate(CALL_STATE), fd, SOL_SOCKET, SO_SNDBUF, v, 4);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** One message with {@code fds} attached. */
    static void send(int sock, byte[] data, int... fds) throws Native.Errno {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = a.allocate(CALL_STATE);
            MemorySegment buf = a.allocate(Math.max(1, data.length));
            MemorySegment.copy(data, 0, buf, JAVA_BYTE, 0, data.length);
            MemorySegment iov = a.allocate(16);
            iov.set(ADDRESS, 0, buf);
            iov.set(JAVA_LONG, 8, data.length);
            MemorySegment msg = a.allocate(56);
            msg.set(ADDRESS, 16, iov);
            msg.set(JAVA_LONG, 24, 1);
            if (fds.length > 0) {
                long space = 16 + align8(4L * fds.length);
                MemorySegment cmsg = a.allocate(space, 8);
                cmsg.set(JAVA_LONG, 0, 16 + 4L * fds.length);
                cmsg.set(JAVA_INT, 8, SOL_SOCKET);
                cmsg.set(JAVA_INT, 12, SCM_RIGHTS);
                for (int i = 0; i < fds.length; i++) cmsg.set(JAVA_INT, 16 + 4L * i, fds[i]);
                msg.set(ADDRESS, 32, cmsg);
                msg.set(JAVA_LONG, 40, space);
            }
            for (;;) {
                long n = (long) SENDMSG.invokeExact(st, sock, msg, MSG_NOSIGNAL);
                if (n >= 0) return;
                if (errno(st) != EINTR) throw new Native.Errno("sendmsg", errno(st));
            }
        } catch (Native.Errno e) {
            throw e;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** A received message: its bytes (empty at end of stream) and the descriptors that came with it. */
    record Message(byte[] data, int[] fds) {}

    /** Blocks for the next message; descriptors arrive close-on-exec. A truncated message is an error. */
    static Message receive(int sock, int max) throws Native.Errno {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = a.allocate(CALL_STATE);
            MemorySegment buf = a.allocate(max);
            MemorySegment iov = a.allocate(16);
            iov.set(ADDRESS, 0, buf);
            iov.set(JAVA_LONG, 8, max);
            long space = 16 + align8(4L * MAX_FDS);
            MemorySegment cmsgBuf = a.allocate(space, 8);
            MemorySegment msg = a.allocate(56);
            for (;;) {
                msg.fill((byte) 0);
                msg.set(ADDRESS, 16, iov);
                msg.set(JAVA_LONG, 24, 1);
                msg.set(ADDRESS, 32, cmsgBuf);
                msg.set(JAVA_LONG, 40, space);
                long n = (long) RECVMSG.invokeExact(st, sock, msg, MSG_CMSG_CLOEXEC);
                if (n < 0) {
                    if (errno(st) == EINTR) continue;
                    throw new Native.Errno("recvmsg", errno(st));
                }
                int[] fds = new int[0];
                long controlLen = msg.get(JAVA_LONG, 40);
                if (controlLen >= 16 && cmsgBuf.get(JAVA_INT, 8) == SOL_SOCKET && cmsgBuf.get(JAVA_INT, 12) == SCM_RIGHTS) {
                    int count = (int) ((cmsgBuf.get(JAVA_LONG, 0) - 16) / 4);
                    fds = new int[count];
                    for (int i = 0; i < count; i++) fds[i] = cmsgBuf.get(JAVA_INT, 16 + 4L * i);
                }
                int flags = msg.get(JAVA_INT, 48);
                if ((flags & (MSG_TRUNC | MSG_CTRUNC)) != 0) {
                    for (int fd : fds) Native.close(fd);
                    throw new Native.Errno("recvmsg (message truncated)", 90);
                }
                return new Message(buf.asSlice(0, n).toArray(JAVA_BYTE), fds);
            }
        } catch (Native.Errno e) {
            throw e;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    private static final MethodHandle WRITE = function("write", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG));

    /** write(2): the count written, or minus the errno (EAGAIN on a full non-blocking pipe). */
    static long write(int fd, MemorySegment buf, long len) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = a.allocate(CALL_STATE);
            for (;;) {
                long n = (long) WRITE.invokeExact(st, fd, buf, len);
                if (n >= 0) return n;
                if (errno(st) != EINTR) return -errno(st);
            }
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** shutdown(SHUT_RDWR): a reader blocked on the socket sees its end. */
    static void shutdown(int sock) {
        try (Arena a = Arena.ofConfined()) {
            int ignored = (int) SHUTDOWN.invokeExact(a.allocate(CALL_STATE), sock, 2);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** pipe2(O_CLOEXEC): {read end, write end}. */
    static int[] pipe() throws Native.Errno {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = a.allocate(CALL_STATE);
            MemorySegment fds = a.allocate(8);
            if ((int) PIPE2.invokeExact(st, fds, Sys.O_CLOEXEC) < 0) throw new Native.Errno("pipe2", errno(st));
            return new int[] {fds.get(JAVA_INT, 0), fds.get(JAVA_INT, 4)};
        } catch (Native.Errno e) {
            throw e;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** pidfd_send_signal(2): 0, or the errno (ESRCH once the process has been reaped). */
    static int pidfdSignal(int pidfd, int signal) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = a.allocate(CALL_STATE);
            long rc = (long) SYSCALL4.invokeExact(st, SYS_PIDFD_SEND_SIGNAL, (long) pidfd, (long) signal, 0L, 0L);
            return rc < 0 ? errno(st) : 0;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    private static long align8(long n) { return (n + 7) & ~7L; }
}
