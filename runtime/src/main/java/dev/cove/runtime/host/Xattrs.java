package dev.cove.runtime.host;

import dev.cove.core.linux.Native.Errno;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
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

/**
 * Extended attributes (xattr(7)) through FFM: by path ({@code l…} variants when the final component must not be
 * followed) and by descriptor. Values are bytes; names are the full {@code namespace.name}.
 */
@SuppressWarnings("restricted") // native access is the point of this class
public final class Xattrs {
    public static final int ENODATA = 61, ERANGE = 34, E2BIG = 7, ENOTSUP = 95;
    /** Linux's limit of one value (XATTR_SIZE_MAX). */
    private static final int MAX_VALUE = 64 * 1024;
    /** Linux's limit of a name list (XATTR_LIST_MAX). */
    private static final int MAX_LIST = 64 * 1024;

    private static final FunctionDescriptor LIST = FunctionDescriptor.of(JAVA_LONG, ADDRESS, ADDRESS, JAVA_LONG);
    private static final FunctionDescriptor GET = FunctionDescriptor.of(JAVA_LONG, ADDRESS, ADDRESS, ADDRESS, JAVA_LONG);
    private static final MethodHandle LISTXATTR = function("listxattr", LIST);
    private static final MethodHandle LLISTXATTR = function("llistxattr", LIST);
    private static final MethodHandle GETXATTR = function("getxattr", GET);
    private static final MethodHandle LGETXATTR = function("lgetxattr", GET);
    private static final MethodHandle FLISTXATTR = function("flistxattr",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG));
    private static final MethodHandle FSETXATTR = function("fsetxattr",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG, JAVA_INT));
    private static final MethodHandle FREMOVEXATTR = function("fremovexattr",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS));

    private Xattrs() {}

    /** Names of the attributes of {@code path}; {@code follow} false describes a final symlink itself. */
    public static List<String> list(String path, boolean follow) throws Errno {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = a.allocate(CALL_STATE);
            MemorySegment buf = a.allocate(MAX_LIST);
            long n = (long) (follow ? LISTXATTR : LLISTXATTR).invokeExact(st, a.allocateFrom(path), buf, (long) MAX_LIST);
            if (n < 0) throw new Errno("listxattr " + path, errno(st));
            return names(buf, n);
        } catch (Errno e) {
            throw e;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** The value of attribute {@code name} of {@code path}. */
    public static byte[] get(String path, String name, boolean follow) throws Errno {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = a.allocate(CALL_STATE);
            MemorySegment buf = a.allocate(MAX_VALUE);
            long n = (long) (follow ? GETXATTR : LGETXATTR).invokeExact(st, a.allocateFrom(path), a.allocateFrom(name),
                    buf, (long) MAX_VALUE);
            if (n < 0) throw new Errno("getxattr " + name, errno(st));
            return buf.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE);
        } catch (Errno e) {
            throw e;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** Names of the attributes of the open file {@code fd}. */
    public static List<String> list(int fd) throws Errno {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = a.allocate(CALL_STATE);
            MemorySegment buf = a.allocate(MAX_LIST);
            long n = (long) FLISTXATTR.invokeExact(st, fd, buf, (long) MAX_LIST);
            if (n < 0) throw new Errno("flistxattr", errno(st));
            return names(buf, n);
        } catch (Errno e) {
            throw e;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** Sets (creates or replaces) attribute {@code name} of the open file {@code fd}. */
    public static void set(int fd, String name, byte[] value) throws Errno {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = a.allocate(CALL_STATE);
            MemorySegment v = a.allocate(Math.max(1, value.length));
            MemorySegment.copy(value, 0, v, ValueLayout.JAVA_BYTE, 0, value.length);
            if ((int) FSETXATTR.invokeExact(st, fd, a.allocateFrom(name), v, (long) value.length, 0) != 0)
                throw new Errno("fsetxattr " + name, errno(st));
        } catch (Errno e) {
            throw e;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** Removes attribute {@code name} of the open file {@code fd}; one that is not there is no error. */
    public static void remove(int fd, String name) throws Errno {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = a.allocate(CALL_STATE);
            if ((int) FREMOVEXATTR.invokeExact(st, fd, a.allocateFrom(name)) != 0) {
                int e = errno(st);
                if (e != ENODATA) throw new Errno("fremovexattr " + name, e);
            }
        } catch (Errno e) {
            throw e;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    private static List<String> names(MemorySegment buf, long n) {
        List<String> out = new ArrayList<>();
        byte[] all = buf.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE);
        int start = 0;
        for (int i = 0; i < all.length; i++) {
            if (all[i] == 0) {
                if (i > start) out.add(new String(all, start, i - start, StandardCharsets.UTF_8));
                start = i + 1;
            }
        }
        return out;
    }
}
