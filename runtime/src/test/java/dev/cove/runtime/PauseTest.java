package dev.cove.runtime;

import dev.cove.core.CoveException;
import dev.cove.core.runtime.ExecResult;
import dev.cove.core.runtime.PauseState;
import dev.cove.core.runtime.ProcessSpec;
import dev.cove.core.runtime.RuntimeSandbox;
import dev.cove.core.runtime.SandboxProcess;
import dev.cove.core.runtime.SandboxSpec;
import dev.cove.runtime.cgroup.CgroupLayout;
import dev.cove.runtime.fs.FileTrees;
import dev.cove.runtime.journal.SandboxJournal;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static dev.cove.runtime.TestSupport.assertNothingLeft;
import static dev.cove.runtime.TestSupport.newId;
import static dev.cove.runtime.TestSupport.run;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Pause and resume on real containers: freezing keeps a process's memory (its counter neither advances nor
 * restarts), stopping keeps the files and ends the processes, destroy and restart handle paused sandboxes.
 * Its own prefix, pools and data directory, so it can run next to the other suites.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PauseTest {
    /** At most 8 characters (it is part of 15-character interface names). */
    static final String PREFIX = "covepaus";
    static final String POOL4 = "10.218.0.0/16";
    static final String POOL6 = "fd63:6f18::/32";
    private static final Duration T = Duration.ofSeconds(30);
    /** Counts in a shell variable (memory only) and publishes each value atomically every 50 ms. */
    private static final String COUNTER = "i=0; while :; do i=$((i+1)); echo $i > /tmp/counter.tmp; "
            + "mv -f /tmp/counter.tmp /tmp/counter; sleep 0.05; done";

    private final Set<String> created = ConcurrentHashMap.newKeySet();
    private Path dataDir;
    private RuntimeConfig config;
    private OciRuntime runtime;

    static RuntimeConfig config(Path dataDir) {
        return TestSupport.config(dataDir).withResourcePrefix(PREFIX).withPool(POOL4, POOL6);
    }

    @BeforeAll
    void start() throws IOException {
        assumeTrue(TestSupport.isRoot(), "the runtime tests need root (runc, network namespaces, mounts)");
        dataDir = Files.createTempDirectory("cove-rt-pause");
        config = config(dataDir);
        runtime = new OciRuntime(config);
        runtime.ensureTemplate("base", line -> System.out.println("template: " + line));
    }

    @AfterEach
    void destroyAll() {
        if (runtime == null) return;
        for (String id : runtime.list()) runtime.destroy(id);
        runtime.recover(Set.of()); // sweeps whatever a failed test left on disk
    }

    @AfterAll
    void stop() throws IOException {
        if (runtime == null) return;
        runtime.recover(Set.of());
        runtime.close();
        String netns = run("ip", "netns", "list");
        for (String id : created) assertThat(netns).as("netns of " + id).doesNotContain(PREFIX + "-" + id);
        assertThat(run("ip", "-o", "link", "show")).doesNotContain(PREFIX);
        assertThat(Files.readString(Path.of("/proc/mounts"))).doesNotContain(dataDir.toString());
        for (Path m : TestSupport.cgroupMounts()) {
            Path parent = m.resolve(PREFIX);
            if (Files.isDirectory(parent)) {
                try (var s = Files.list(parent)) {
                    assertThat(s.filter(Files::isDirectory).toList()).as("cgroups under " + parent).isEmpty();
                }
                Files.delete(parent); // rmdir: the suite's own parent cgroup, empty now
            }
        }
        FileTrees.deleteRecursively(dataDir);
    }

    private RuntimeSandbox create(String tag) {
        String id = newId(tag);
        created.add(id);
        return runtime.create(new SandboxSpec(id, "base", 1, 256, 256, Map.of()));
    }

    private SandboxJournal journal(String id) {
        return SandboxJournal.read(dataDir.resolve("sandboxes").resolve(id));
    }

    private String out(String id, String user, String script) {
        ExecResult r = runtime.exec(id, user, List.of("bash", "-c", script), T);
        assertThat(r.exitCode()).as("exit of %s (stderr: %s)", script, r.stderr()).isZero();
        return r.stdout().strip();
    }

    private SandboxProcess spawn(String id, String script) {
        return runtime.spawn(id, new ProcessSpec("root", List.of("bash", "-c", script), null, null, null, false));
    }

    /** Starts the sandbox's spawner (through a first process) and waits until later processes come from it. */
    private void awaitSpawner(String id) throws InterruptedException {
        spawn(id, "true").waitFor();
        long deadline = System.nanoTime() + 15_000_000_000L;
        while (!runtime.node.spawners.ready(id) && System.nanoTime() < deadline) Thread.sleep(10);
        assertThat(runtime.node.spawners.ready(id)).as("spawner of " + id + " up").isTrue();
    }

    private static int counter(RuntimeSandbox sb) throws IOException {
        Path file = Path.of(sb.rootfs(), "tmp", "counter");
        return Files.exists(file) ? Integer.parseInt(Files.readString(file).strip()) : 0;
    }

    private static int awaitCounter(RuntimeSandbox sb, int above) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + 15_000_000_000L;
        int c;
        while ((c = counter(sb)) <= above && System.nanoTime() < deadline) Thread.sleep(5);
        assertThat(c).as("counter of " + sb.id() + " above " + above).isGreaterThan(above);
        return c;
    }

    private static SandboxProcess.Exit awaitExit(SandboxProcess p) throws Exception {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return p.waitFor();
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        }).get(15, TimeUnit.SECONDS);
    }

    private static void assertPaused(ThrowingCall call) {
        assertThatThrownBy(call::run).isInstanceOfSatisfying(CoveException.class, e -> {
            assertThat(e.status()).isEqualTo(409);
            assertThat(e.code()).isEqualTo("sandbox_paused");
            assertThat(e.getMessage()).contains("resume it");
        });
    }

    @FunctionalInterface
    private interface ThrowingCall {
        void run() throws Exception;
    }

    private static boolean dead(long hostPid) {
        Path stat = Path.of("/proc", Long.toString(hostPid), "stat");
        try {
            String s = Files.readString(stat);
            char state = s.charAt(s.lastIndexOf(')') + 2);
            return state == 'Z' || state == 'X';
        } catch (IOException e) {
            return true;
        }
    }

    private static void awaitDead(long hostPid) throws InterruptedException {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!dead(hostPid) && System.nanoTime() < deadline) Thread.sleep(10);
        assertThat(dead(hostPid)).as("process " + hostPid + " ended").isTrue();
    }

    private static List<Path> cgroupDirs(String id) {
        return TestSupport.cgroupMounts().stream().map(m -> m.resolve(PREFIX).resolve(id)).filter(Files::isDirectory)
                .toList();
    }

    @Test
    void freezeKeepsMemoryAndTheProcessContinuesWhereItWas() throws Exception {
        RuntimeSandbox sb = create("frz");
        String id = sb.id();
        awaitSpawner(id);
        SandboxProcess loop = spawn(id, COUNTER);
        awaitCounter(sb, 3);

        runtime.pause(id, true);
        assertThat(runtime.pauseState(id)).isEqualTo(PauseState.FROZEN);
        int atPause = counter(sb);
        Thread.sleep(600); // 12 ticks of the counter, were it running
        assertThat(counter(sb)).as("counter while frozen").isEqualTo(atPause);
        assertThat(loop.isAlive()).isTrue();
        assertThat(runtime.get(id)).isEqualTo(sb);
        assertThat(runtime.list()).contains(id);

        // no process can start, and none waits: a typed answer at once (spawner, runtime exec and pty alike)
        assertPaused(() -> runtime.exec(id, "root", List.of("true"), T));
        assertPaused(() -> spawn(id, "true"));
        assertPaused(() -> runtime.spawn(id, new ProcessSpec("user", List.of("bash"), null, null,
                new ProcessSpec.PtySize(80, 24), true)));
        // the kept file system stays readable from the host
        assertThat(runtime.files(id).stat("root", "/tmp/counter").size()).isPositive();
        runtime.pause(id, true); // again: nothing changes
        assertThat(runtime.pauseState(id)).isEqualTo(PauseState.FROZEN);

        RuntimeSandbox resumed = runtime.resume(id);
        assertThat(resumed).isEqualTo(sb); // same init, same addresses
        assertThat(runtime.pauseState(id)).isEqualTo(PauseState.RUNNING);
        int after = awaitCounter(sb, atPause);
        assertThat(after).as("the counter continues from its value in memory").isLessThanOrEqualTo(atPause + 3);
        assertThat(runtime.resume(id)).isEqualTo(sb); // resuming a running sandbox changes nothing

        // the spawner was frozen with the sandbox and serves again
        assertThat(runtime.node.spawners.ready(id)).isTrue();
        SandboxProcess echo = spawn(id, "echo again");
        assertThat(echo.getClass().getSimpleName()).isEqualTo("SpawnerProcess");
        assertThat(new String(echo.stdout().readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("again\n");
        assertThat(awaitExit(echo).exitCode()).isZero();
        assertThat(out(id, "user", "echo $((6*7))")).isEqualTo("42");

        // the counter started before the pause is still the same process, and still ours to signal
        loop.signal(9);
        assertThat(awaitExit(loop).signal()).isEqualTo(9);
        runtime.destroy(id);
    }

    @Test
    void stopKeepsTheFilesEndsTheProcessesAndResumeStartsAfresh() throws Exception {
        RuntimeSandbox sb = create("stp");
        String id = sb.id();
        out(id, "user", "echo kept across the pause > ~/notes.txt");
        awaitSpawner(id);
        SandboxProcess sleeper = spawn(id, "exec sleep 1001");
        long sleeperHostPid = sleeper.hostPid();
        assertThat(cgroupDirs(id)).isNotEmpty();

        runtime.pause(id, false);
        assertThat(runtime.pauseState(id)).isEqualTo(PauseState.STOPPED);
        assertThat(awaitExit(sleeper).signal()).isEqualTo(9);
        awaitDead(sleeper.hostPid());
        awaitDead(sb.initPid());
        // memory freed: no process, no container, no cgroup; the network namespace and files stay
        assertThat(cgroupDirs(id)).isEmpty();
        assertThat(run("runc", "--root", dataDir.resolve("runc").toString(), "list", "-q")).doesNotContain(id);
        assertThat(run("ip", "netns", "list")).contains(PREFIX + "-" + id);
        RuntimeSandbox stopped = runtime.get(id);
        assertThat(stopped.initPid()).isZero();
        assertThat(stopped.ipv4()).isEqualTo(sb.ipv4());
        assertThat(runtime.files(id).stat("user", "/home/user/notes.txt").size()).isPositive();
        assertPaused(() -> runtime.exec(id, "root", List.of("true"), T));
        assertPaused(() -> spawn(id, "true"));
        runtime.pause(id, true); // memory cannot come back: still stopped
        runtime.pause(id, false);
        assertThat(runtime.pauseState(id)).isEqualTo(PauseState.STOPPED);

        RuntimeSandbox resumed = runtime.resume(id);
        assertThat(runtime.pauseState(id)).isEqualTo(PauseState.RUNNING);
        assertThat(resumed.initPid()).isPositive().isNotEqualTo(sb.initPid());
        assertThat(resumed.netnsPath()).isEqualTo(sb.netnsPath());
        assertThat(resumed.ipv4()).isEqualTo(sb.ipv4());
        assertThat(resumed.ipv6()).isEqualTo(sb.ipv6());
        assertThat(dead(sleeperHostPid)).isTrue();
        assertThat(out(id, "user", "cat ~/notes.txt")).isEqualTo("kept across the pause");
        assertThat(out(id, "root", "ps -e -o args= | grep -c '^sleep 1001$' || true")).isEqualTo("0");
        assertThat(out(id, "root", "hostname; ip -4 -o addr show scope global | awk '{print $4}'"))
                .isEqualTo(id + "\n" + sb.ipv4() + "/30");
        // new processes start, the spawner too
        awaitSpawner(id);
        SandboxProcess echo = spawn(id, "echo fresh");
        assertThat(echo.getClass().getSimpleName()).isEqualTo("SpawnerProcess");
        assertThat(new String(echo.stdout().readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("fresh\n");
        assertThat(awaitExit(echo).exitCode()).isZero();

        // a frozen sandbox can be stopped (frees its memory) and comes back stopped-fresh
        runtime.pause(id, true);
        runtime.pause(id, false);
        assertThat(runtime.pauseState(id)).isEqualTo(PauseState.STOPPED);
        assertThat(cgroupDirs(id)).isEmpty();
        assertThat(runtime.resume(id).initPid()).isPositive();
        assertThat(out(id, "user", "cat ~/notes.txt")).isEqualTo("kept across the pause");
        runtime.destroy(id);
    }

    @Test
    void destroyWhilePausedLeavesNothing() throws Exception {
        RuntimeSandbox frozen = create("dfz");
        awaitSpawner(frozen.id());
        SandboxProcess loop = spawn(frozen.id(), COUNTER);
        awaitCounter(frozen, 1);
        RuntimeSandbox stopped = create("dst");
        out(stopped.id(), "root", "echo x > /root/x");
        runtime.pause(frozen.id(), true);
        runtime.pause(stopped.id(), false);
        SandboxJournal frozenJournal = journal(frozen.id());
        SandboxJournal stoppedJournal = journal(stopped.id());

        long t0 = System.nanoTime();
        runtime.destroy(frozen.id());
        long t1 = System.nanoTime();
        runtime.destroy(stopped.id());
        long t2 = System.nanoTime();
        System.out.printf("destroy: frozen %.1f ms, stopped %.1f ms%n", (t1 - t0) / 1e6, (t2 - t1) / 1e6);

        assertThat(runtime.pauseState(frozen.id())).isNull();
        assertThat(runtime.list()).doesNotContain(frozen.id(), stopped.id());
        assertThat(awaitExit(loop).signal()).isEqualTo(9);
        awaitDead(loop.hostPid());
        awaitDead(frozen.initPid());
        assertNothingLeft(config, frozen.id(), frozenJournal);
        assertNothingLeft(config, stopped.id(), stoppedJournal);
        runtime.destroy(frozen.id()); // idempotent
    }

    @Test
    void restartKeepsFrozenSandboxesFrozenAndStoppedOnesResumable() throws Exception {
        RuntimeSandbox frozen = create("rfz");
        awaitSpawner(frozen.id());
        spawn(frozen.id(), COUNTER);
        awaitCounter(frozen, 3);
        RuntimeSandbox stopped = create("rst");
        out(stopped.id(), "user", "echo stopped but kept > ~/file");
        RuntimeSandbox dropFrozen = create("xfz");
        RuntimeSandbox dropStopped = create("xst");
        runtime.pause(frozen.id(), true);
        runtime.pause(stopped.id(), false);
        runtime.pause(dropFrozen.id(), true);
        runtime.pause(dropStopped.id(), false);
        int atPause = counter(frozen);
        SandboxJournal dropFrozenJournal = journal(dropFrozen.id());
        SandboxJournal dropStoppedJournal = journal(dropStopped.id());
        runtime.close(); // the node goes away; its sandboxes stay as they are

        runtime = new OciRuntime(config);
        Set<String> adopted = runtime.recover(Set.of(frozen.id(), stopped.id()));
        assertThat(adopted).containsExactlyInAnyOrder(frozen.id(), stopped.id());
        assertThat(runtime.pauseState(frozen.id())).isEqualTo(PauseState.FROZEN);
        assertThat(runtime.pauseState(stopped.id())).isEqualTo(PauseState.STOPPED);
        assertThat(runtime.get(frozen.id())).isEqualTo(frozen);
        assertThat(runtime.get(stopped.id()).initPid()).isZero();
        // paused sandboxes not kept are swept like any other
        assertNothingLeft(config, dropFrozen.id(), dropFrozenJournal);
        assertNothingLeft(config, dropStopped.id(), dropStoppedJournal);

        Thread.sleep(300);
        assertThat(counter(frozen)).as("still frozen after the restart").isEqualTo(atPause);
        assertPaused(() -> runtime.exec(frozen.id(), "root", List.of("true"), T));
        runtime.resume(frozen.id());
        assertThat(awaitCounter(frozen, atPause)).isLessThanOrEqualTo(atPause + 3);

        RuntimeSandbox back = runtime.resume(stopped.id());
        assertThat(back.ipv4()).isEqualTo(stopped.ipv4());
        assertThat(out(stopped.id(), "user", "cat ~/file")).isEqualTo("stopped but kept");

        SandboxJournal frozenJournal = journal(frozen.id());
        SandboxJournal stoppedJournal = journal(stopped.id());
        runtime.destroy(frozen.id());
        runtime.destroy(stopped.id());
        assertNothingLeft(config, frozen.id(), frozenJournal);
        assertNothingLeft(config, stopped.id(), stoppedJournal);
    }

    @Test
    void aFrozenSandboxWhoseHostRestartedComesBackStoppedWithItsFiles() throws Exception {
        RuntimeSandbox sb = create("hrs");
        String id = sb.id();
        out(id, "root", "echo survives > /root/state");
        runtime.pause(id, true);
        SandboxJournal j = journal(id);
        runtime.close();
        // what a host restart takes: every process and cgroup, the mount, the network namespace and veth (the OCI
        // runtime's state in the data directory stays, stale)
        assertThat(CgroupLayout.detect().killAndRemove(j.cgroupsPath(), 5000)).isEmpty();
        awaitDead(sb.initPid());
        run("umount", j.rootfs());
        run("umount", j.diskDir()); // its loop device goes with it (autoclear), as with a host restart
        assertThat(TestSupport.loopBackingFiles()).doesNotContain(j.diskImage());
        run("ip", "netns", "del", j.netns());
        assertThat(run("ip", "netns", "list")).doesNotContain(j.netns());
        if (j.hasUserNamespace()) { // and its user namespace with the template seen through it; /run is a tmpfs
            run("umount", j.lowerDir().toString());
            run("umount", j.userns().toString());
            FileTrees.deleteRecursively(Path.of(j.rootfs()).getParent());
        }

        runtime = new OciRuntime(config);
        assertThat(runtime.recover(Set.of(id))).containsExactly(id);
        assertThat(runtime.pauseState(id)).isEqualTo(PauseState.STOPPED);
        assertThat(run("ip", "netns", "list")).contains(j.netns());
        RuntimeSandbox back = runtime.resume(id);
        assertThat(back.ipv4()).isEqualTo(sb.ipv4());
        assertThat(out(id, "root", "cat /root/state; ip -4 -o addr show scope global | awk '{print $4}'"))
                .isEqualTo("survives\n" + sb.ipv4() + "/30");
        assertThat(TestSupport.loopBackingFiles()).as("its disk attached again").contains(j.diskImage());
        assertThat(out(id, "root", "echo more > /root/more && cat /root/more")).isEqualTo("more");
        runtime.destroy(id);
        assertNothingLeft(config, id, j);
    }

    @Test
    void processStartsRacingPausesNeverHang() throws Exception {
        RuntimeSandbox sb = create("race");
        String id = sb.id();
        awaitSpawner(id);
        AtomicBoolean stop = new AtomicBoolean();
        AtomicInteger started = new AtomicInteger();
        AtomicInteger refused = new AtomicInteger();
        List<Throwable> unexpected = java.util.Collections.synchronizedList(new ArrayList<>());
        List<Thread> starters = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            boolean viaExec = t == 0;
            // platform threads: a virtual thread that keeps getting an instant 409 never yields its carrier
            starters.add(Thread.ofPlatform().daemon().start(() -> {
                while (!stop.get()) {
                    try {
                        if (viaExec) {
                            ExecResult r = runtime.exec(id, "root", List.of("echo", "x"), T);
                            // a stop may end it (137: killed) or the container under the runtime's exec (255)
                            if (r.exitCode() != 0 && r.exitCode() != 137 && r.exitCode() != 255)
                                unexpected.add(new AssertionError("exec: " + r));
                            if (r.exitCode() == 0) started.incrementAndGet();
                            continue;
                        }
                        SandboxProcess p = spawn(id, "echo x");
                        p.stdout().readAllBytes();
                        SandboxProcess.Exit exit = awaitExit(p);
                        // a stop may end it (signal 9 from the spawner, 137 from a runtime exec); else a clean exit
                        if (!(exit.exitCode() == 0 || exit.signal() == 9 || exit.exitCode() == 137))
                            unexpected.add(new AssertionError("exit " + exit));
                        started.incrementAndGet();
                    } catch (CoveException e) {
                        if (e.code().equals("sandbox_paused")) refused.incrementAndGet();
                        else unexpected.add(e);
                        try {
                            Thread.sleep(1); // as a client would between attempts
                        } catch (InterruptedException ie) {
                            return;
                        }
                    } catch (Exception e) {
                        unexpected.add(e);
                    }
                }
            }));
        }
        for (int i = 0; i < 6; i++) {
            Thread.sleep(100);
            runtime.pause(id, i % 3 != 2);
            Thread.sleep(50);
            runtime.resume(id);
        }
        stop.set(true);
        for (Thread t : starters) assertThat(t.join(Duration.ofSeconds(30))).as("starter finished").isTrue();
        System.out.printf("race: %d processes started, %d refused while paused%n", started.get(), refused.get());
        assertThat(unexpected).isEmpty();
        assertThat(started.get()).isPositive();
        assertThat(out(id, "root", "echo ok")).isEqualTo("ok");
        runtime.destroy(id);
    }
}
