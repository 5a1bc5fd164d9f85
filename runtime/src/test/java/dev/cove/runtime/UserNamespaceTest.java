package dev.cove.runtime;

import dev.cove.core.runtime.ExecResult;
import dev.cove.core.runtime.FileEntry;
import dev.cove.core.runtime.ProcessSpec;
import dev.cove.core.runtime.SandboxProcess;
import dev.cove.runtime.fs.FileTrees;
import dev.cove.runtime.journal.SandboxJournal;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static dev.cove.runtime.TestSupport.assertNothingLeft;
import static dev.cove.runtime.TestSupport.newId;
import static dev.cove.runtime.TestSupport.run;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Sandbox root is not host root (issue 18): each sandbox runs in a user namespace of its own whose ids map to a host
 * range no one else has. Inside, the template's files belong to root and user as before; on the host, what the
 * sandbox writes belongs to its range; per-user kernel limits (inotify instances here) are the sandbox's own, not
 * host root's nor a neighbour's. The file API, pause (both ways) and a restart of the node keep the owners right.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class UserNamespaceTest {
    private static final String PREFIX = "coveuns";
    private static final Duration T = Duration.ofSeconds(60);

    private Path dataDir;
    private RuntimeConfig config;
    private OciRuntime runtime;
    private String a;
    private String b;

    @BeforeAll
    void start() throws IOException {
        assumeTrue(TestSupport.isRoot(), "the runtime tests need root (runc, network namespaces, mounts)");
        dataDir = Files.createTempDirectory("cove-rt-userns");
        config = TestSupport.config(dataDir).withResourcePrefix(PREFIX).withPool("10.235.0.0/16", "fd63:6f35::/32");
        runtime = new OciRuntime(config);
        runtime.ensureTemplate("base", line -> System.out.println("template: " + line));
        a = newId("unsa");
        b = newId("unsb");
        runtime.create(TestSupport.spec(a));
        runtime.create(TestSupport.spec(b));
    }

    @AfterAll
    void stop() throws IOException {
        if (runtime != null) {
            runtime.recover(Set.of());
            runtime.close();
        }
        if (dataDir == null) return;
        TestSupport.removeCgroupParents(PREFIX);
        assertThat(run("ip", "netns", "list")).doesNotContain(PREFIX);
        assertThat(Files.readString(Path.of("/proc/mounts"))).doesNotContain(dataDir.toString());
        assertThat(TestSupport.uidRangeClaims()).noneMatch(owner -> owner.startsWith(PREFIX + " "));
        assertThat(Path.of("/run/cove/roots", PREFIX)).as("a closed node with no sandbox leaves no roots dir").doesNotExist();
        FileTrees.deleteRecursively(dataDir);
    }

    private SandboxJournal journal(String id) {
        return SandboxJournal.read(dataDir.resolve("sandboxes").resolve(id));
    }

    private String out(String id, String user, String script) {
        ExecResult r = runtime.exec(id, user, List.of("bash", "-c", script), T);
        assertThat(r.exitCode()).as("exit of %s as %s (stderr: %s)", script, user, r.stderr()).isZero();
        return r.stdout().strip();
    }

    private static long hostOwner(Path p) throws IOException {
        return ((Number) Files.getAttribute(p, "unix:uid", java.nio.file.LinkOption.NOFOLLOW_LINKS)).longValue();
    }

    @Test
    @Order(1)
    void sandboxRootIsAnUnprivilegedHostRangeOfItsOwn() {
        long baseA = journal(a).uidBase();
        long baseB = journal(b).uidBase();
        assertThat(baseA).isGreaterThanOrEqualTo(0x80000L).isNotEqualTo(baseB);
        assertThat(Math.abs(baseA - baseB)).isGreaterThanOrEqualTo(65536);
        for (String user : List.of("root", "user")) {
            assertThat(out(a, user, "cat /proc/self/uid_map").split("\\s+")).containsExactly("0", Long.toString(baseA), "65536");
            assertThat(out(a, user, "cat /proc/self/gid_map").split("\\s+")).containsExactly("0", Long.toString(baseA), "65536");
        }
        assertThat(out(a, "root", "id -u; id -un")).isEqualTo("0\nroot");
        // the template's owners, as before, through the idmapped lower layer
        assertThat(out(a, "user", "stat -c '%u:%g %U' /etc/passwd /home/user /usr/bin/sudo")).isEqualTo(
                "0:0 root\n1000:1000 user\n0:0 root");
        // the sandbox's processes are host processes of its range, not host root
        SandboxProcess p = runtime.spawn(a, new ProcessSpec("user", List.of("sleep", "5"), Map.of(), null, null, false));
        try {
            String status = run("cat", "/proc/" + p.hostPid() + "/status");
            assertThat(status).contains("Uid:\t" + (baseA + 1000) + "\t" + (baseA + 1000));
        } finally {
            p.signal(9);
        }
    }

    @Test
    @Order(2)
    void whatTheSandboxWritesBelongsToItsRangeOnTheHost() throws IOException {
        long base = journal(a).uidBase();
        out(a, "root", "echo r > /root/by-root && mkdir -p /srv/x && chown user /srv/x");
        out(a, "user", "echo u > /home/user/by-user");
        Path upper = Path.of(journal(a).upperDir());
        assertThat(hostOwner(upper.resolve("root/by-root"))).isEqualTo(base);
        assertThat(hostOwner(upper.resolve("home/user/by-user"))).isEqualTo(base + 1000);
        assertThat(hostOwner(upper.resolve("srv/x"))).isEqualTo(base + 1000);
        // what the host wrote for it (hostname, hosts, resolv.conf) is its root's, so its root may change them
        assertThat(out(a, "root", "stat -c %u /etc/hostname /etc/resolv.conf && echo x >> /etc/hosts && echo ok"))
                .isEqualTo("0\n0\nok");
    }

    @Test
    @Order(3)
    void theFileApiActsAsTheSandboxesOwnIds() throws IOException {
        long base = journal(a).uidBase();
        var files = runtime.files(a);
        FileEntry byUser = files.write("user", "/home/user/api-user.txt", bytes("from the api"));
        assertThat(byUser.owner()).isEqualTo("user");
        FileEntry byRoot = files.write("root", "/root/api-root.txt", bytes("secret"));
        assertThat(byRoot.owner()).isEqualTo("root");
        Path upper = Path.of(journal(a).upperDir());
        assertThat(hostOwner(upper.resolve("home/user/api-user.txt"))).isEqualTo(base + 1000);
        assertThat(hostOwner(upper.resolve("root/api-root.txt"))).isEqualTo(base);
        assertThat(out(a, "user", "stat -c %U /home/user/api-user.txt; cat /home/user/api-user.txt"))
                .isEqualTo("user\nfrom the api");
        // root keeps root's powers over the sandbox's files: it writes into user's private directory
        out(a, "user", "mkdir -m 700 /home/user/private");
        assertThat(files.write("root", "/home/user/private/from-root", bytes("x")).owner()).isEqualTo("root");
        // and user keeps user's limits: root's private file stays closed to it
        out(a, "root", "chmod 600 /root/api-root.txt");
        assertThatThrownBy(() -> files.openRead("user", "/root/api-root.txt")).hasMessageContaining("denied");
        assertThat(files.stat("user", "/etc/passwd").owner()).isEqualTo("root");
        // where only root may create, user's writes are made as the sandbox's root and given to user's host id
        assertThat(files.write("user", "/opt/api-app/x.txt", bytes("app")).owner()).isEqualTo("user");
        assertThat(files.makeDir("user", "/srv/api-work/sub").owner()).isEqualTo("user");
        for (String made : List.of("opt/api-app", "opt/api-app/x.txt", "srv/api-work", "srv/api-work/sub"))
            assertThat(hostOwner(upper.resolve(made))).as(made).isEqualTo(base + 1000);
        assertThat(out(a, "user", "stat -c %U:%G /opt /opt/api-app/x.txt /srv/api-work")).isEqualTo("root:root\nuser:user\nuser:user");
    }

    @Test
    @Order(4)
    void inotifyInstancesOfTheSandboxAreNotTheHostsNorANeighbours() throws Exception {
        String hold = "import ctypes, time\nlibc = ctypes.CDLL(None)\nn = 0\n"
                + "while n < 100000 and libc.inotify_init1(0) >= 0: n += 1\n"
                + "print(n, flush=True)\ntime.sleep(30)\n";
        List<SandboxProcess> holders = new java.util.ArrayList<>();
        try {
            // The sandbox's processes count against its own account, the owner of its user namespace (its base id):
            // root and user of one sandbox share that budget, and take nothing from anyone else's.
            int held = 0;
            for (String user : List.of("root", "user")) {
                SandboxProcess h = runtime.spawn(a, new ProcessSpec(user, List.of("python3", "-c", hold), Map.of(),
                        null, null, false));
                holders.add(h);
                String count = new BufferedReader(new InputStreamReader(h.stdout(),
                        StandardCharsets.US_ASCII)).readLine();
                held += Integer.parseInt(count);
            }
            assertThat(held).as("instances the sandbox holds").isEqualTo(
                    Integer.parseInt(Files.readAllLines(Path.of("/proc/sys/fs/inotify/max_user_instances")).get(0)));
            // host root, host uid 1000 and the neighbour sandbox's root and user still get theirs
            String probe = "import ctypes; print('ok' if ctypes.CDLL(None).inotify_init1(0) >= 0 else 'refused')";
            assertThat(run("/usr/bin/python3", "-c", probe).strip()).as("host root").isEqualTo("ok");
            assertThat(run("setpriv", "--reuid=1000", "--regid=1000", "--clear-groups", "/usr/bin/python3", "-c", probe)
                    .strip())
                    .as("host uid 1000").isEqualTo("ok");
            for (String user : List.of("root", "user"))
                assertThat(out(b, user, "python3 -c \"" + probe + "\"")).as("neighbour's " + user).isEqualTo("ok");
        } finally {
            for (SandboxProcess h : holders) h.signal(9);
        }
    }

    @Test
    @Order(5)
    void pauseBothWaysAndARestartKeepTheIds() throws Exception {
        long base = journal(a).uidBase();
        runtime.pause(a, false); // stopped: the container is run again from its bundle
        runtime.resume(a);
        assertThat(out(a, "user", "id -u; stat -c %U /home/user/by-user; cat /proc/self/uid_map | tr -s ' '"))
                .isEqualTo("1000\nuser\n 0 " + base + " 65536");
        runtime.pause(a, true); // frozen
        runtime.resume(a);
        // a new node on the same data directory adopts the sandbox, its range and its mounts
        runtime.close();
        runtime = new OciRuntime(config);
        assertThat(runtime.recover(Set.of(a, b))).contains(a, b);
        assertThat(journal(a).uidBase()).isEqualTo(base);
        assertThat(TestSupport.uidRangeClaims()).contains(PREFIX + " " + a, PREFIX + " " + b);
        assertThat(runtime.files(a).stat("user", "/home/user/by-user").owner()).isEqualTo("user");
        assertThat(out(a, "user", "echo after-restart > /home/user/later && stat -c %U /home/user/later"))
                .isEqualTo("user");
    }

    /**
     * The network namespace belongs to the sandbox's user namespace, so its root may bind ports below 1024 (with a
     * namespace owned by the host it could not). When that network namespace is lost alone (the user namespace kept),
     * a resume makes a new one inside the kept user namespace: binding port 80 still works.
     */
    @Test
    @Order(6)
    void theNetworkNamespaceIsTheUserNamespacesAlsoWhenMadeAgain() throws Exception {
        String bind80 = "python3 -c \"import socket; s = socket.socket(); s.bind(('0.0.0.0', 80)); print('bound')\"";
        assertThat(out(b, "root", bind80)).isEqualTo("bound");
        runtime.pause(b, false);
        SandboxJournal j = journal(b);
        run("ip", "netns", "del", j.netns());
        assertThat(Files.exists(j.userns())).isTrue();
        runtime.resume(b);
        assertThat(run("ip", "netns", "list")).contains(j.netns());
        assertThat(out(b, "root", bind80)).isEqualTo("bound");
        assertThat(out(b, "user", "id -u")).isEqualTo("1000");
    }

    @Test
    @Order(7)
    void destroyLeavesNoMountNorRangeClaim() throws IOException {
        for (String id : List.of(a, b)) {
            SandboxJournal j = journal(id);
            runtime.destroy(id);
            assertNothingLeft(config, id, j);
        }
    }

    private static ByteArrayInputStream bytes(String s) {
        return new ByteArrayInputStream(s.getBytes(StandardCharsets.UTF_8));
    }
}
