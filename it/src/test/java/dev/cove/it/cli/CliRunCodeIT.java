package dev.cove.it.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cove.it.CoveServerProcess;
import dev.cove.it.sdk.SdkServer;
import dev.cove.sdk.Sandbox;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code cove run-code} as a user runs it, against a real server and a {@code code-interpreter-v1} sandbox. */
class CliRunCodeIT {
    static SdkServer server;
    static String id;

    @BeforeAll
    static void start() throws Exception {
        server = SdkServer.startOwn("coveinti", "10.253.0.0/16", "fd63:6f4d::/32", "cli-run-code",
                "--build-templates", "base,code-interpreter-v1");
        id = server.track(Sandbox.builder().config(server.config()).template("code-interpreter-v1")
                .timeout(Duration.ofMinutes(10)).create()).getSandboxId();
    }

    @AfterAll
    static void stop() throws Exception {
        if (server != null) server.close();
    }

    static CliIT.Run cove(String stdin, String... args) throws Exception {
        return CliIT.run(CliIT.env(server.dataDir), stdin, args);
    }

    @Test
    void runsCodeKeepsStateAndShowsTheValue() throws Exception {
        assertThat(cove(null, "run-code", id, "x = 6 * 7\nprint('set')").stdout()).isEqualTo("set\n");
        CliIT.Run value = cove(null, "run-code", id, "x");
        assertThat(value.exitCode()).isZero();
        assertThat(value.stdout()).isEqualTo("42\n");
    }

    @Test
    void anErrorOfTheCodeGoesToStderrWithExitOne() throws Exception {
        CliIT.Run r = cove(null, "run-code", id, "1/0");
        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.stderr()).contains("ZeroDivisionError");
    }

    @Test
    void imagesAreListedAndSaved(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        CliIT.Run r = cove(null, "run-code", id, "--save-images", dir.toString(),
                "import matplotlib.pyplot as plt\nplt.plot([1, 2], [3, 4])\nplt.show()");
        assertThat(r.exitCode()).as(r.stderr()).isZero();
        assertThat(r.stdout()).contains("png", "(line chart)", "saved to");
        byte[] png = Files.readAllBytes(dir.resolve("result-1.png"));
        assertThat(png).startsWith(0x89, 'P', 'N', 'G');
    }

    @Test
    void bashFromStdinAndJson() throws Exception {
        CliIT.Run r = cove("echo \"hi $WHO\"\n", "run-code", id, "-l", "bash", "-e", "WHO=there", "--json", "-");
        assertThat(r.exitCode()).as(r.stderr()).isZero();
        JsonNode json = r.json();
        assertThat(json.get("stdout").get(0).asText()).isEqualTo("hi there\n");
        assertThat(json.get("error").isNull()).isTrue();
    }

    @Test
    void aTimeoutExitsFiveAndTheKernelIsKept() throws Exception {
        cove(null, "run-code", id, "kept = 'yes'");
        CliIT.Run r = cove(null, "run-code", id, "--timeout", "2s", "import time\ntime.sleep(60)");
        assertThat(r.exitCode()).isEqualTo(5);
        assertThat(cove(null, "run-code", id, "kept").stdout()).isEqualTo("yes\n");
    }

    @Test
    void noCodeIsAUsageError() throws Exception {
        CliIT.Run r = cove(null, "run-code", id);
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.stderr()).contains("--file");
    }
}
