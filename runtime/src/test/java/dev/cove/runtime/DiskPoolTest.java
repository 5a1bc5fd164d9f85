package dev.cove.runtime;

import dev.cove.core.runtime.ExecResult;
import dev.cove.core.runtime.RuntimeSandbox;
import dev.cove.core.runtime.SandboxSpec;
import dev.cove.runtime.disk.DiskPool;
import dev.cove.runtime.disk.SandboxDisk;
import dev.cove.runtime.fs.FileTrees;
import dev.cove.runtime.journal.SandboxJournal;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

import static dev.cove.runtime.TestSupport.assertNothingLeft;
import static dev.cove.runtime.TestSupport.newId;
import static dev.cove.runtime.TestSupport.run;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Ready disks: a create of the default size takes one (its journal names it, the quota holds), the pool refills,
 * other sizes make their own, close frees the unused ones, and a restart frees the entries no journal names while
 * keeping those of sandboxes. Its own prefix, pools and data directory, so it can run next to the other suites.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DiskPoolTest {
    static final String PREFIX = "covepool";
    static final String POOL4 = "10.234.0.0/16";
    static final String POOL6 = "fd63:6f34::/32";
    private static final int DISK_MB = 64;
    private static final int READY = 2;
    private static final Duration T = Duration.ofSeconds(60);

    private final Set<String> created = ConcurrentHashMap.newKeySet();
    private Path dataDir;
    private Path poolDir;
    private RuntimeConfig config;
    private OciRuntime runtime;

    @BeforeAll
    void start() throws IOException {
        assumeTrue(TestSupport.isRoot(), "the runtime tests need root (runc, network namespaces, mounts)");
        dataDir = Files.createTempDirectory("cove-rt-pool");
        poolDir = dataDir.resolve(DiskPool.DIR);
        config = TestSupport.config(dataDir).withResourcePrefix(PREFIX).withPool(POOL4, POOL6)
                .withDisk(DISK_MB, 1024, 0).withDiskPool(READY);
        runtime = new OciRuntime(config);
        runtime.ensureTemplate("base", line -> System.out.println("template: " + line));
    }

    @AfterEach
    void destroyAll() {
        if (runtime == null) return;
        for (String id : runtime.list()) runtime.destroy(id);
        runtime.recover(Set.of());
    }

    @AfterAll
    void stop() throws IOException {
        if (runtime == null) return;
        runtime.recover(Set.of());
        runtime.close();
        String netns = run("ip", "netns", "list");
        for (String id : created) assertThat(netns).as("netns of " + id).doesNotContain(PREFIX + "-" + id);
        assertNoDiskLeft();
        TestSupport.removeCgroupParents(PREFIX);
        FileTrees.deleteRecursively(dataDir);
    }

    /** No mount, loop device or pool entry of this data directory (what a closed runtime without sandboxes leaves). */
    private void assertNoDiskLeft() throws IOException {
        assertThat(Files.readString(Path.of("/proc/mounts"))).as("mounts").doesNotContain(dataDir.toString());
        assertThat(TestSupport.loopBackingFiles()).as("loop devices").noneMatch(f -> f.startsWith(dataDir.toString()));
        assertThat(entries()).as("pool entries").isEmpty();
    }

    private List<Path> entries() throws IOException {
        if (!Files.isDirectory(poolDir)) return List.of();
        try (Stream<Path> s = Files.list(poolDir)) {
            return s.toList();
        }
    }

    private void awaitReady(int n) throws InterruptedException {
        long deadline = System.nanoTime() + T.toNanos();
        while (runtime.node.diskPool.readyCount() < n && System.nanoTime() < deadline) Thread.sleep(20);
        assertThat(runtime.node.diskPool.readyCount()).as("ready disks").isEqualTo(n);
    }

    private RuntimeSandbox create(String tag, int diskMB) {
        String id = newId(tag);
        created.add(id);
        return runtime.create(new SandboxSpec(id, "base", 1, 256, 256, Map.of(), null, diskMB));
    }

    private SandboxJournal journal(String id) { return SandboxJournal.read(dataDir.resolve("sandboxes").resolve(id)); }

    private String out(String id, String script) {
        ExecResult r = runtime.exec(id, "root", List.of("bash", "-c", script), T);
        assertThat(r.exitCode()).as("exit of %s (stderr: %s)", script, r.stderr()).isZero();
        return r.stdout().strip();
    }

    private static boolean mounted(Path mountPoint) throws IOException {
        return Files.readString(Path.of("/proc/mounts")).contains(" " + mountPoint + " ");
    }

    @Test
    void aCreateTakesAPooledDiskAndItsQuotaHolds() throws Exception {
        awaitReady(READY);
        String id = create("take", 0).id();
        SandboxJournal j = journal(id);
        Path entry = Path.of(j.diskImage()).getParent();
        assertThat(entry.getParent()).as("a pool entry").isEqualTo(poolDir);
        assertThat(j.diskDir()).isEqualTo(entry.resolve(SandboxDisk.MOUNT).toString());
        assertThat(j.upperDir()).startsWith(j.diskDir());
        // fresh and owned as a disk of its own: only what the create put there, its upper root 0755 root
        try (Stream<Path> s = Files.list(Path.of(j.diskDir()))) {
            assertThat(s.map(p -> p.getFileName().toString()).sorted().toList())
                    .isSubsetOf("console.log", "lost+found", "upper", "work");
        }
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(Path.of(j.upperDir())))).isEqualTo("rwxr-xr-x");
        // the sandbox's root owns it: host root, or the first id of the sandbox's own range
        assertThat(((Number) Files.getAttribute(Path.of(j.upperDir()), "unix:uid")).longValue()).isEqualTo(j.uidBase());

        ExecResult dd = runtime.exec(id, "root", List.of("bash", "-c", "dd if=/dev/zero of=/root/fill bs=1M count="
                + 4 * DISK_MB), T);
        assertThat(dd.exitCode()).isNotZero();
        assertThat(dd.stderr()).contains("No space left on device");
        assertThat(runtime.usage(id).diskTotal()).isLessThanOrEqualTo((long) DISK_MB << 20);

        runtime.destroy(id);
        assertNothingLeft(config, id, j);
        assertThat(entry).doesNotExist();
    }

    @Test
    void thePoolRefillsAfterTakes() throws Exception {
        awaitReady(READY);
        String a = create("refa", 0).id();
        String b = create("refb", 0).id();
        SandboxJournal ja = journal(a), jb = journal(b);
        assertThat(List.of(ja.diskImage(), jb.diskImage())).allMatch(p -> p.startsWith(poolDir.toString()));
        assertThat(ja.diskImage()).isNotEqualTo(jb.diskImage());
        awaitReady(READY);
        assertThat(entries()).hasSize(READY + 2);
        runtime.destroy(a);
        runtime.destroy(b);
        assertNothingLeft(config, a, ja);
        assertNothingLeft(config, b, jb);
        assertThat(entries()).hasSize(READY);
    }

    @Test
    void aCreateOfAnotherSizeMakesItsOwnDisk() throws Exception {
        awaitReady(READY);
        String id = create("own", 32).id();
        SandboxJournal j = journal(id);
        Path dir = dataDir.resolve("sandboxes").resolve(id);
        assertThat(j.diskImage()).isEqualTo(dir.resolve(SandboxDisk.IMAGE).toString());
        assertThat(runtime.usage(id).diskTotal()).isLessThanOrEqualTo(32L << 20);
        assertThat(runtime.node.diskPool.readyCount()).isEqualTo(READY);
        runtime.destroy(id);
        assertNothingLeft(config, id, j);
    }

    @Test
    void closeFreesTheReadyDisks() throws Exception {
        awaitReady(READY);
        runtime.close();
        try {
            assertNoDiskLeft();
        } finally {
            runtime = new OciRuntime(config);
        }
        awaitReady(READY);
    }

    @Test
    void aRestartFreesStaleEntriesAndKeepsTheDisksOfSandboxes() throws Exception {
        awaitReady(READY);
        String id = create("keep", 0).id();
        SandboxJournal j = journal(id);
        out(id, "echo kept > /root/kept");
        // what a crash leaves: a ready disk no journal names
        Path stale = poolDir.resolve("stale0");
        Files.createDirectory(stale);
        SandboxDisk.create(stale.resolve(SandboxDisk.IMAGE), stale.resolve(SandboxDisk.MOUNT), 16);
        runtime.close();
        // close freed only its own ready disks; the sandbox's disk and the stale one are still there
        assertThat(mounted(Path.of(j.diskDir()))).isTrue();
        assertThat(mounted(stale.resolve(SandboxDisk.MOUNT))).isTrue();
        assertThat(entries()).containsExactlyInAnyOrder(Path.of(j.diskImage()).getParent(), stale);

        runtime = new OciRuntime(config);
        assertThat(stale).doesNotExist();
        assertThat(TestSupport.loopBackingFiles()).noneMatch(f -> f.startsWith(stale.toString()));
        assertThat(mounted(Path.of(j.diskDir()))).as("the sandbox's disk").isTrue();
        assertThat(runtime.recover(Set.of(id))).containsExactly(id);
        assertThat(out(id, "cat /root/kept")).isEqualTo("kept");
        awaitReady(READY);
        runtime.destroy(id);
        assertNothingLeft(config, id, j);
    }
}
