package dev.cove.runtime;

import dev.cove.core.CoveException;
import dev.cove.core.runtime.ProcessSpec;
import dev.cove.core.runtime.RuntimeSandbox;
import dev.cove.core.runtime.SandboxProcess;
import dev.cove.runtime.journal.SandboxJournal;
import dev.cove.runtime.oci.OciSpec;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The per-sandbox process spawner: what it starts has every isolation property of a runtime exec (cgroup,
 * namespaces, seccomp, capabilities, no_new_privs, user and groups), nothing in the sandbox can reach it, and its
 * death makes processes start through exec again.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@org.junit.jupiter.api.TestMethodOrder(org.junit.jupiter.api.MethodOrderer.OrderAnnotation.class)
class SpawnerTest {
    private static final Duration T = Duration.ofSeconds(30);
    private Path dataDir;
    private OciRuntime runtime;
    private String id;
    private RuntimeSandbox sandbox;

    @BeforeAll
    void start() throws Exception {
        assumeTrue(TestSupport.isRoot(), "the runtime tests need root (runc, network namespaces, mounts)");
        dataDir = Files.createTempDirectory("cove-spawner-test");
        runtime = new OciRuntime(TestSupport.config(dataDir).withPool("10.209.0.0/16", "fd63:6f7f::/32"));
        runtime.ensureTemplate("base", line -> { });
        id = TestSupport.newId("spawn");
        TestSupport.CREATED.add(id);
        sandbox = runtime.create(TestSupport.spec(id));
        awaitSpawner();
    }

    @AfterAll
    void stop() throws IOException {
        if (runtime == null) return;
        runtime.recover(Set.of());
        runtime.close();
        dev.cove.runtime.fs.FileTrees.deleteRecursively(dataDir);
    }

    @org.junit.jupiter.api.BeforeEach
    void awaitSpawner() throws Exception {
        // the spawner starts with the sandbox's first process (which itself goes through exec)
        if (!runtime.node.spawners.ready(id)) assertThat(run("root", "true").exit().exitCode()).isZero();
        long deadline = System.nanoTime() + 15_000_000_000L;
        while (!runtime.node.spawners.ready(id) && System.nanoTime() < deadline) Thread.sleep(10);
        assertThat(runtime.node.spawners.ready(id)).as("spawner up").isTrue();
    }

    record Run(SandboxProcess process, String out, String err, SandboxProcess.Exit exit) {}

    private Run run(String user, String script) throws Exception {
        return run(user, script, null);
    }

    private Run run(String user, String script, byte[] stdin) throws Exception {
        SandboxProcess p = runtime.spawn(id, new ProcessSpec(user, List.of("/bin/bash", "-c", script), Map.of("X", "y"),
                null, null, stdin != null));
        CompletableFuture<String> out = drain(p.stdout());
        CompletableFuture<String> err = drain(p.stderr());
        if (stdin != null) {
            p.write(stdin);
            p.closeStdin();
        }
        SandboxProcess.Exit exit = p.waitFor();
        return new Run(p, out.get(), err.get(), exit);
    }

    private static CompletableFuture<String> drain(InputStream in) {
        return CompletableFuture.supplyAsync(() -> {
            try (in) {
                ByteArrayOutputStream b = new ByteArrayOutputStream();
                in.transferTo(b);
                return b.toString(StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new RuntimeException(e);
            }
        });
    }

    /** The security-relevant lines of /proc/self/status. */
    private static List<String> securityLines(String status) {
        List<String> keep = new ArrayList<>();
        for (String line : status.split("\n"))
            if (line.matches("^(Uid|Gid|Groups|NoNewPrivs|Seccomp|Seccomp_filters|CapInh|CapPrm|CapEff|CapBnd|CapAmb):.*"))
                keep.add(line.replaceAll("\\s+", " ").strip());
        return keep;
    }

    private static String fromSpawner(SandboxProcess p) throws IOException {
        return Files.readString(Path.of("/proc", Long.toString(p.hostPid()), "status"));
    }

    @Test
    void fastProcessesHaveTheIsolationOfExec() throws Exception {
        for (String user : List.of("root", "user")) {
            Run fast = run(user, "cat /proc/self/status; sleep 0.2");
            assertThat(fast.process().getClass().getSimpleName()).isEqualTo("SpawnerProcess");
            String viaExec = runtime.exec(id, user, List.of("cat", "/proc/self/status"), T).stdout();
            List<String> f = securityLines(fast.out());
            assertThat(f).as(user).isEqualTo(securityLines(viaExec));
            assertThat(f).contains("Seccomp: 2", "NoNewPrivs: 1");
            if (user.equals("user")) assertThat(f).contains("Uid: 1000 1000 1000 1000", "Groups: 27");
        }
    }

    @Test
    void fastProcessesShareTheSandboxCgroupAndNamespaces() throws Exception {
        SandboxProcess p = runtime.spawn(id, new ProcessSpec("user", List.of("sleep", "5"), Map.of(), null, null, false));
        try {
            assertThat(p.getClass().getSimpleName()).isEqualTo("SpawnerProcess");
            Path mine = Path.of("/proc", Long.toString(p.hostPid()));
            Path init = Path.of("/proc", Long.toString(sandbox.initPid()));
            assertThat(Files.readString(mine.resolve("cgroup"))).isEqualTo(Files.readString(init.resolve("cgroup")));
            for (String ns : List.of("pid", "mnt", "net", "uts", "ipc", "cgroup", "user", "time"))
                assertThat(Files.readSymbolicLink(mine.resolve("ns/" + ns))).as(ns)
                        .isEqualTo(Files.readSymbolicLink(init.resolve("ns/" + ns)));
            // the pid reported is the one inside the sandbox
            String nspid = Files.readAllLines(mine.resolve("status")).stream().filter(l -> l.startsWith("NSpid:"))
                    .findFirst().orElseThrow();
            assertThat(nspid).endsWith("\t" + p.pid());
            assertThat(p.pid()).isNotEqualTo((int) p.hostPid());
            // on the host, the sandbox's user is its range's id 1000, not host uid 1000
            long uid = SandboxJournal.read(dataDir.resolve("sandboxes").resolve(id)).uidBase()
                    + 1000;
            assertThat(uid).isGreaterThanOrEqualTo(0x80000L + 1000);
            assertThat(fromSpawner(p)).contains("Uid:\t" + uid + "\t" + uid + "\t" + uid + "\t" + uid);
        } finally {
            p.signal(9);
            assertThat(p.waitFor()).isEqualTo(new SandboxProcess.Exit(-1, 9));
        }
    }

    @Test
    void exitCodesSignalsStdinEnvAndCwd() throws Exception {
        assertThat(run("root", "exit 7").exit()).isEqualTo(new SandboxProcess.Exit(7, 0));
        assertThat(run("root", "kill -TERM $$").exit()).isEqualTo(new SandboxProcess.Exit(-1, 15));
        Run io = run("user", "cat; echo err >&2; echo $X $HOME $USER; pwd; ls -l /proc/self/fd/1 >/dev/null && "
                + "echo to-dev-stdout > /dev/stdout", "hello\n".getBytes(StandardCharsets.UTF_8));
        assertThat(io.out()).isEqualTo("hello\ny /home/user user\n/home/user\nto-dev-stdout\n");
        assertThat(io.err()).isEqualTo("err\n");
        SandboxProcess cwd = runtime.spawn(id, new ProcessSpec("root", List.of("pwd"), Map.of(), "/tmp", null, false));
        assertThat(drain(cwd.stdout()).get()).isEqualTo("/tmp\n");
        assertThatThrownBy(() -> runtime.spawn(id, new ProcessSpec("root", List.of("no-such-program"), Map.of(), null,
                null, false))).isInstanceOfSatisfying(CoveException.class,
                e -> assertThat(e.getMessage()).contains("executable file not found"));
    }

    @Test
    void nothingInTheSandboxReachesTheSpawner() throws Exception {
        Run r = run("user", "find / -xdev -type s 2>/dev/null; ls /run; "
                + "for p in /proc/[0-9]*; do grep -qx spawner $p/comm 2>/dev/null && ls $p/fd >/dev/null 2>&1 "
                + "&& echo fds-readable; done; echo done");
        assertThat(r.out()).doesNotContain("cove-spawner").doesNotContain("fds-readable").endsWith("done\n");
        assertThat(r.out()).doesNotContain("/s\n");
    }

    /** The sandbox's pid of its spawner (its comm is the binary's name, "spawner"). */
    private String spawnerPid() throws Exception {
        String pids = run("root", "for p in /proc/[0-9]*; do grep -qx spawner $p/comm 2>/dev/null && echo ${p#/proc/};"
                + " done").out().strip();
        assertThat(pids).as("one spawner in the sandbox").matches("\\d+");
        return pids;
    }

    /**
     * The sealed agent (issue 18): the sandbox's root, which could ptrace, read the memory of and take the host
     * connection from a spawner running as a sandbox process, can do none of it. The spawner is non-dumpable and
     * root holds no CAP_SYS_PTRACE (with the prctl removed from cove-spawner.c, ptrace and /proc/pid/mem succeed).
     */
    @Test
    void theSandboxesRootCannotTraceReadOrRobTheSpawner() throws Exception {
        String pid = spawnerPid();
        String probe = """
                import ctypes, errno, os, sys
                pid = int(sys.argv[1])
                libc = ctypes.CDLL(None, use_errno=True)
                libc.syscall.restype = ctypes.c_long
                def res(ok, what):
                    print(what, "ok" if ok else errno.errorcode[ctypes.get_errno()])
                res(libc.ptrace(16, pid, 0, 0) == 0, "ptrace_attach")        # PTRACE_ATTACH
                res(libc.ptrace(0x4206, pid, 0, 0) == 0, "ptrace_seize")     # PTRACE_SEIZE
                for f in ("mem", "environ", "maps", "fd"):
                    try:
                        if f == "fd": os.listdir(f"/proc/{pid}/fd")
                        else: open(f"/proc/{pid}/{f}", "rb").read(1)
                        print(f, "ok")
                    except OSError as e:
                        print(f, errno.errorcode[e.errno])
                pidfd = libc.syscall(434, pid, 0)
                res(pidfd >= 0, "pidfd_open")
                res(libc.syscall(438, pidfd, 3, 0) >= 0, "pidfd_getfd")
                iov = (ctypes.c_char * 16)()
                local = (ctypes.c_void_p * 2)(ctypes.addressof(iov), 16)
                remote = (ctypes.c_void_p * 2)(0x400000, 16)
                res(libc.syscall(310, pid, local, 1, remote, 1, 0) >= 0, "process_vm_readv")
                """;
        Map<String, String> results = new java.util.HashMap<>();
        run("root", "python3 -c '" + probe.replace("'", "'\\''") + "' " + pid).out().lines()
                .forEach(l -> results.put(l.substring(0, l.indexOf(' ')), l.substring(l.indexOf(' ') + 1)));
        assertThat(results).containsEntry("ptrace_attach", "EPERM").containsEntry("ptrace_seize", "EPERM")
                .containsEntry("mem", "EACCES").containsEntry("environ", "EACCES").containsEntry("fd", "EACCES")
                .containsEntry("pidfd_open", "ok").containsEntry("pidfd_getfd", "EPERM")
                .containsEntry("process_vm_readv", "EPERM");
        assertThat(results.get("maps")).isIn("EACCES", "EPERM");
    }

    /**
     * PATH planting: the spawner is started from the host's read-only binary by its absolute path, never found
     * through the sandbox's PATH or loaded from the sandbox's files, and that binary cannot be replaced from inside.
     */
    @Test
    void aPlantedProgramNeverRunsAsTheSpawner() throws Exception {
        String plant = "printf '#!/bin/sh\\ntouch /tmp/planted-ran\\nexec /usr/bin/python3 \"$@\"\\n' > /tmp/fake"
                + " && chmod 755 /tmp/fake && for d in /usr/local/sbin /usr/local/bin /usr/sbin; do"
                + " cp /tmp/fake $d/python3; cp /tmp/fake $d/spawner; cp /tmp/fake $d/cove-spawner; done; echo planted";
        try {
            assertThat(run("root", plant).out()).isEqualTo("planted\n");
            // the mounted binary can be neither written, nor replaced, nor removed from inside
            Run tamper = run("root", "p=" + OciSpec.SPAWNER_PATH + "; for c in 'echo x >> $p' 'mv /tmp/fake $p'"
                    + " 'rm -f $p'; do (eval \"$c\") 2>&1 | grep -oE 'busy|Read-only|denied' | head -1; done");
            assertThat(tamper.out().lines().toList()).hasSize(3);
            // the spawner goes, and the host starts it again: its own binary, not one of the planted programs
            run("root", "sleep 0.3; kill -9 $PPID");
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (runtime.node.spawners.ready(id) && System.nanoTime() < deadline) Thread.sleep(5);
            awaitSpawner();
            SandboxProcess p = runtime.spawn(id, new ProcessSpec("user", List.of("sleep", "5"), Map.of(), null, null,
                    false));
            try {
                assertThat(p.getClass().getSimpleName()).isEqualTo("SpawnerProcess");
                String spawnerPid = Files.readAllLines(Path.of("/proc", Long.toString(p.hostPid()), "status")).stream()
                        .filter(l -> l.startsWith("PPid:")).findFirst().orElseThrow().substring(5).strip();
                assertThat(Files.isSameFile(Path.of("/proc", spawnerPid, "exe"), TestSupport.spawnerBinary(dataDir)))
                        .as("the spawner runs the host's binary").isTrue();
            } finally {
                p.signal(9);
                p.waitFor();
            }
            assertThat(run("root", "ls /tmp/planted-ran 2>&1").out()).contains("No such file");
        } finally {
            run("root", "for d in /usr/local/sbin /usr/local/bin /usr/sbin; do rm -f $d/python3 $d/spawner"
                    + " $d/cove-spawner; done");
        }
    }

    @Test
    @org.junit.jupiter.api.Order(Integer.MAX_VALUE)
    void theSpawnersDeathFallsBackToExec() throws Exception {
        // the sandbox's root kills it (its parent is the spawner)
        run("root", "sleep 0.3; kill -9 $PPID"); // after the spawner has answered this very start
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (runtime.node.spawners.ready(id) && System.nanoTime() < deadline) Thread.sleep(5);
        assertThat(runtime.node.spawners.ready(id)).isFalse();
        Run fallback = run("root", "echo still-works");
        assertThat(fallback.process().getClass().getSimpleName()).isEqualTo("RuncProcess");
        assertThat(fallback.out()).isEqualTo("still-works\n");
        assertThat(fallback.exit()).isEqualTo(new SandboxProcess.Exit(0, 0));
        // and it comes back in the background
        awaitSpawner();
        assertThat(run("root", "echo fast-again").process().getClass().getSimpleName()).isEqualTo("SpawnerProcess");
    }
}
