package dev.cove.runtime.userns;

import dev.cove.core.linux.Native;
import dev.cove.runtime.host.Linux;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicReference;

/**
 * What the host does inside a sandbox's network namespace for a sandbox in a user namespace. That namespace does not
 * own the network namespace (the host made it first, to wire the veth), so the OCI runtime may neither mount a
 * sysfs there nor write its net sysctls. The host does both from a short-lived thread that joined the network
 * namespace (setns is per thread; the mount namespace stays the host's):
 * <ul>
 *   <li>a read-only sysfs of that network namespace at {@code sysDir}, which the spec binds at /sys (so the sandbox
 *       sees its own interfaces, as with a sysfs of its own);</li>
 *   <li>{@code net.ipv4.ping_group_range}, so ping works without CAP_NET_RAW.</li>
 * </ul>
 */
public final class NetnsSetup {
    private static final int CLONE_NEWNET = 0x40000000;
    private static final long MS_RDONLY = 1, MS_NOSUID = 2, MS_NODEV = 4, MS_NOEXEC = 8;

    private NetnsSetup() {}

    public static void prepare(String netnsPath, Path sysDir, String pingGroupRange) throws IOException {
        Files.createDirectories(sysDir);
        AtomicReference<IOException> failure = new AtomicReference<>();
        // a thread of its own that ends afterwards: it never goes back to the host's network namespace
        Thread t = Thread.ofPlatform().name("cove-netns-setup").start(() -> {
            int fd = -1;
            try {
                fd = Native.open(netnsPath, 0, 0);
                Native.setns(fd, CLONE_NEWNET);
                Linux.mount("sysfs", sysDir.toString(), "sysfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, null);
                // /proc/sys/net shows the network namespace of the thread that opens it: this one's
                Files.writeString(Path.of("/proc/sys/net/ipv4/ping_group_range"), pingGroupRange);
            } catch (IOException e) {
                failure.set(e);
            } catch (RuntimeException e) {
                failure.set(new IOException(e.toString(), e));
            } finally {
                Native.close(fd);
            }
        });
        try {
            t.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
        if (failure.get() != null) throw new IOException("cannot prepare the sandbox's network namespace: "
                + failure.get().getMessage(), failure.get());
    }
}
