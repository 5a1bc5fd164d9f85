package dev.cove.runtime.host;

import dev.cove.core.linux.Native;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

import static dev.cove.core.linux.Native.CALL_STATE;

/**
 * The few system calls the runtime makes itself (through core's {@link Native} binding) instead of forking a helper:
 * mount(2) and umount2(2), each ~0.1 ms against ~2 ms for {@code mount}/{@code umount}.
 * Needs {@code --enable-native-access=ALL-UNNAMED} (or the JVM prints a warning once).
 */
@SuppressWarnings("restricted") // native access is the point of this class
public final class Linux {
    public static final int MNT_DETACH = 2;
    public static final int EINVAL = 22;
    public static final int ENOENT = 2;
    public static final int EBUSY = 16;

    private static final MethodHandle MOUNT = Native.function("mount",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.ADDRESS,
                    ValueLayout.JAVA_LONG, ValueLayout.ADDRESS));
    private static final MethodHandle UMOUNT2 = Native.function("umount2",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT));

    private Linux() {}

    /** mount(2); throws with the errno text on failure. */
    public static void mount(String source, String target, String fsType, long flags, String data) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            MemorySegment dataArg = data == null ? MemorySegment.NULL : arena.allocateFrom(data);
            int rc = (int) MOUNT.invokeExact(state, arena.allocateFrom(source), arena.allocateFrom(target),
                    arena.allocateFrom(fsType), flags, dataArg);
            if (rc != 0) {
                throw new IOException("mount " + fsType + " on " + target + " failed: " + Native.describe(Native.errno(state)));
            }
        } catch (IOException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IOException("mount " + target + " failed", t);
        }
    }

    /** umount2(2); returns 0 or the errno. */
    public static int umount2(String target, int flags) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            int rc = (int) UMOUNT2.invokeExact(state, arena.allocateFrom(target), flags);
            return rc == 0 ? 0 : Native.errno(state);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }
}
