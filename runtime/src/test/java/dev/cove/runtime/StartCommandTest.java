package dev.cove.runtime;

import dev.cove.core.CoveException;
import dev.cove.core.runtime.ExecResult;
import dev.cove.core.runtime.StartCommand;
import dev.cove.runtime.fs.FileTrees;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static dev.cove.runtime.TestSupport.newId;
import static dev.cove.runtime.TestSupport.run;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A template's start command (issue 22): the create returns once its ready check passes, so the server already
 * answers; it runs as the template's user, in its directory, with its variables; a failing start command or a check
 * that never passes fails the create with the command's exit and output, and leaves nothing behind.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class StartCommandTest {
    private static final String PREFIX = "covetpl";
    private static final Duration T = Duration.ofSeconds(60);

    private Path dataDir;
    private RuntimeConfig config;
    private OciRuntime runtime;

    @BeforeAll
    void start() throws IOException {
        assumeTrue(TestSupport.isRoot(), "the runtime tests need root (runc, network namespaces, mounts)");
        dataDir = Files.createTempDirectory("cove-rt-start");
        config = TestSupport.config(dataDir).withResourcePrefix(PREFIX).withPool("10.240.0.0/16", "fd63:6f40::/32");
        runtime = new OciRuntime(config);
        runtime.ensureTemplate("base", line -> System.out.println("template: " + line));
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
        FileTrees.deleteRecursively(dataDir);
    }

    private String out(String id, String script) {
        ExecResult r = runtime.exec(id, "user", List.of("bash", "-c", script), T);
        assertThat(r.exitCode()).as("exit of %s (stderr: %s)", script, r.stderr()).isZero();
        return r.stdout().strip();
    }

    @Test
    void theServerAnswersTheFirstRequestOnceTheCreateReturns() {
        String id = newId("tpls");
        // the server only listens after a second: without the ready check the first request would be refused
        StartCommand start = new StartCommand("mkdir -p site && echo \"hello $GREETING\" > site/index.html && sleep 1"
                + " && cd site && exec python3 -m http.server 8123", StartCommand.waitForPort(8123), "user", "/tmp",
                Map.of("GREETING", "from-start"), null);
        runtime.create(TestSupport.spec(id).withStart(start));
        try {
            assertThat(out(id, "curl -sS --max-time 5 http://127.0.0.1:8123/index.html")).isEqualTo("hello from-start");
            assertThat(out(id, "ps -o user= -C python3")).isEqualTo("user");
            assertThat(out(id, "stat -c %U /tmp/site")).isEqualTo("user");
        } finally {
            runtime.destroy(id);
        }
    }

    /** A stop ({@code memory: false}) ends every process; the resume runs the start command again and waits for it. */
    @Test
    void aResumeAfterAStopRunsTheStartCommandAgain() {
        String id = newId("tplz");
        runtime.create(TestSupport.spec(id).withStart(StartCommand.of("cd /tmp && exec python3 -m http.server 8126",
                StartCommand.waitForPort(8126))));
        try {
            runtime.pause(id, false);
            runtime.resume(id);
            assertThat(out(id, "curl -s -o /dev/null -w '%{http_code}' --max-time 5 http://127.0.0.1:8126/")).isEqualTo("200");
            runtime.pause(id, true); // frozen: the server keeps running, nothing is started twice
            runtime.resume(id);
            assertThat(out(id, "pgrep -c -f 'http.server 8126'")).isEqualTo("1");
        } finally {
            runtime.destroy(id);
        }
    }

    /**
     * The sandbox's agent token reaches its start command (so the code interpreter's server can require it of
     * callers) and nothing else: not the sandbox's own processes, not the record's text; the copy kept for a resume
     * is readable by its owner only, and a resume after a stop hands it over again.
     */
    @Test
    void theAgentTokenReachesTheStartCommandOnly() throws IOException {
        String id = newId("tplk");
        String token = "tok-" + id;
        StartCommand start = StartCommand.of("echo \"$COVE_ENVD_ACCESS_TOKEN\" > /tmp/seen && exec sleep 600", null);
        var spec = TestSupport.spec(id).withStart(start).withAgentToken(token);
        assertThat(spec.toString()).doesNotContain(token);
        runtime.create(spec);
        try {
            assertThat(out(id, "cat /tmp/seen")).isEqualTo(token);
            assertThat(out(id, "echo \"[$COVE_ENVD_ACCESS_TOKEN]\"")).isEqualTo("[]");
            Path kept = config.dataDir().resolve("sandboxes").resolve(id).resolve(StartCommands.FILE);
            assertThat(java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(kept)))
                    .isEqualTo("rw-------");
            runtime.exec(id, "root", List.of("rm", "/tmp/seen"), T);
            runtime.pause(id, false);
            runtime.resume(id);
            assertThat(out(id, "for i in $(seq 50); do [ -s /tmp/seen ] && break; sleep 0.1; done; cat /tmp/seen"))
                    .isEqualTo(token);
        } finally {
            runtime.destroy(id);
        }
    }

    @Test
    void aStartCommandThatFailsFailsTheCreateWithItsOutput() throws IOException {
        String id = newId("tplf");
        StartCommand start = StartCommand.of("echo preparing; echo 'no such config: /app/x.yml' >&2; exit 3",
                StartCommand.waitForPort(8124));
        assertThatThrownBy(() -> runtime.create(TestSupport.spec(id).withStart(start)))
                .isInstanceOfSatisfying(CoveException.class, e -> {
                    assertThat(e.status()).isEqualTo(500);
                    assertThat(e.code()).isEqualTo("sandbox_start_failed");
                    assertThat(e.getMessage()).contains("exit code 3", "no such config: /app/x.yml", "preparing");
                });
        assertThat(runtime.list()).doesNotContain(id);
        TestSupport.assertNothingLeft(config, id, null);
    }

    /**
     * Trusting the host (what build sandboxes get with --sandbox-host-trust): the host's CA bundle is mounted read-only
     * and named by the tools' variables; it is never written into the sandbox's files, so a capture leaves it out.
     */
    @Test
    void aSandboxTrustingTheHostSeesItsCaBundleReadOnlyAndALayerDoesNotKeepIt() throws IOException {
        String id = newId("tplh");
        runtime.create(TestSupport.spec(id).withTrustHost(true));
        try {
            String first = Files.readAllLines(dev.cove.runtime.oci.HostTrust.BUNDLE).getFirst();
            assertThat(out(id, "echo $SSL_CERT_FILE $NODE_EXTRA_CA_CERTS $PIP_CERT; head -1 \"$SSL_CERT_FILE\""))
                    .isEqualTo("/run/cove/host-ca.crt /run/cove/host-ca.crt /run/cove/host-ca.crt\n" + first);
            ExecResult write = runtime.exec(id, "root", List.of("bash", "-c", "echo x >> /run/cove/host-ca.crt"), T);
            assertThat(write.exitCode()).as("the bundle is read-only, even for root").isNotZero();
            String key = "covetpl-trust-" + id;
            runtime.captureLayer(id, key, null, "trust test");
            try {
                Path root = config.templateDir().resolve("layers").resolve(key).resolve("root");
                assertThat(root.resolve("run/cove")).doesNotExist();
            } finally {
                runtime.deleteLayer(key);
            }
        } finally {
            runtime.destroy(id);
        }
        String plain = newId("tplp");
        runtime.create(TestSupport.spec(plain));
        try {
            assertThat(out(plain, "test -e /run/cove/host-ca.crt && echo mounted || echo absent; echo \"[$SSL_CERT_FILE]\""))
                    .isEqualTo("absent\n[]");
        } finally {
            runtime.destroy(plain);
        }
    }

    @Test
    void aReadyCheckThatNeverPassesFailsTheCreateInTime() {
        String id = newId("tplr");
        StartCommand start = new StartCommand("echo started; sleep 600", "test -e /tmp/never", null, null, Map.of(),
                Duration.ofSeconds(2));
        long t0 = System.nanoTime();
        assertThatThrownBy(() -> runtime.create(TestSupport.spec(id).withStart(start)))
                .isInstanceOfSatisfying(CoveException.class, e -> assertThat(e.getMessage())
                        .contains("did not become ready", "test -e /tmp/never", "started"));
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(30));
        assertThat(runtime.list()).doesNotContain(id);
    }
}
