package dev.cove.runtime;

import dev.cove.core.runtime.ExecResult;
import dev.cove.core.runtime.SandboxSpec;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static dev.cove.runtime.TestSupport.run;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A sandbox's boot id is its own and changes with each start of its container, as a VM's would: a file-system-only
 * pause and resume is a reboot, a freeze is not. Its root can neither write the file nor reach the host's. With and
 * without user namespaces. Own prefix and pools (the task's black-box pools, which no committed server test uses).
 */
class BootIdTest {
    static final String PREFIX = "coveparb";
    static final Duration T = Duration.ofSeconds(30);
    static final String FILE = "/proc/sys/kernel/random/boot_id";

    @ParameterizedTest(name = "user namespaces: {0}")
    @ValueSource(booleans = {false, true})
    void aResumeWithoutMemoryIsAReboot(boolean userNamespaces) throws Exception {
        assumeTrue(TestSupport.isRoot(), "the runtime tests need root (runc, network namespaces, mounts)");
        String host = Files.readString(Path.of(FILE)).strip();
        Path dataDir = Files.createTempDirectory("cove-rt-bootid");
        try (OciRuntime runtime = new OciRuntime(TestSupport.config(dataDir).withResourcePrefix(PREFIX)
                .withPool("10.247.0.0/16", "fd63:6f47::/32").withUserNamespaces(userNamespaces))) {
            runtime.ensureTemplate("base", line -> {});
            String a = TestSupport.newId("boot");
            String b = TestSupport.newId("boot");
            runtime.create(new SandboxSpec(a, "base", 1, 256, 256, Map.of()));
            runtime.create(new SandboxSpec(b, "base", 1, 256, 256, Map.of()));
            try {
                String first = bootId(runtime, a);
                assertThat(first).matches("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
                        .isNotEqualTo(host).isNotEqualTo(bootId(runtime, b));

                // the sandbox's root cannot change it, nor anything through it
                ExecResult write = runtime.exec(a, "root", List.of("sh", "-c", "echo 0 > " + FILE), T);
                assertThat(write.exitCode()).isNotZero();
                assertThat(bootId(runtime, a)).isEqualTo(first);

                runtime.pause(a, true); // frozen: the same boot
                runtime.resume(a);
                assertThat(bootId(runtime, a)).isEqualTo(first);

                runtime.pause(a, false); // processes ended, files kept: the resume is a new boot
                runtime.resume(a);
                String second = bootId(runtime, a);
                assertThat(second).isNotEqualTo(first).isNotEqualTo(host).matches("[0-9a-f-]{36}");
            } finally {
                runtime.destroy(a);
                runtime.destroy(b);
                runtime.recover(Set.of());
            }
            assertThat(Files.readString(Path.of(FILE)).strip()).as("the host's own boot id").isEqualTo(host);
            assertThat(Files.readString(Path.of("/proc/self/mountinfo"))).doesNotContain("boot_id");
        } finally {
            assertThat(run("ip", "netns", "list")).doesNotContain(PREFIX + "-");
            deleteTree(dataDir);
        }
    }

    private static String bootId(OciRuntime runtime, String id) {
        ExecResult r = runtime.exec(id, "user", List.of("cat", FILE), T);
        assertThat(r.exitCode()).as(r.stderr()).isZero();
        return r.stdout().strip();
    }

    private static void deleteTree(Path dir) throws IOException {
        run("rm", "-rf", "--one-file-system", dir.toString());
    }
}
