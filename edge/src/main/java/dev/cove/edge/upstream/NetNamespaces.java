package dev.cove.edge.upstream;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

/**
 * open(2), setns(2) and close(2) through FFM: what a dialer thread needs to step into a sandbox's network namespace
 * and back. setns changes only the calling thread, so callers are dedicated platform threads (a virtual thread could
 * move to another carrier between the calls). Needs {@code --enable-native-access=ALL-UNNAMED}.
 */
@SuppressWarnings("restricted") // native access is the point of this class
final class NetNamespaces {
    static final int CLONE_NEWNET = 0x40000000;
    static final int ENOENT = 2;
    private static final int O_RDONLY_CLOEXEC = 0x80000; // O_RDONLY (0) | O_CLOEXEC

    private static final Linker LINKER = Linker.nativeLinker();
    private static final SymbolLookup LIBC = LINKER.defaultLookup();
    private static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CALL_STATE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final MethodHandle OPEN = LINKER.downcallHandle(LIBC.find("open").orElseThrow(),
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT),
            Linker.Option.captureCallState("errno"), Linker.Option.firstVariadicArg(2));
    private static final MethodHandle SETNS = LINKER.downcallHandle(LIBC.find("setns").orElseThrow(),
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT),
            Linker.Option.captureCallState("errno"));
    private static final MethodHandle CLOSE = LINKER.downcallHandle(LIBC.find("close").orElseThrow(),
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
    private static final MethodHandle STRERROR = LINKER.downcallHandle(LIBC.find("strerror").orElseThrow(),
            FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.JAVA_INT));

    private NetNamespaces() {}

    /** A failed call, with its errno. */
    static final class NsException extends IOException {
        final int errno;

        NsException(String message, int errno) {
            super(message + ": " + strerror(errno));
            this.errno = errno;
        }
    }

    /** Opens a namespace file ({@code /run/netns/<name>}, {@code /proc/thread-self/ns/net}) read-only, close-on-exec. */
    static int open(String path) throws NsException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            int fd = (int) OPEN.invokeExact(state, arena.allocateFrom(path), O_RDONLY_CLOEXEC);
            if (fd < 0) throw new NsException("open " + path, (int) ERRNO.get(state, 0L));
            return fd;
        } catch (NsException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /** Moves the calling thread into the network namespace of {@code fd}. */
    static void enter(int fd) throws NsException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            int rc = (int) SETNS.invokeExact(state, fd, CLONE_NEWNET);
            if (rc != 0) throw new NsException("setns", (int) ERRNO.get(state, 0L));
        } catch (NsException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    static void close(int fd) {
        try {
            int ignored = (int) CLOSE.invokeExact(fd);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    static String strerror(int errno) {
        try {
            MemorySegment s = (MemorySegment) STRERROR.invokeExact(errno);
            return s.reinterpret(256).getString(0) + " (errno " + errno + ")";
        } catch (Throwable t) {
            return "errno " + errno;
        }
    }
}
