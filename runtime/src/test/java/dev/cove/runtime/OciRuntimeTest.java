package dev.cove.runtime;

import dev.cove.core.CoveException;
import dev.cove.core.runtime.ExecResult;
import dev.cove.core.runtime.Progress;
import dev.cove.core.runtime.RuntimeSandbox;
import dev.cove.core.runtime.SandboxSpec;
import dev.cove.runtime.journal.SandboxJournal;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static dev.cove.runtime.TestSupport.assertNothingLeft;
import static dev.cove.runtime.TestSupport.newId;
import static dev.cove.runtime.TestSupport.spec;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OciRuntimeTest {
    private static final Duration T = Duration.ofSeconds(30);

    private Path dataDir;
    private RuntimeConfig config;
    private OciRuntime runtime;
    /** The create step after which creates fail (an injected failure), or null. */
    private volatile String failCreateAfter;

    @BeforeAll
    void start() throws IOException {
        assumeTrue(TestSupport.isRoot(), "the runtime tests need root (runc, network namespaces, mounts)");
        dataDir = Files.createTempDirectory("cove-rt-test");
        config = TestSupport.config(dataDir);
        runtime = new OciRuntime(config, step -> {
            if (step.equals(failCreateAfter)) throw new IOException("injected failure after step '" + step + "'");
        });
        long t0 = System.nanoTime();
        runtime.ensureTemplate("base", line -> System.out.println("template: " + line));
        System.out.printf("template base ready after %.1f s (cache %s)%n", (System.nanoTime() - t0) / 1e9,
                config.templateDir());
    }

    @AfterEach
    void destroyAll() {
        if (runtime == null) return;
        failCreateAfter = null;
        for (String id : runtime.list()) runtime.destroy(id);
        runtime.recover(Set.of()); // sweeps anything half-made a failed test left on disk
    }

    @AfterAll
    void stop() throws IOException {
        if (runtime == null) return;
        runtime.recover(Set.of());
        runtime.close();
        TestSupport.assertNoCreatedNetnsLeft();
        assertThat(Files.readString(Path.of("/proc/mounts"))).doesNotContain(dataDir.toString());
        dev.cove.runtime.fs.FileTrees.deleteRecursively(dataDir);
    }

    private ExecResult sh(String id, String user, String script) {
        return runtime.exec(id, user, List.of("bash", "-c", script), T);
    }

    private String out(String id, String user, String script) {
        ExecResult r = sh(id, user, script);
        assertThat(r.exitCode()).as("exit of %s (stderr: %s)", script, r.stderr()).isZero();
        return r.stdout().strip();
    }

    @Test
    void sandboxHasItsOwnHostnameHostsAndUsers() {
        String id = newId("ident");
        RuntimeSandbox sb = runtime.create(spec(id, 1, 256, 256, Map.of("GREETING", "hello from cove")));
        assertThat(sb.id()).isEqualTo(id);
        assertThat(sb.netnsPath()).isEqualTo("/run/netns/covetest-" + id);
        assertThat(sb.ipv4()).startsWith("10.201.");
        assertThat(sb.hostIpv4()).startsWith("10.201.");
        assertThat(sb.ipv6()).startsWith("fd63:6f77:").endsWith("::2");
        assertThat(runtime.get(id)).isEqualTo(sb);
        assertThat(runtime.list()).contains(id);

        assertThat(out(id, "root", "hostname")).isEqualTo(id);
        assertThat(out(id, "root", "cat /etc/hostname")).isEqualTo(id);
        String hosts = out(id, "user", "cat /etc/hosts");
        assertThat(hosts).contains("127.0.0.1\tlocalhost").contains("::1\tlocalhost").contains(id);
        // the node's resolver on the host side of the veth (tests point its upstream at a closed loopback port)
        assertThat(out(id, "root", "cat /etc/resolv.conf")).contains("nameserver " + sb.hostIpv4());
        assertThat(sh(id, "root", "timeout 3 getent hosts example.invalid").exitCode()).isEqualTo(2);
        assertThat(out(id, "user", "id -un")).isEqualTo("user");
        assertThat(out(id, "user", "id -u; id -Gn")).isEqualTo("1000\nuser sudo");
        assertThat(out(id, "root", "id -un")).isEqualTo("root");
        assertThat(out(id, "user", "pwd; echo $HOME; echo $USER")).isEqualTo("/home/user\n/home/user\nuser");
        assertThat(out(id, "root", "pwd; echo $HOME")).isEqualTo("/root\n/root");
        assertThat(out(id, "user", "echo $GREETING; echo $PATH")).startsWith("hello from cove\n/usr/local/sbin:");
        assertThat(out(id, "user", "python3 -c 'print(6*7)'")).isEqualTo("42");

        ExecResult failing = sh(id, "user", "echo to-stderr >&2; exit 3");
        assertThat(failing.exitCode()).isEqualTo(3);
        assertThat(failing.stderr()).isEqualTo("to-stderr\n");
        assertThatThrownBy(() -> runtime.exec(id, "nobody", List.of("true"), T))
                .isInstanceOfSatisfying(CoveException.class, e -> assertThat(e.status()).isEqualTo(400));
        assertThatThrownBy(() -> runtime.exec("nosuchsandbox", "root", List.of("true"), T))
                .isInstanceOfSatisfying(CoveException.class, e -> assertThat(e.code()).isEqualTo("sandbox_not_found"));
    }

    @Test
    void sandboxHasItsOwnNamespacesAndInit() throws IOException {
        String id = newId("ns");
        RuntimeSandbox sb = runtime.create(spec(id));
        for (String ns : List.of("pid", "net", "uts", "ipc", "mnt", "cgroup")) {
            String host = Files.readSymbolicLink(Path.of("/proc/self/ns", ns)).toString();
            String inside = out(id, "root", "readlink /proc/self/ns/" + ns);
            assertThat(inside).as(ns + " namespace").startsWith(ns + ":[").isNotEqualTo(host);
            // the init and the exec'd process share the sandbox's namespaces
            assertThat(Files.readSymbolicLink(Path.of("/proc/" + sb.initPid() + "/ns/" + ns)).toString()).isEqualTo(inside);
        }
        // the container joined the namespace the runtime made first (/run/netns/covetest-<id>)
        String initNet = Files.readSymbolicLink(Path.of("/proc/" + sb.initPid() + "/ns/net")).toString();
        assertThat(initNet).isEqualTo("net:[" + Files.getAttribute(Path.of(sb.netnsPath()), "unix:ino") + "]");
        assertThat(out(id, "root", "tr '\\0' ' ' < /proc/1/cmdline")).contains("bash").contains("sleep 3600");
        assertThat(out(id, "root", "echo $$")).isNotEqualTo("1");
        assertThat(out(id, "root", "ls /sys/class/net | sort | tr '\\n' ' '").strip())
                .matches("covetest\\d+s lo");
        List<String> procs = out(id, "root", "ps -e -o pid=,comm=").lines().map(String::strip).toList();
        assertThat(procs.getFirst()).isEqualTo("1 bash");
        assertThat(procs).hasSizeLessThanOrEqualTo(4); // init, its sleep, this bash, ps: no host process is visible
    }

    @Test
    void initReapsOrphans() throws InterruptedException {
        String id = newId("reap");
        runtime.create(spec(id));
        // bash exits at once; its background child is orphaned and re-parented to the sandbox init
        String pid = out(id, "root", "sleep 1 >/dev/null 2>&1 & echo $!");
        assertThat(out(id, "root", "ps -o ppid= -p " + pid)).isEqualTo("1");
        Thread.sleep(1500);
        assertThat(out(id, "root", "ps -e -o stat=,pid=,comm=")).doesNotContain("Z");
        assertThat(sh(id, "root", "kill -0 " + pid).exitCode()).isNotZero();
    }

    @Test
    void templateLowerLayerStaysUnchanged() throws Exception {
        String id = newId("ovl");
        RuntimeSandbox sb = runtime.create(spec(id));
        Path lower = runtime.node.templates.ensure("base", Progress.NONE);
        String bashrcBefore = sha256(lower.resolve("etc/bash.bashrc"));
        out(id, "root", "echo probe > /etc/cove-probe && echo '# changed' >> /etc/bash.bashrc && rm /etc/issue"
                + " && echo mine > /home/user/file && chown user /home/user/file");
        assertThat(out(id, "user", "cat /etc/cove-probe; test -e /etc/issue || echo gone; cat ~/file"))
                .isEqualTo("probe\ngone\nmine");
        assertThat(lower.resolve("etc/cove-probe")).doesNotExist();
        assertThat(lower.resolve("etc/issue")).exists();
        assertThat(lower.resolve("home/user/file")).doesNotExist();
        assertThat(sha256(lower.resolve("etc/bash.bashrc"))).isEqualTo(bashrcBefore);
        assertThat(Path.of(sb.rootfs(), "etc/cove-probe")).hasContent("probe");
        // the upper layer is on the sandbox's disk, wherever that is (its own directory, or a pool entry)
        String upper = SandboxJournal.read(dataDir.resolve("sandboxes").resolve(id)).upperDir();
        assertThat(Path.of(upper, "etc/cove-probe")).exists();
    }

    @Test
    void memoryLimitKillsAHog() {
        String id = newId("mem");
        runtime.create(spec(id, 1, 64, 256, Map.of()));
        ExecResult r = sh(id, "root", "python3 -c \"b = b'x' * (192 << 20); print('survived')\"");
        assertThat(r.exitCode()).as("stderr: " + r.stderr()).isEqualTo(137);
        assertThat(r.stdout()).doesNotContain("survived");
        assertThat(out(id, "root", "echo still-alive")).isEqualTo("still-alive");
    }

    @Test
    void pidsLimitContainsAForkLoop() {
        String id = newId("pids");
        runtime.create(spec(id, 1, 256, 32, Map.of()));
        String script = """
                import os, signal
                kids = []
                try:
                    while len(kids) < 500:
                        pid = os.fork()
                        if pid == 0:
                            signal.pause()
                            os._exit(0)
                        kids.append(pid)
                    print('forked', len(kids))
                except OSError as e:
                    print('fork failed after', len(kids), e.errno)
                for k in kids:
                    os.kill(k, signal.SIGKILL)
                    os.waitpid(k, 0)
                """;
        String result = out(id, "root", "python3 -c \"$0\"".replace("$0", script.replace("\"", "\\\"")));
        assertThat(result).startsWith("fork failed after ");
        int forked = Integer.parseInt(result.split(" ")[3]);
        assertThat(forked).isBetween(20, 31);
        assertThat(out(id, "root", "echo ok")).isEqualTo("ok");
        assertThat(TestSupport.run("true")).isEmpty(); // the host still forks
    }

    @Test
    void cpuQuotaAndLimitsAreVisible() throws IOException {
        String id = newId("cpu");
        runtime.create(spec(id, 1, 128, 64, Map.of()));
        String quota = out(id, "root",
                "if [ -f /sys/fs/cgroup/cpu.max ]; then cat /sys/fs/cgroup/cpu.max; else cat /sys/fs/cgroup/cpu/cpu.cfs_quota_us /sys/fs/cgroup/cpu/cpu.cfs_period_us | tr '\\n' ' '; fi");
        assertThat(quota.strip()).isEqualTo("100000 100000");
        // the same limits seen from the host, at the predictable cgroup path
        Path v1cpu = Path.of("/sys/fs/cgroup/cpu/covetest", id);
        Path v2 = Path.of("/sys/fs/cgroup/covetest", id);
        if (Files.isDirectory(v1cpu)) {
            assertThat(Files.readString(v1cpu.resolve("cpu.cfs_quota_us")).strip()).isEqualTo("100000");
            assertThat(Files.readString(Path.of("/sys/fs/cgroup/memory/covetest", id, "memory.limit_in_bytes")).strip())
                    .isEqualTo(String.valueOf(128L << 20));
            assertThat(Files.readString(Path.of("/sys/fs/cgroup/pids/covetest", id, "pids.max")).strip()).isEqualTo("64");
        } else {
            assertThat(Files.readString(v2.resolve("cpu.max")).strip()).isEqualTo("100000 100000");
            assertThat(Files.readString(v2.resolve("memory.max")).strip()).isEqualTo(String.valueOf(128L << 20));
            assertThat(Files.readString(v2.resolve("pids.max")).strip()).isEqualTo("64");
        }
    }

    @Test
    void privilegesAreDropped() {
        String id = newId("priv");
        runtime.create(spec(id));
        // root: CHOWN, DAC_OVERRIDE, FOWNER, FSETID, KILL, SETGID, SETUID, NET_BIND_SERVICE, SYS_CHROOT; user: nothing
        assertThat(out(id, "root", "grep CapEff /proc/self/status")).endsWith("00000000000404fb");
        assertThat(out(id, "user", "grep CapEff /proc/self/status")).endsWith("0000000000000000");
        assertThat(out(id, "root", "grep NoNewPrivs /proc/self/status")).endsWith("1");
        assertThat(out(id, "root", "grep Seccomp: /proc/self/status")).endsWith("2");
        assertThat(sh(id, "root", "ip link add cove0 type dummy").exitCode()).as("no NET_ADMIN").isNotZero();
        assertThat(sh(id, "root", "mount -t tmpfs none /mnt").exitCode()).as("no SYS_ADMIN").isNotZero();
        assertThat(sh(id, "root", "unshare -U true").exitCode()).as("no user namespaces").isNotZero();
        assertThat(sh(id, "root", "python3 -c 'import os; os.unshare(os.CLONE_NEWUSER)'").exitCode()).isNotZero();
        // masked (bind-mounted /dev/null) where the kernel has them
        assertThat(out(id, "root", "for f in /proc/keys /proc/timer_list /proc/sched_debug; do [ -e $f ] && cat $f; done; true"))
                .isEmpty();
        assertThat(sh(id, "root", "echo 1 > /proc/sys/kernel/panic").exitCode()).as("read-only /proc/sys").isNotZero();
        assertThat(sh(id, "user", "sudo -n true").exitCode()).as("no_new_privs blocks sudo").isNotZero();
    }

    @Test
    void networkIsIsolatedAndReachableFromTheHost() throws Exception {
        String id = newId("net");
        RuntimeSandbox sb = runtime.create(spec(id));
        // another address of the pool: refused at once by the host's firewall (it never leaves the host)
        ExecResult unreachable = sh(id, "root", "python3 -c \"import socket; socket.create_connection(('10.201.255.254', 80), timeout=5)\"");
        assertThat(unreachable.exitCode()).isNotZero();
        assertThat(unreachable.stderr()).contains("Connection refused");
        out(id, "user", "cd /tmp && (python3 -m http.server 8000 --bind :: >/dev/null 2>&1 &)");
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        for (String host : List.of(sb.ipv4(), "[" + sb.ipv6() + "]")) {
            HttpResponse<String> resp = null;
            for (int i = 0; i < 100 && resp == null; i++) {
                try {
                    resp = http.send(HttpRequest.newBuilder(URI.create("http://" + host + ":8000/")).timeout(Duration.ofSeconds(2)).build(),
                            HttpResponse.BodyHandlers.ofString());
                } catch (IOException e) {
                    Thread.sleep(50);
                }
            }
            assertThat(resp).as("HTTP from the host to " + host).isNotNull();
            assertThat(resp.statusCode()).isEqualTo(200);
        }
    }

    @Test
    void execTimeoutKillsTheProcess() {
        String id = newId("tmo");
        runtime.create(spec(id));
        long t0 = System.nanoTime();
        ExecResult r = runtime.exec(id, "user", List.of("bash", "-c", "sleep 30 & sleep 31; echo never"), Duration.ofMillis(500));
        assertThat((System.nanoTime() - t0) / 1_000_000).isLessThan(5000);
        assertThat(r.exitCode()).isEqualTo(124);
        assertThat(r.stdout()).doesNotContain("never");
        assertThat(r.stderr()).contains("timed out");
        assertThat(out(id, "root", "ps -e -o comm= | grep -c '^sleep' || true")).isEqualTo("1"); // only the init's
    }

    @Test
    void destroyLeavesNothingAndIsIdempotent() throws IOException {
        String id = newId("gone");
        runtime.create(spec(id));
        Path canary = Files.createTempFile(dataDir, "canary", ".txt");
        out(id, "root", "echo data > /root/file");
        // traps for the delete: symlinks to host paths, and a tree deeper than PATH_MAX
        out(id, "root", "ln -s " + canary + " /root/canary && ln -s / /root/hostroot && ln -s " + canary.getParent() + " /root/dir");
        out(id, "user", "python3 -c \"import os\nfor _ in range(1500): os.mkdir('deep'); os.chdir('deep')\"");
        SandboxJournal journal = SandboxJournal.read(dataDir.resolve("sandboxes").resolve(id));
        assertThat(journal).isNotNull();
        assertThat(Path.of("/sys/class/net", journal.hostVeth())).exists();
        runtime.destroy(id);
        assertNothingLeft(config, id, journal);
        assertThat(canary).exists();
        assertThat(runtime.get(id)).isNull();
        assertThat(runtime.list()).doesNotContain(id);
        runtime.destroy(id);
        runtime.destroy("neverexisted");
        runtime.destroy("not a valid id");
    }

    @Test
    void failedCreateUndoesEverything() throws IOException {
        for (String step : List.of("journal", "network", "rootfs", "container")) {
            String id = newId("fail" + step.charAt(0));
            failCreateAfter = step;
            assertThatThrownBy(() -> runtime.create(spec(id)))
                    .isInstanceOfSatisfying(CoveException.class, e -> {
                        assertThat(e.status()).isEqualTo(500);
                        assertThat(e.code()).isEqualTo("sandbox_create_failed");
                        assertThat(e.getMessage()).contains(id).contains("injected failure after step '" + step + "'");
                    });
            assertNothingLeft(config, id, null);
            assertThat(runtime.list()).doesNotContain(id);
        }
        failCreateAfter = null;
        String id = newId("after");
        runtime.create(spec(id));
        assertThat(out(id, "root", "echo ok")).isEqualTo("ok");
    }

    @Test
    void unknownTemplateIs404AndDuplicateIdIs409() {
        assertThat(runtime.knowsTemplate("base")).isTrue();
        assertThat(runtime.knowsTemplate("nope")).isFalse();
        assertThatThrownBy(() -> runtime.ensureTemplate("nope", null))
                .isInstanceOfSatisfying(CoveException.class, e -> {
                    assertThat(e.status()).isEqualTo(404);
                    assertThat(e.code()).isEqualTo("template_not_found");
                    assertThat(e.getMessage()).isEqualTo("template 'nope' not found");
                });
        String id = newId("tpl");
        assertThatThrownBy(() -> runtime.create(new SandboxSpec(id, "nope", 1, 128, 64, Map.of())))
                .isInstanceOfSatisfying(CoveException.class, e -> assertThat(e.status()).isEqualTo(404));
        assertThat(dataDir.resolve("sandboxes").resolve(id)).doesNotExist();

        runtime.create(spec(id));
        assertThatThrownBy(() -> runtime.create(spec(id)))
                .isInstanceOfSatisfying(CoveException.class, e -> assertThat(e.status()).isEqualTo(409));
        assertThat(out(id, "root", "echo still-there")).isEqualTo("still-there");
    }

    @Test
    void concurrentCreatesGetDistinctSlots() throws Exception {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 4; i++) ids.add(newId("par" + i));
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<RuntimeSandbox>> futures = new ArrayList<>();
            for (String id : ids) futures.add(pool.submit(() -> runtime.create(spec(id))));
            List<String> ips = new ArrayList<>();
            for (Future<RuntimeSandbox> f : futures) ips.add(f.get().ipv4());
            assertThat(ips).doesNotHaveDuplicates();
            List<Future<String>> hostnames = new ArrayList<>();
            for (String id : ids) hostnames.add(pool.submit(() -> out(id, "root", "hostname")));
            for (int i = 0; i < ids.size(); i++) assertThat(hostnames.get(i).get()).isEqualTo(ids.get(i));
            List<Future<?>> destroys = new ArrayList<>();
            for (String id : ids) destroys.add(pool.submit(() -> runtime.destroy(id)));
            for (Future<?> f : destroys) f.get();
        }
        for (String id : ids) assertNothingLeft(config, id, null);
    }

    private static String sha256(Path file) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
    }
}
