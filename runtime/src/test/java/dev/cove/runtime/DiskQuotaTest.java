package dev.cove.runtime;

import dev.cove.core.CoveException;
import dev.cove.core.runtime.ExecResult;
import dev.cove.core.runtime.RuntimeSandbox;
import dev.cove.core.runtime.SandboxSpec;
import dev.cove.core.runtime.SandboxUsage;
import dev.cove.runtime.disk.SandboxDisk;
import dev.cove.runtime.fs.FileTrees;
import dev.cove.runtime.journal.SandboxJournal;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
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
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A sandbox's disk is a limit: past {@code diskSizeMB} (bytes or inodes) writes fail inside with ENOSPC and the host
 * loses nothing beyond the image; usage comes from the disk's statfs (no symlink oracle); console output lands in
 * the disk; creates beyond the overcommit budget are refused; nothing stays after destroy. Its own prefix, pools and
 * data directory, so it can run next to the other suites.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DiskQuotaTest {
    static final String PREFIX = "covedisk";
    static final String POOL4 = "10.233.0.0/16";
    static final String POOL6 = "fd63:6f33::/32";
    private static final int DISK_MB = 64;
    /** The node's overcommit budget is set to about this much, so a 2 GiB disk cannot fit and 64 MiB ones can. */
    private static final long BUDGET_BYTES = 1L << 30;
    private static final Duration T = Duration.ofSeconds(60);

    private final Set<String> created = ConcurrentHashMap.newKeySet();
    private Path dataDir;
    private RuntimeConfig config;
    private OciRuntime runtime;

    @BeforeAll
    void start() throws IOException {
        assumeTrue(TestSupport.isRoot(), "the runtime tests need root (runc, network namespaces, mounts)");
        dataDir = Files.createTempDirectory("cove-rt-disk");
        long free = SandboxDisk.statfs(dataDir).availableBytes();
        config = TestSupport.config(dataDir).withResourcePrefix(PREFIX).withPool(POOL4, POOL6)
                .withDisk(DISK_MB, 4096, (double) BUDGET_BYTES / free);
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
        assertThat(Files.readString(Path.of("/proc/mounts"))).doesNotContain(dataDir.toString());
        assertThat(TestSupport.loopBackingFiles()).noneMatch(f -> f.startsWith(dataDir.toString()));
        TestSupport.removeCgroupParents(PREFIX);
        FileTrees.deleteRecursively(dataDir);
    }

    private RuntimeSandbox create(String tag, int diskMB) {
        String id = newId(tag);
        created.add(id);
        return runtime.create(new SandboxSpec(id, "base", 1, 256, 256, Map.of(), null, diskMB));
    }

    private SandboxJournal journal(String id) { return SandboxJournal.read(dataDir.resolve("sandboxes").resolve(id)); }

    private ExecResult exec(String id, String user, String script) {
        return runtime.exec(id, user, List.of("bash", "-c", script), T);
    }

    private String out(String id, String user, String script) {
        ExecResult r = exec(id, user, script);
        assertThat(r.exitCode()).as("exit of %s (stderr: %s)", script, r.stderr()).isZero();
        return r.stdout().strip();
    }

    /** The directory holding the sandbox's disk image: its own directory, or the pool entry it took. */
    private Path diskHome(String id) { return Path.of(journal(id).diskImage()).getParent(); }

    /** Host bytes the sandbox directory takes on the data directory's file system (du -x: not inside its mounts). */
    private static long hostBytes(Path dir) {
        return Long.parseLong(run("du", "-sx", "--block-size=1", dir.toString()).split("\\s+")[0]);
    }

    @ParameterizedTest
    @ValueSource(strings = {"root", "user"})
    void writingPastTheDiskFailsWithEnospcAndTheSandboxRecovers(String user) throws IOException {
        RuntimeSandbox sb = create("full", DISK_MB);
        String id = sb.id();
        Path dir = dataDir.resolve("sandboxes").resolve(id);
        String home = user.equals("root") ? "/root" : "/home/user";
        ExecResult dd = exec(id, user, "dd if=/dev/zero of=" + home + "/fill bs=1M count=" + (4 * DISK_MB));
        assertThat(dd.exitCode()).as("dd past the disk: %s", dd.stderr()).isNotZero();
        assertThat(dd.stderr()).contains("No space left on device");
        assertThat(hostBytes(diskHome(id))).as("host bytes of the sandbox directory").isLessThanOrEqualTo((DISK_MB + 2L) << 20);

        // full, it still works: delete, write again
        out(id, user, "rm " + home + "/fill");
        assertThat(out(id, user, "echo again > " + home + "/again && cat " + home + "/again")).isEqualTo("again");
        assertThat(out(id, user, "dd if=/dev/zero of=" + home + "/half bs=1M count=" + DISK_MB / 2 + " 2>&1 && echo ok"))
                .endsWith("ok");
        SandboxJournal j = journal(id);
        runtime.destroy(id);
        assertNothingLeft(config, id, j);
    }

    @ParameterizedTest
    @ValueSource(strings = {"root", "user"})
    void creatingFilesPastTheInodeCountFails(String user) throws IOException {
        RuntimeSandbox sb = create("inode", DISK_MB);
        String id = sb.id();
        String many = (user.equals("root") ? "/root" : "/home/user") + "/many";
        long inodes = ((long) DISK_MB << 20) / SandboxDisk.BYTES_PER_INODE;
        // bash's own redirection: no fork per file
        ExecResult r = exec(id, user, "mkdir " + many + " && cd " + many + " && for i in $(seq 1 " + (inodes + 500)
                + "); do : > f$i || { echo stopped at $i; exit 3; }; done");
        assertThat(r.exitCode()).as("%s / %s", r.stdout(), r.stderr()).isEqualTo(3);
        assertThat(r.stderr()).contains("No space left on device");
        int stoppedAt = Integer.parseInt(r.stdout().strip().replace("stopped at ", ""));
        assertThat(stoppedAt).isLessThanOrEqualTo((int) inodes);

        out(id, user, "rm -rf " + many);
        assertThat(out(id, user, "mkdir " + many + " && : > " + many + "/one && ls " + many)).isEqualTo("one");
        SandboxJournal j = journal(id);
        runtime.destroy(id);
        assertNothingLeft(config, id, j);
    }

    @Test
    void usageIsTheDisksOwnStatfsAndIgnoresSymlinksToHostFiles() throws IOException {
        RuntimeSandbox sb = create("usage", DISK_MB);
        String id = sb.id();
        SandboxUsage before = runtime.usage(id);
        assertThat(before.diskTotal()).as("disk total").isBetween((DISK_MB - 8L) << 20, (long) DISK_MB << 20);
        assertThat(before.diskUsed()).isPositive().isLessThan(before.diskTotal());

        Path big = dataDir.resolve("big-host-file");
        try (RandomAccessFile f = new RandomAccessFile(big.toFile(), "rw")) {
            f.setLength(1L << 30);
        }
        out(id, "root", "ln -s " + big + " /root/oracle && ln -s /proc/1/root" + big + " /root/oracle2");
        SandboxUsage linked = runtime.usage(id);
        assertThat(Math.abs(linked.diskUsed() - before.diskUsed())).as("usage change from symlinks")
                .isLessThan(1L << 20);

        out(id, "root", "dd if=/dev/urandom of=/root/data bs=1M count=16 2>/dev/null && sync");
        SandboxUsage written = runtime.usage(id);
        assertThat(written.diskUsed() - before.diskUsed()).as("16 MiB written").isBetween(15L << 20, 18L << 20);
        Files.delete(big);
    }

    @Test
    void consoleOutputCannotGrowAHostFileBeyondTheDisk() throws IOException {
        RuntimeSandbox sb = create("cons", DISK_MB);
        String id = sb.id();
        Path dir = dataDir.resolve("sandboxes").resolve(id);
        ExecResult r = exec(id, "root", "dd if=/dev/zero of=/proc/1/fd/1 bs=1M count=" + (4 * DISK_MB));
        boolean ownIds = journal(id).hasUserNamespace();
        // in its user namespace the console log is not the sandbox's to open at all (a host file of host root);
        // with the host's ids it is, and the disk bounds it
        assertThat(r.stderr()).contains(ownIds ? "Permission denied" : "No space left on device");
        assertThat(hostBytes(diskHome(id))).as("host bytes of the sandbox directory").isLessThanOrEqualTo((DISK_MB + 2L) << 20);
        // the host's own files of the sandbox are at the top of its directory (below are its two mounts)
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                if (f.getFileName().toString().equals(SandboxDisk.IMAGE)) continue; // bounded: host bytes above
                assertThat(Files.size(f)).as("host file " + f).isLessThan(1L << 20);
            }
        }
        if (!ownIds) {
            assertThat(Files.size(journal(id).consoleLog())).as("console log, inside the disk").isPositive();
            // the sandbox can make room again: its console log is its own
            out(id, "root", ": > /proc/1/fd/1");
        }
        assertThat(out(id, "root", "echo fine > /root/fine && cat /root/fine")).isEqualTo("fine");
    }

    @Test
    void createsBeyondTheOvercommitBudgetAreRefusedAndNothingIsMade() throws IOException {
        String id = newId("big");
        created.add(id);
        assertThatThrownBy(() -> runtime.create(new SandboxSpec(id, "base", 1, 256, 256, Map.of(), null, 4096)))
                .isInstanceOfSatisfying(CoveException.class, e -> {
                    assertThat(e.status()).isEqualTo(507);
                    assertThat(e.getMessage()).contains("4096 MiB disk", "--disk-overcommit", "MiB free on the file system of "
                            + dataDir);
                });
        assertThat(dataDir.resolve("sandboxes").resolve(id)).doesNotExist();
        assertThatThrownBy(() -> runtime.create(new SandboxSpec(id, "base", 1, 256, 256, Map.of(), null, 8192)))
                .isInstanceOfSatisfying(CoveException.class, e -> {
                    assertThat(e.status()).isEqualTo(400);
                    assertThat(e.getMessage()).contains("--max-disk-mb");
                });
        RuntimeSandbox small = create("small", DISK_MB); // what fits still does
        assertThat(out(small.id(), "root", "df -m / | tail -1 | awk '{print $2}'")).isNotEmpty();
        SandboxJournal j = journal(small.id());
        assertThat(j.diskSizeMB()).isEqualTo(DISK_MB);
        runtime.destroy(small.id());
        assertNothingLeft(config, small.id(), j);
    }

    @Test
    void theDefaultSizeComesFromTheNode() {
        RuntimeSandbox sb = runtime.create(TestSupport.spec(newId("dflt")));
        created.add(sb.id());
        assertThat(journal(sb.id()).diskSizeMB()).isEqualTo(DISK_MB);
        assertThat(runtime.usage(sb.id()).diskTotal()).isLessThanOrEqualTo((long) DISK_MB << 20);
    }
}
