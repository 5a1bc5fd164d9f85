package dev.cove.api.lifecycle;

import dev.cove.api.store.SandboxState;
import dev.cove.api.testing.Resp;
import dev.cove.api.testing.TestPlane;
import dev.cove.api.testing.TestRuntimes;
import dev.cove.core.CoveException;
import dev.cove.core.routing.SandboxRoute;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

class SandboxServiceTest {
    @TempDir
    static Path dir;
    static FailingRuntime runtime;
    static TestPlane api;

    @BeforeAll
    static void start() {
        runtime = new FailingRuntime(TestRuntimes.open(dir.resolve("runtime")));
        api = TestPlane.start(dir.resolve("api"), runtime, b -> b.tombstoneRetentionDays(0));
    }

    @AfterEach
    void reset() {
        runtime.failAfterCreate = null;
        runtime.failBeforeCreate = null;
        api.killAll();
    }

    @AfterAll
    static void stop() {
        try {
            api.close();
        } finally {
            runtime.close();
        }
    }

    /**
     * The runtime fails after making the sandbox: 500 with error_code sandbox_create_failed, the runtime holds
     * nothing, no sandbox is listed, and the id is a tombstone with reason create_failed.
     */
    @Test
    void failedCreateLeavesNothing() {
        runtime.failAfterCreate = () -> new IllegalStateException("injected failure");
        Resp r = api.post("/sandboxes", "{\"templateID\":\"base\",\"envVars\":{\"TOKEN\":\"secret\"}}");

        assertThat(r.status()).isEqualTo(500);
        assertThat(r.json().get("code").asInt()).isEqualTo(500);
        assertThat(r.json().get("error_code").asText()).isEqualTo("sandbox_create_failed");
        assertThat(r.json().get("message").asText()).isEqualTo("Failed to create the sandbox (the server log has the cause)");
        String id = runtime.attempted.getLast();
        assertThat(runtime.get(id)).isNull();
        assertThat(runtime.list()).doesNotContain(id);
        assertThat(api.get("/v2/sandboxes").json()).isEmpty();
        assertThat(api.get("/sandboxes/" + id).status()).isEqualTo(404);
        SandboxRoute route = api.plane().directory().lookup(id);
        assertThat(route.state()).isEqualTo(SandboxRoute.State.ENDED);
        assertThat(route.endReason()).isEqualTo("create_failed");
        var row = api.plane().sandboxes().find(id).orElseThrow();
        assertThat(row.state()).isEqualTo(SandboxState.KILLED);
        assertThat(row.envVars()).isEmpty();
    }

    /** A runtime error a client can act on (here: no capacity, 503) keeps its status and E2B error_code. */
    @Test
    void runtimeCapacityErrorPassesThrough() {
        runtime.failBeforeCreate = () -> new CoveException(503, "sandbox_capacity_unavailable",
                "No free sandbox slot on this node; try again later");
        Resp r = api.post("/v2/sandboxes", "{\"templateID\":\"base\"}");
        assertThat(r.status()).isEqualTo(503);
        assertThat(r.json().get("code").asInt()).isEqualTo(503);
        assertThat(r.json().get("error_code").asText()).isEqualTo("sandbox_capacity_unavailable");
        assertThat(r.json().get("message").asText()).isEqualTo("No free sandbox slot on this node; try again later");
        assertThat(runtime.list()).isEmpty();
    }

    /** Tombstones past the retention period (0 days here) disappear from the store and the directory. */
    @Test
    void purgeTombstones() {
        String id = api.create("{\"templateID\":\"base\"}").get("sandboxID").asText();
        api.delete("/sandboxes/" + id);
        assertThat(api.plane().directory().lookup(id).state()).isEqualTo(SandboxRoute.State.ENDED);
        assertThat(api.plane().sandboxes().reconciler().purgeTombstones()).isGreaterThanOrEqualTo(1);
        assertThat(api.plane().directory().lookup(id)).isNull();
        assertThat(api.plane().sandboxes().find(id)).isEmpty();
    }
}
