package dev.cove.runtime;

import dev.cove.core.runtime.RuntimeSandbox;
import dev.cove.runtime.fs.FileTrees;
import dev.cove.runtime.journal.SandboxJournal;
import dev.cove.runtime.net.Network;
import dev.cove.runtime.net.SlotPool;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static dev.cove.runtime.TestSupport.assertNothingLeft;
import static dev.cove.runtime.TestSupport.newId;
import static dev.cove.runtime.TestSupport.spec;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** A restarted node takes back the sandboxes it is told to keep and sweeps everything else. */
class RecoverTest {
    private Path dataDir;
    private RuntimeConfig config;
    private OciRuntime runtime;

    @BeforeEach
    void start() throws IOException {
        assumeTrue(TestSupport.isRoot(), "the runtime tests need root (runc, network namespaces, mounts)");
        dataDir = Files.createTempDirectory("cove-rt-recover");
        config = TestSupport.config(dataDir);
        runtime = new OciRuntime(config);
        runtime.ensureTemplate("base", line -> System.out.println("template: " + line));
    }

    @AfterEach
    void cleanUp() throws IOException {
        if (runtime == null) return;
        runtime.close();
        try (OciRuntime sweeper = new OciRuntime(config)) {
            sweeper.recover(Set.of());
        }
        TestSupport.assertNoCreatedNetnsLeft();
        assertThat(Files.readString(Path.of("/proc/mounts"))).doesNotContain(dataDir.toString());
        FileTrees.deleteRecursively(dataDir);
    }

    private SandboxJournal journal(String id) {
        return SandboxJournal.read(dataDir.resolve("sandboxes").resolve(id));
    }

    @Test
    void restartKeepsTheKeptAndSweepsTheRest() throws IOException {
        String keep = newId("keep");
        String drop = newId("drop");
        RuntimeSandbox kept = runtime.create(spec(keep, 1, 128, 64, Map.of("ANSWER", "42")));
        runtime.create(spec(drop));
        SandboxJournal dropJournal = journal(drop);
        runtime.close(); // the node "crashes": in-memory state gone, sandboxes still run

        runtime = new OciRuntime(config);
        assertThat(runtime.list()).isEmpty();
        Set<String> adopted = runtime.recover(Set.of(keep, "unknownid"));
        assertThat(adopted).containsExactly(keep);
        assertThat(runtime.list()).containsExactly(keep);
        assertThat(runtime.get(keep)).isEqualTo(kept);
        var r = runtime.exec(keep, "user", List.of("bash", "-c", "hostname; echo $ANSWER"), Duration.ofSeconds(30));
        assertThat(r.exitCode()).isZero();
        assertThat(r.stdout()).isEqualTo(keep + "\n42\n");
        assertNothingLeft(config, drop, dropJournal);

        // the re-adopted sandbox keeps its slot: a new one gets another
        String fresh = newId("fresh");
        RuntimeSandbox other = runtime.create(spec(fresh));
        assertThat(other.ipv4()).isNotEqualTo(kept.ipv4());

        SandboxJournal keptJournal = journal(keep);
        runtime.destroy(keep);
        runtime.destroy(fresh);
        assertNothingLeft(config, keep, keptJournal);
    }

    @Test
    void halfMadeSandboxesAreSwept() throws IOException {
        // crash after the journal and the network namespace, before the rootfs and the container
        String id = newId("half");
        TestSupport.CREATED.add(id);
        Path dir = dataDir.resolve("sandboxes").resolve(id);
        Files.createDirectories(dir);
        SlotPool pool = new SlotPool(TestSupport.POOL4, TestSupport.POOL6, TestSupport.PREFIX);
        int slot = pool.allocate(s -> !Network.linkExists(pool.hostVeth(s)));
        String name = TestSupport.PREFIX + "-" + id;
        SandboxJournal j = new SandboxJournal(1, id, "base", "/nonexistent", slot, name, pool.hostVeth(slot),
                pool.sandboxVeth(slot), pool.hostIpv4(slot), pool.sandboxIpv4(slot), pool.hostIpv6(slot),
                pool.sandboxIpv6(slot), dir.resolve("rootfs").toString(), dir.resolve("upper").toString(),
                dir.resolve("work").toString(), "/" + TestSupport.PREFIX + "/" + id, name, "runc",
                dataDir.resolve("runc").toString(), Map.of(), 1, 128, 64, System.currentTimeMillis());
        j.write(dir);
        Network.create(j);
        Files.createDirectories(dir.resolve("upper/etc"));
        assertThat(TestSupport.run("ip", "netns", "list")).contains(name);

        // and a directory without any journal (crash right after mkdir)
        String bare = newId("bare");
        Files.createDirectories(dataDir.resolve("sandboxes").resolve(bare));

        // a kept sandbox whose container died is not re-adopted but swept
        String dead = newId("dead");
        RuntimeSandbox deadSb = runtime.create(spec(dead));
        SandboxJournal deadJournal = journal(dead);
        runtime.close();
        ProcessHandle.of(deadSb.initPid()).ifPresent(ProcessHandle::destroyForcibly);
        awaitDeath(deadSb.initPid()); // a pid namespace's init exits only after all its processes did

        runtime = new OciRuntime(config);
        assertThat(runtime.recover(Set.of(id, dead))).isEmpty();
        assertNothingLeft(config, id, j);
        assertNothingLeft(config, bare, null);
        assertNothingLeft(config, dead, deadJournal);
        assertThat(runtime.list()).isEmpty();
    }

    /** Waits (at most 10 s) until {@code pid} is gone or a zombie. */
    private static void awaitDeath(long pid) throws IOException {
        Path stat = Path.of("/proc", Long.toString(pid), "stat");
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (System.nanoTime() < deadline) {
            try {
                String st = Files.readString(stat);
                char state = st.charAt(st.lastIndexOf(')') + 2);
                if (state == 'Z' || state == 'X') return;
            } catch (IOException e) {
                return;
            }
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        throw new IOException("process " + pid + " did not die within 10 s");
    }
}
