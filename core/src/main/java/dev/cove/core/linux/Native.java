package dev.cove.core.linux;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

/**
 * The node's one binding to libc through FFM: the linker, errno capture, {@code strerror}, and the calls both the
 * runtime and the edge make (open, close, setns). Modules add their own calls with {@link #function}; each such
 * call takes a {@link #CALL_STATE} segment as its first argument and {@link #errno} reads it after a failure.
 * Needs {@code --enable-native-access=ALL-UNNAMED} (or the JVM prints a warning once).
 */
@SuppressWarnings("restricted") // native access is the point of this class
public final class Native {
    public static final int O_CLOEXEC = 0x80000;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final SymbolLookup LIBC = LINKER.defaultLookup();
    /** Where downcalls made with {@link #function} leave errno; allocate one per call. */
    public static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CALL_STATE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final Linker.Option ERRNO_OPT = Linker.Option.captureCallState("errno");

    private static final MethodHandle STRERROR = LINKER.downcallHandle(LIBC.find("strerror").orElseThrow(),
            FunctionDescriptor.of(ADDRESS, JAVA_INT));
    private static final MethodHandle OPEN = function("open", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT),
            Linker.Option.firstVariadicArg(2));
    private static final MethodHandle CLOSE = function("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle SETNS = function("setns", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));

    private Native() {}

    /** A libc function that captures errno into a {@link #CALL_STATE} segment passed as its first argument. */
    public static MethodHandle function(String name, FunctionDescriptor fd, Linker.Option... extra) {
        Linker.Option[] opts = new Linker.Option[extra.length + 1];
        opts[0] = ERRNO_OPT;
        System.arraycopy(extra, 0, opts, 1, extra.length);
        return LINKER.downcallHandle(LIBC.find(name).orElseThrow(), fd, opts);
    }

    /** The errno a call made with {@link #function} left in {@code callState}. */
    public static int errno(MemorySegment callState) { return (int) ERRNO.get(callState, 0L); }

    /** The C library's text for {@code errno} ("No such file or directory"). */
    public static String strerror(int errno) {
        try {
            MemorySegment s = (MemorySegment) STRERROR.invokeExact(errno);
            return s.reinterpret(256).getString(0);
        } catch (Throwable t) {
            return "errno " + errno;
        }
    }

    /** {@link #strerror} with the number ("No such file or directory (errno 2)"). */
    public static String describe(int errno) {
        String text = strerror(errno);
        return text.equals("errno " + errno) ? text : text + " (errno " + errno + ")";
    }

    /** A failed system call. */
    public static final class Errno extends IOException {
        public final int errno;

        public Errno(String call, int errno) {
            super(call + ": " + strerror(errno));
            this.errno = errno;
        }
    }

    /** A {@code Throwable} from {@code invokeExact} that is no {@link Errno}: unchecked as it is, else wrapped. */
    public static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException r) return r;
        if (t instanceof Error e) throw e;
        return new IllegalStateException(t);
    }

    /** open(2), always close-on-exec. */
    public static int open(String path, int flags, int mode) throws Errno {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = a.allocate(CALL_STATE);
            int rc = (int) OPEN.invokeExact(st, a.allocateFrom(path), flags | O_CLOEXEC, mode);
            if (rc < 0) throw new Errno("open " + path, errno(st));
            return rc;
        } catch (Errno e) {
            throw e;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** close(2); a negative fd is none, and errors are ignored (the descriptor is gone either way). */
    public static void close(int fd) {
        if (fd < 0) return;
        try (Arena a = Arena.ofConfined()) {
            int ignored = (int) CLOSE.invokeExact(a.allocate(CALL_STATE), fd);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** setns(2): moves the calling thread into the namespace of {@code fd} ({@code nstype} 0: any kind). */
    public static void setns(int fd, int nstype) throws Errno {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = a.allocate(CALL_STATE);
            if ((int) SETNS.invokeExact(st, fd, nstype) != 0) throw new Errno("setns", errno(st));
        } catch (Errno e) {
            throw e;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }
}
