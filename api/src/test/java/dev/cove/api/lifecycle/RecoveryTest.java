package dev.cove.api.lifecycle;

import dev.cove.api.store.SandboxRecord;
import dev.cove.api.store.SandboxState;
import dev.cove.api.store.JdbcSandboxStore;
import dev.cove.api.testing.TestPlane;
import dev.cove.api.testing.TestRuntimes;
import dev.cove.core.SandboxId;
import dev.cove.core.routing.SandboxRoute;
import dev.cove.core.runtime.SandboxRuntime;
import dev.cove.core.runtime.SandboxSpec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** A second control plane (and runtime) on the same data directories picks up where the first stopped. */
class RecoveryTest {
    @TempDir
    Path dir;
    SandboxRuntime runtime;
    TestPlane api;

    @AfterEach
    void cleanUp() {
        try {
            if (api != null) api.close();
        } finally {
            if (runtime != null) {
                for (String id : runtime.list()) runtime.destroy(id);
                runtime.close();
            }
        }
    }

    @Test
    void restartRecoversSandboxesTimersAndTombstones() throws Exception {
        runtime = TestRuntimes.open(dir.resolve("runtime"));
        api = TestPlane.start(dir.resolve("api"), runtime);
        String keeps = api.create("{\"templateID\":\"base\",\"timeout\":300}").get("sandboxID").asText();
        String expiresWhileDown = api.create("{\"templateID\":\"base\",\"timeout\":2}").get("sandboxID").asText();
        String expiresAfterRestart = api.create("{\"templateID\":\"base\",\"timeout\":12}").get("sandboxID").asText();
        String lost = api.create("{\"templateID\":\"base\",\"timeout\":300}").get("sandboxID").asText();
        String killed = api.create("{\"templateID\":\"base\"}").get("sandboxID").asText();
        api.delete("/sandboxes/" + killed);
        Instant endOfExpiring = endAt(expiresAfterRestart);

        // "Crash": the control plane stops without killing anything; the runtime stops too.
        api.stopKeepingSandboxes();
        api = null;
        // Behind the store's back: one sandbox vanishes, and one was half-made when the server died.
        runtime.destroy(lost);
        String halfMade = SandboxId.generate();
        runtime.create(new SandboxSpec(halfMade, TestRuntimes.TEMPLATE, 1, 256, 256, Map.of()));
        try (JdbcSandboxStore store = JdbcSandboxStore.openSqlite(dir.resolve("api").resolve("cove.db"))) {
            Instant now = Instant.now();
            store.insert(new SandboxRecord(halfMade, "base", "base", "6532622b", SandboxState.STARTING, Map.of(),
                    Map.of(), 1, 256, 10240, now, now.plusSeconds(300), null, null, null, null, false, false,
                    null, null));
        }
        runtime.close();
        await().atMost(Duration.ofSeconds(10)).until(() -> Instant.now().isAfter(endAt0(expiresWhileDown)));

        runtime = TestRuntimes.open(dir.resolve("runtime"));
        api = TestPlane.start(dir.resolve("api"), runtime);

        // Re-adopted, with its timer.
        assertThat(api.get("/sandboxes/" + keeps).status()).isEqualTo(200);
        assertThat(runtime.get(keeps)).isNotNull();
        assertThat(api.plane().directory().lookup(keeps).state()).isEqualTo(SandboxRoute.State.RUNNING);
        assertThat(api.plane().directory().lookup(keeps).netnsPath()).isNotBlank();
        assertThat(api.plane().sandboxes().scheduledEnd(keeps)).isEqualTo(endAt(keeps));

        // Its end passed while the server was down: expires at once.
        await().atMost(Duration.ofSeconds(5)).until(() -> ended(expiresWhileDown));
        assertThat(api.plane().directory().lookup(expiresWhileDown).endReason()).isEqualTo("timeout");
        assertThat(runtime.get(expiresWhileDown)).isNull();

        // The runtime could not re-adopt it: a tombstone saying so.
        assertThat(api.plane().directory().lookup(lost).endReason()).isEqualTo("lost");
        assertThat(api.get("/sandboxes/" + lost).status()).isEqualTo(404);

        // Half-made by the crash: destroyed and ended.
        assertThat(runtime.get(halfMade)).isNull();
        assertThat(api.plane().directory().lookup(halfMade).endReason()).isEqualTo("create_failed");
        assertThat(api.plane().sandboxes().find(halfMade).orElseThrow().state()).isEqualTo(SandboxState.KILLED);

        // Tombstones from before the restart are known to the edge.
        assertThat(api.plane().directory().lookup(killed).state()).isEqualTo(SandboxRoute.State.ENDED);
        assertThat(api.plane().directory().lookup(killed).endReason()).isEqualTo("killed");

        // Timer resumed from the stored endAt: still running now, reaped at its end.
        assertThat(api.get("/sandboxes/" + expiresAfterRestart).status()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(50)).until(() -> ended(expiresAfterRestart));
        SandboxRoute route = api.plane().directory().lookup(expiresAfterRestart);
        assertThat(route.endReason()).isEqualTo("timeout");
        assertThat(route.endedAt()).isAfterOrEqualTo(endOfExpiring);
        assertThat(Duration.between(endOfExpiring, route.endedAt())).isLessThan(Duration.ofSeconds(3));
        assertThat(runtime.get(expiresAfterRestart)).isNull();
    }

    private boolean ended(String id) {
        SandboxRoute r = api.plane().directory().lookup(id);
        return r != null && r.state() == SandboxRoute.State.ENDED;
    }

    private Instant endAt(String id) {
        return Instant.parse(api.get("/sandboxes/" + id).json().get("endAt").asText());
    }

    private Instant endAt0(String id) {
        try (JdbcSandboxStore store = JdbcSandboxStore.openSqlite(dir.resolve("api").resolve("cove.db"))) {
            return store.find(id).orElseThrow().endAt();
        }
    }
}
