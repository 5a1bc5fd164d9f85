package dev.cove.api.envd;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cove.api.testing.EnvdClient;
import dev.cove.api.testing.TestPlane;
import dev.cove.api.testing.TestRuntimes;
import dev.cove.core.runtime.SandboxRuntime;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpClient;
import java.nio.file.Path;
import java.time.Duration;

/**
 * A real runtime, a real control plane and one sandbox per test class; agent requests go over real HTTP to the
 * control plane's Helidon server with {@code X-Cove-Sandbox-Id}, as the edge sends them. Own address pools
 * (10.203.0.0/17, fd63:6f79::/32; the black-box agent test uses 10.203.128.0/17) so these classes never collide with other suites.
 */
public abstract class EnvdTestBase {
    protected static final String POOL4 = "10.203.0.0/17";
    protected static final String POOL6 = "fd63:6f79::/32";

    @TempDir
    protected static Path dir;
    protected static SandboxRuntime runtime;
    protected static TestPlane api;
    protected static String sandboxId;
    protected static String envdToken;
    protected static HttpClient http;
    protected static EnvdClient envd;

    @BeforeAll
    static void startSandbox() {
        runtime = TestRuntimes.open(dir.resolve("runtime"), POOL4, POOL6);
        api = TestPlane.start(dir.resolve("api"), runtime);
        JsonNode created = api.create("{\"templateID\":\"base\",\"timeout\":900,\"envVars\":{\"COVE_SBX\":\"from-sandbox\"}}");
        sandboxId = created.get("sandboxID").asText();
        envdToken = created.get("envdAccessToken").asText();
        http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
        // the shipped default (private) guards every agent with its token
        envd = client(sandboxId).header("X-Access-Token", envdToken);
    }

    protected static EnvdClient client(String id) {
        return new EnvdClient(http, "http://127.0.0.1:" + api.plane().port(), id);
    }

    @AfterAll
    static void stopAll() {
        try {
            if (api != null) api.close();
        } finally {
            if (runtime != null) runtime.close();
        }
    }
}
