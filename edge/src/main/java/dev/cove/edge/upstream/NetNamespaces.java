package dev.cove.edge.upstream;

import dev.cove.core.linux.Native;

import java.io.IOException;

/**
 * open(2), setns(2) and close(2) through core's FFM binding ({@link Native}): what a dialer thread needs to step into
 * a sandbox's network namespace and back. setns changes only the calling thread, so callers are dedicated platform
 * threads (a virtual thread could move to another carrier between the calls). Needs
 * {@code --enable-native-access=ALL-UNNAMED}.
 */
final class NetNamespaces {
    static final int CLONE_NEWNET = 0x40000000;
    static final int ENOENT = 2;
    private static final int O_RDONLY = 0;

    private NetNamespaces() {}

    /** A failed call, with its errno. */
    static final class NsException extends IOException {
        final int errno;

        NsException(String message, int errno) {
            super(message + ": " + Native.describe(errno));
            this.errno = errno;
        }
    }

    /** Opens a namespace file ({@code /run/netns/<name>}, {@code /proc/thread-self/ns/net}) read-only, close-on-exec. */
    static int open(String path) throws NsException {
        try {
            return Native.open(path, O_RDONLY, 0);
        } catch (Native.Errno e) {
            throw new NsException("open " + path, e.errno);
        }
    }

    /** Moves the calling thread into the network namespace of {@code fd}. */
    static void enter(int fd) throws NsException {
        try {
            Native.setns(fd, CLONE_NEWNET);
        } catch (Native.Errno e) {
            throw new NsException("setns", e.errno);
        }
    }

    static void close(int fd) { Native.close(fd); }
}
