package dev.cove.runtime;

import dev.cove.runtime.cgroup.CgroupLayout;
import dev.cove.runtime.fs.MountTable;
import dev.cove.runtime.host.Cmd;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/** What the runtime checks and sets on the host once, at start: tools on PATH, the OCI runtime, netns settings. */
final class HostSetup {
    private static final Logger log = LoggerFactory.getLogger(HostSetup.class);

    private HostSetup() {}

    /** auto: crun where it runs as is (it refuses hybrid cgroup hosts whose v2 holds controllers), else runc. */
    static String chooseOciRuntime(String wanted, CgroupLayout cgroups) {
        if (!wanted.equals("auto")) return wanted;
        if (onPath("crun") && !cgroups.hybridWithV2Controllers()) return "crun";
        return "runc";
    }

    static void requireTool(String tool, String debianPackage) {
        if (!onPath(tool))
            throw new IllegalStateException(tool + " not found on PATH; install it (apt-get install " + debianPackage + ")");
    }

    private static boolean onPath(String tool) {
        String path = System.getenv().getOrDefault("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
        for (String d : path.split(":")) if (!d.isEmpty() && Files.isExecutable(Path.of(d, tool))) return true;
        return false;
    }

    /**
     * Gives every network namespace created from now on its own small TCP hash (1024 buckets) instead of
     * sharing the host's: reading a sandbox's socket table then costs ~0.1 ms instead of ~4 ms. Only namespaces
     * created later are affected, and only when the host has not chosen a value itself.
     */
    static void enablePerNetnsTcpHash() {
        Path sysctl = Path.of("/proc/sys/net/ipv4/tcp_child_ehash_entries");
        try {
            if (Files.exists(sysctl) && Files.readAllLines(sysctl).getFirst().strip().equals("0"))
                Files.writeString(sysctl, "1024");
        } catch (IOException | RuntimeException e) {
            log.debug("cannot set tcp_child_ehash_entries: {}", e.getMessage());
        }
    }

    /**
     * {@code ip netns add} makes /run/netns a shared bind mount the first time it runs; two first runs in parallel
     * can stack two such mounts. Doing it once here, sequentially, leaves the parallel creates nothing to race on.
     */
    static void prepareNetnsDir(String resourcePrefix) {
        if (MountTable.isMountPoint(Path.of("/run/netns"))) return;
        String probe = resourcePrefix + "-init" + ProcessHandle.current().pid();
        try {
            Cmd.check(List.of("ip", "netns", "add", probe), null, Duration.ofSeconds(10));
            Cmd.check(List.of("ip", "netns", "del", probe), null, Duration.ofSeconds(10));
        } catch (IOException e) {
            throw new IllegalStateException("cannot create network namespaces: " + e.getMessage(), e);
        }
    }
}
