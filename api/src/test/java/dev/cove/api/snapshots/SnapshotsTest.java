package dev.cove.api.snapshots;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cove.api.testing.Resp;
import dev.cove.api.testing.TestPlane;
import dev.cove.api.testing.TestRuntimes;
import dev.cove.core.runtime.SandboxRuntime;
import dev.cove.runtime.OciRuntime;
import dev.cove.runtime.RuntimeConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Snapshots on a real runtime and control plane, for what the SDK suites cannot see: the catalog survives a restart of
 * the server, a snapshot of a sandbox made from a snapshot stacks both captures, and the layers captured go away once
 * nothing names or stacks them (and not before). Its own prefix and pools ({@code covesnp}), so it runs beside the
 * other api tests.
 */
class SnapshotsTest {
    private static final String PREFIX = "covesnp";
    @TempDir
    Path dir;
    SandboxRuntime runtime;
    TestPlane api;

    @BeforeEach
    void start() throws IOException {
        // layers live in the template directory: a private one, the cached base linked in
        Path templates = Files.createDirectories(dir.resolve("templates"));
        try (var built = Files.list(Path.of(templateCache()))) {
            for (Path t : built.filter(p -> p.getFileName().toString().startsWith("base-") && Files.isDirectory(p)).toList())
                Files.createSymbolicLink(templates.resolve(t.getFileName()), t);
        }
        runtime = openRuntime();
        api = TestPlane.start(dir.resolve("api"), runtime);
    }

    /** Every snapshot is deleted and its layers with it (they are in this test's own template directory). */
    @AfterEach
    void stop() {
        try {
            api.killAll();
            for (JsonNode s : api.get("/snapshots").json()) api.delete("/templates/" + s.get("snapshotID").asText());
            api.plane().snapshots().collect();
            api.close();
        } finally {
            if (runtime != null) runtime.close();
        }
    }

    private SandboxRuntime openRuntime() {
        return new OciRuntime(RuntimeConfig.defaults(dir.resolve("runtime")).withTemplateDir(dir.resolve("templates"))
                .withResourcePrefix(PREFIX).withPool("10.244.0.0/16", "fd63:6f44::/32").withEgress(TestRuntimes.OFFLINE));
    }

    private static String templateCache() {
        String env = System.getenv("COVE_TEMPLATE_CACHE");
        return env == null || env.isBlank() ? "/var/cache/cove/templates" : env;
    }

    private String sh(String id, String script) {
        var r = runtime.exec(id, "root", List.of("sh", "-c", script), Duration.ofSeconds(30));
        assertThat(r.exitCode()).as(r.stderr()).isZero();
        return r.stdout();
    }

    private String create(String template) {
        return api.createV2("{\"templateID\":\"" + template + "\",\"timeout\":300}").get("sandboxID").asText();
    }

    private JsonNode snapshot(String sandboxId, String body) {
        Resp r = api.post("/sandboxes/" + sandboxId + "/snapshots", body);
        assertThat(r.status()).as(r.toString()).isEqualTo(201);
        return r.json();
    }

    @Test
    void theCatalogSurvivesARestartAndItsLayerGoesWithTheLastUse() {
        String src = create("base");
        sh(src, "echo kept > /root/kept.txt && rm /etc/issue");
        assertThat(snapshot(src, "{\"name\":\"keep\"}").get("snapshotID").asText()).isEqualTo("keep");

        api.stopKeepingSandboxes();
        runtime.close();
        runtime = openRuntime();
        api = TestPlane.start(dir.resolve("api"), runtime);

        Resp listed = api.get("/snapshots?name=keep");
        assertThat(listed.json()).hasSize(1);
        assertThat(listed.json().get(0).get("names").get(0).asText()).isEqualTo("keep");
        String copy = create("keep");
        assertThat(sh(copy, "cat /root/kept.txt; test -e /etc/issue || echo deleted")).isEqualTo("kept\ndeleted\n");
        String layer = runtime.root(copy).layers().getLast();
        assertThat(runtime.layer(layer)).isNotNull();

        Resp taken = api.post("/v3/templates", "{\"name\":\"keep\"}");
        assertThat(taken.status()).as("a template may not take a snapshot's name").isEqualTo(409);
        assertThat(taken.json().get("message").asText()).contains("belongs to a snapshot");
        Resp refused = api.delete("/templates/keep");
        assertThat(refused.status()).isEqualTo(409);
        assertThat(refused.json().get("message").asText()).contains("kill it first");
        assertThat(api.delete("/sandboxes/" + copy).status()).isEqualTo(204);
        assertThat(api.delete("/templates/keep:default").status()).isEqualTo(204);
        assertThat(runtime.layer(layer)).as("deleted with its snapshot").isNull();
        assertThat(api.delete("/templates/keep").status()).isEqualTo(404);
        assertThat(api.get("/snapshots?sandboxID=" + src).json()).isEmpty();
    }

    @Test
    void aSnapshotOfACopyStacksBothCapturesAndKeepsTheFirstWhileItNamesIt() {
        String src = create("base");
        sh(src, "echo one > /root/one.txt");
        String first = snapshot(src, "{}").get("snapshotID").asText();
        String middle = create(first);
        sh(middle, "echo two > /root/two.txt && rm /root/one.txt && echo one-again > /root/again.txt");
        String second = snapshot(middle, "{}").get("snapshotID").asText();
        String last = create(second);

        List<String> layers = runtime.root(last).layers();
        assertThat(layers).hasSize(2).isEqualTo(List.of(runtime.root(middle).layers().getFirst(), layers.get(1)));
        assertThat(sh(last, "cat /root/two.txt /root/again.txt; test -e /root/one.txt || echo one-deleted"))
                .isEqualTo("two\none-again\none-deleted\n");

        assertThat(api.delete("/sandboxes/" + middle).status()).isEqualTo(204);
        assertThat(api.delete("/templates/" + first).status()).isEqualTo(204);
        assertThat(runtime.layer(layers.getFirst())).as("the second snapshot still names it").isNotNull();
        assertThat(sh(create(second), "cat /root/two.txt")).isEqualTo("two\n");
    }

    @Test
    void aSnapshotOfABuiltTemplatesSandboxKeepsTheTemplatesLayersAfterTheTemplateGoes() throws InterruptedException {
        Resp requested = api.post("/v3/templates", "{\"name\":\"snpbuilt\"}");
        assertThat(requested.status()).as(requested.toString()).isEqualTo(202);
        String templateId = requested.json().get("templateID").asText();
        String buildId = requested.json().get("buildID").asText();
        Resp started = api.post("/v2/templates/" + templateId + "/builds/" + buildId, """
                {"fromImage":"e2bdev/base","steps":[{"type":"RUN","args":["echo built > /home/user/built.txt"]}]}""");
        assertThat(started.status()).as(started.toString()).isEqualTo(202);
        String status = "";
        for (int i = 0; i < 900 && !status.equals("ready") && !status.equals("error"); i++) {
            Thread.sleep(200);
            status = api.get("/templates/" + templateId + "/builds/" + buildId + "/status").json().get("status").asText();
        }
        assertThat(status).isEqualTo("ready");

        String src = create("snpbuilt");
        sh(src, "echo mine > /root/mine.txt");
        List<String> templateLayers = runtime.root(src).layers();
        assertThat(templateLayers).isNotEmpty();
        String snap = snapshot(src, "{}").get("snapshotID").asText();
        api.delete("/sandboxes/" + src);
        assertThat(api.delete("/templates/snpbuilt").status()).isEqualTo(204);
        for (String key : templateLayers) assertThat(runtime.layer(key)).as("a snapshot stands on " + key).isNotNull();

        String copy = create(snap);
        assertThat(sh(copy, "cat /home/user/built.txt /root/mine.txt")).isEqualTo("built\nmine\n");
        api.delete("/sandboxes/" + copy);
        assertThat(api.delete("/templates/" + snap).status()).isEqualTo(204);
        assertThat(runtime.layers()).as("the template's layers went with the last snapshot on them").isEmpty();
    }

    @Test
    void aSnapshotTakenOnAnotherVersionOfItsTemplateIsRefusedSayingWhy() throws Exception {
        snapshot(create("base"), "{\"name\":\"older\"}");
        assertThat(api.post("/v2/sandboxes", "{\"templateID\":\"older\"}").status()).isEqualTo(201);
        // as if Cove had been upgraded to another base recipe since the snapshot was taken
        try (var c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("api/cove.db"));
             var st = c.createStatement()) {
            assertThat(st.executeUpdate("UPDATE snapshots SET template_revision = 'base-0ld' WHERE name = 'older'"))
                    .isEqualTo(1);
        }
        Resp refused = api.post("/v2/sandboxes", "{\"templateID\":\"older\"}");
        assertThat(refused.status()).isEqualTo(409);
        assertThat(refused.json().get("message").asText()).contains("base-0ld", "Take the snapshot again");
    }

    @Test
    void aPausedSandboxIsCapturedAsItIsAndStaysPaused() {
        String frozen = create("base");
        sh(frozen, "echo frozen > /root/state");
        assertThat(api.post("/sandboxes/" + frozen + "/pause", "{}").status()).isEqualTo(204);
        String stopped = create("base");
        sh(stopped, "echo stopped > /root/state");
        assertThat(api.post("/sandboxes/" + stopped + "/pause", "{\"memory\":false}").status()).isEqualTo(204);

        for (String id : List.of(frozen, stopped)) {
            String snap = snapshot(id, "{}").get("snapshotID").asText();
            assertThat(api.get("/sandboxes/" + id).json().get("state").asText()).as("still paused").isEqualTo("paused");
            assertThat(sh(create(snap), "cat /root/state")).isEqualTo(id.equals(frozen) ? "frozen\n" : "stopped\n");
        }
        assertThat(runtime.pauseState(frozen)).isEqualTo(dev.cove.core.runtime.PauseState.FROZEN);
    }

    @Test
    void aForkOfAnUnknownOrKilledSandboxIs404AndAForksCaptureGoesWithItsForks() {
        assertThat(api.post("/sandboxes/nosuchsandbox0000000/fork", "{}").status()).isEqualTo(404);
        String src = create("base");
        sh(src, "echo forked > /root/f.txt");
        Resp forked = api.post("/sandboxes/" + src + "/fork", "{\"count\":2,\"timeout\":60}");
        assertThat(forked.status()).as(forked.toString()).isEqualTo(201);
        assertThat(forked.header("X-Cove-Snapshot-Contents")).contains("running processes are not");
        String a = forked.json().get(0).get("sandbox").get("sandboxID").asText();
        String b = forked.json().get(1).get("sandbox").get("sandboxID").asText();
        assertThat(sh(a, "cat /root/f.txt")).isEqualTo("forked\n");
        String capture = runtime.root(a).layers().getLast();
        assertThat(runtime.root(b).layers()).containsExactly(capture);
        assertThat(api.get("/snapshots").json()).as("a fork's capture is not a listed snapshot").isEmpty();

        api.delete("/sandboxes/" + a);
        api.plane().snapshots().collect();
        assertThat(runtime.layer(capture)).as("fork b still stacks it").isNotNull();
        api.delete("/sandboxes/" + b);
        api.plane().snapshots().collect();
        assertThat(runtime.layer(capture)).isNull();

        api.delete("/sandboxes/" + src);
        Resp killed = api.post("/sandboxes/" + src + "/fork", "{}");
        assertThat(killed.status()).isEqualTo(404);
        assertThat(killed.json().get("message").asText()).contains(src);
    }
}
