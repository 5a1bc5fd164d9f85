package dev.cove.runtime;

import dev.cove.core.CoveException;
import dev.cove.core.runtime.ExecResult;
import dev.cove.core.runtime.LayerInfo;
import dev.cove.core.runtime.SandboxSpec;
import dev.cove.runtime.fs.FileTrees;
import dev.cove.runtime.host.Linux;
import dev.cove.runtime.journal.SandboxJournal;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;

import static dev.cove.runtime.TestSupport.newId;
import static dev.cove.runtime.TestSupport.run;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Layers (issue 22's foundation): what a sandbox changed is captured as an immutable layer in template id space, and
 * sandboxes stack layers over the template: files, owners, deletions (whiteouts) and replaced directories (opaque)
 * show as in the sandbox they came from; a layer in a sandbox's root cannot be deleted; a stopped sandbox whose
 * mounts went (as after a host restart) gets its whole stack back. Run with and without user namespaces
 * ({@link LayersUserNamespaceTest}, {@link LayersHostIdsTest}).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
abstract class LayersTest {
    private static final String PREFIX = "covetpl";
    private static final Duration T = Duration.ofSeconds(60);

    private Path dataDir;
    private Path templateDir;
    private OciRuntime runtime;
    private final String tag = Long.toString(System.nanoTime() % 1_000_000_000L, 36);
    private final String l1 = "covetpl-one-" + tag, l2 = "covetpl-two-" + tag;
    private String a, b, c;

    abstract boolean userNamespaces();

    @BeforeAll
    void start() throws IOException {
        assumeTrue(TestSupport.isRoot(), "the runtime tests need root (runc, network namespaces, mounts)");
        dataDir = Files.createTempDirectory("cove-rt-layers");
        // layers live in the template directory: a private one (the cached base linked in) keeps them to this test
        templateDir = Files.createTempDirectory("cove-rt-layers-templates");
        RuntimeConfig shared = TestSupport.config(dataDir);
        try (var built = Files.list(shared.templateDir())) {
            for (Path t : built.filter(p -> p.getFileName().toString().startsWith("base-") && Files.isDirectory(p)).toList())
                Files.createSymbolicLink(templateDir.resolve(t.getFileName()), t);
        }
        RuntimeConfig config = shared.withTemplateDir(templateDir).withResourcePrefix(PREFIX)
                .withPool("10.240.0.0/16", "fd63:6f40::/32").withUserNamespaces(userNamespaces());
        runtime = new OciRuntime(config);
        runtime.ensureTemplate("base", line -> System.out.println("template: " + line));
    }

    @AfterAll
    void stop() throws IOException {
        if (runtime != null) {
            runtime.recover(Set.of());
            for (String k : List.of(l2, l1)) runtime.deleteLayer(k);
            runtime.close();
        }
        if (dataDir == null) return;
        TestSupport.removeCgroupParents(PREFIX);
        assertThat(run("ip", "netns", "list")).doesNotContain(PREFIX);
        assertThat(Files.readString(Path.of("/proc/mounts"))).doesNotContain(dataDir.toString())
                .doesNotContain(templateDir.toString());
        FileTrees.deleteRecursively(dataDir);
        FileTrees.deleteRecursively(templateDir);
    }

    private String out(String id, String user, String script) {
        ExecResult r = runtime.exec(id, user, List.of("bash", "-c", script), T);
        assertThat(r.exitCode()).as("exit of %s as %s (stderr: %s)", script, user, r.stderr()).isZero();
        return r.stdout().strip();
    }

    private SandboxSpec spec(String id, List<String> layers) {
        return TestSupport.spec(id).withLayers(layers);
    }

    private SandboxJournal journal(String id) {
        return SandboxJournal.read(dataDir.resolve("sandboxes").resolve(id));
    }

    @Test
    @Order(1)
    void aSandboxsChangesBecomeALayerInTemplateIdSpace() throws IOException {
        a = newId("tpla");
        runtime.create(spec(a, List.of()));
        out(a, "root", """
                set -e
                mkdir -p /opt/one /srv/d
                echo one > /opt/one/f && chown 1000:1000 /opt/one/f
                echo keep > /srv/d/keep && echo gone > /srv/d/gone
                cp /bin/true /opt/one/suid && chmod 4755 /opt/one/suid
                rm /etc/issue
                """);
        out(a, "user", "echo mine > /home/user/by-user");
        LayerInfo info = runtime.captureLayer(a, l1, null, "test layer one");
        assertThat(info.key()).isEqualTo(l1);
        assertThat(info.sizeBytes()).isPositive();
        assertThat(runtime.layer(l1)).isEqualTo(info);
        assertThat(runtime.layers()).contains(info);
        // a second capture under the same key is the layer in place
        assertThat(runtime.captureLayer(a, l1, null, "again")).isEqualTo(info);

        Path root = templateDir.resolve("layers").resolve(l1).resolve("root");
        assertThat(Files.readString(root.resolve("opt/one/f"))).isEqualTo("one\n");
        assertThat(uid(root.resolve("opt/one/f"))).as("owner in template id space").isEqualTo(1000);
        assertThat(uid(root.resolve("home/user/by-user"))).isEqualTo(1000);
        assertThat(uid(root.resolve("opt/one"))).isZero();
        assertThat(run("stat", "-c", "%A", root.resolve("opt/one/suid").toString()).strip()).isEqualTo("-rwsr-xr-x");
        assertThat(run("stat", "-c", "%F %t:%T", root.resolve("etc/issue").toString()).strip())
                .as("the deletion is kept as an overlay whiteout").isEqualTo("character special file 0:0");
        assertThat(root.resolve("etc/hostname")).as("per-sandbox files stay out of layers").doesNotExist();
        assertThat(root.resolve("etc/resolv.conf")).doesNotExist();
    }

    @Test
    @Order(2)
    void layersStackInOrderWithWhiteoutsAndOpaqueDirectories() throws IOException {
        b = newId("tplb");
        runtime.create(spec(b, List.of(l1)));
        assertThat(out(b, "user", "cat /opt/one/f; stat -c '%U %u' /opt/one/f /home/user/by-user; hostname"))
                .isEqualTo("one\nuser 1000\nuser 1000\n" + b);
        assertThat(out(b, "root", "test -e /etc/issue && echo there || echo deleted")).isEqualTo("deleted");
        assertThat(out(b, "user", "stat -c %A /opt/one/suid")).isEqualTo("-rwsr-xr-x");
        // replace a directory of the layer below: the new one is opaque
        out(b, "root", "rm -rf /srv/d && mkdir /srv/d && echo only > /srv/d/only && mkdir /opt/two && echo two > /opt/two/f");
        out(b, "user", "echo again >> /home/user/by-user");
        runtime.captureLayer(b, l2, l1, "test layer two");
        Path root2 = templateDir.resolve("layers").resolve(l2).resolve("root");
        assertThat(run("python3", "-c", "import os,sys; print(os.getxattr(sys.argv[1], 'trusted.overlay.opaque'))",
                root2.resolve("srv/d").toString()).strip()).isEqualTo("b'y'");
        assertThat(root2.resolve("opt/one/f")).as("only what changed is in the layer").doesNotExist();
        assertThat(runtime.layer(l2).parent()).isEqualTo(l1);

        c = newId("tplc");
        runtime.create(spec(c, List.of(l1, l2)));
        assertThat(out(c, "user", "ls /srv/d; cat /opt/one/f /opt/two/f /home/user/by-user"))
                .isEqualTo("only\none\ntwo\nmine\nagain");
        assertThat(out(c, "root", "test -e /etc/issue && echo there || echo deleted")).isEqualTo("deleted");
        assertThat(out(c, "user", "id -u; stat -c '%U' /home/user /etc/passwd; echo w > /home/user/w && cat /home/user/w"))
                .isEqualTo("1000\nuser\nroot\nw");
        if (userNamespaces()) {
            long base = journal(c).uidBase();
            assertThat(out(c, "root", "cat /proc/self/uid_map | tr -s ' '")).isEqualTo("0 " + base + " 65536");
            // the sandbox's new file belongs to its range on the host, as on a bare template
            assertThat(uid(Path.of(journal(c).upperDir(), "home/user/w"))).isEqualTo(base + 1000);
        }
        // the base template shows through where no layer has the file
        assertThat(out(c, "user", "python3 -c 'print(1+1)'")).isEqualTo("2");
    }

    @Test
    @Order(3)
    void aLayerInASandboxsRootIsNotDeleted() {
        assertThatThrownBy(() -> runtime.deleteLayer(l1)).isInstanceOfSatisfying(CoveException.class,
                e -> assertThat(e.status()).isEqualTo(409));
        assertThat(runtime.layer(l1)).isNotNull();
        assertThatThrownBy(() -> runtime.create(spec(newId("tpln"), List.of("covetpl-none-" + tag))))
                .isInstanceOfSatisfying(CoveException.class, e -> {
                    assertThat(e.status()).isEqualTo(404);
                    assertThat(e.getMessage()).contains("covetpl-none-" + tag);
                });
    }

    @Test
    @Order(4)
    void aStoppedSandboxGetsItsLayersBackWhenItsMountsWent() {
        SandboxJournal j = journal(c);
        runtime.pause(c, false);
        // what a host restart loses: the overlay and every view of the stack
        assertThat(Linux.umount2(j.rootfs(), Linux.MNT_DETACH)).isZero();
        if (j.hasUserNamespace())
            for (Path lower : j.lowerMounts()) assertThat(Linux.umount2(lower.toString(), Linux.MNT_DETACH)).isZero();
        runtime.resume(c);
        assertThat(out(c, "user", "ls /srv/d; cat /opt/one/f /opt/two/f /home/user/w"))
                .isEqualTo("only\none\ntwo\nw");
    }

    @Test
    @Order(5)
    void layersGoOnceNoSandboxHasThem() {
        for (String id : List.of(a, b, c)) runtime.destroy(id);
        runtime.deleteLayer(l2);
        runtime.deleteLayer(l1);
        assertThat(runtime.layer(l1)).isNull();
        assertThat(templateDir.resolve("layers").resolve(l1)).doesNotExist();
    }

    private static long uid(Path p) throws IOException {
        return ((Number) Files.getAttribute(p, "unix:uid", LinkOption.NOFOLLOW_LINKS)).longValue();
    }
}
