package dev.cove.api.templates;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cove.api.testing.Resp;
import dev.cove.api.testing.TestPlane;
import dev.cove.core.runtime.ExecResult;
import dev.cove.core.runtime.SandboxRuntime;
import dev.cove.runtime.OciRuntime;
import dev.cove.runtime.RuntimeConfig;
import dev.cove.runtime.egress.EgressConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The template build API against a real control plane and runtime, offline (no step reaches beyond the host): bad
 * input answers with a sentence; an upload link takes the tar once with its token and then says the context is
 * present; a build's steps (ENV, COPY of the uploaded tar, WORKDIR, RUN as user) make a template that sandboxes are
 * created from by name and by id, with its files and env and its start command ready; it survives a restart of the
 * control plane; unsupported steps and unreadable images fail the build at their step; deleting is refused while a
 * sandbox uses the template.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class TemplateBuildApiTest {
    private static final String HASH = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    private static final Duration T = Duration.ofSeconds(30);

    @TempDir
    static Path dir;
    private SandboxRuntime runtime;
    private TestPlane api;
    private final String name = "apitpl-" + Long.toString(System.nanoTime() % 1_000_000_000L, 36);
    private String templateId;

    @BeforeAll
    void start() throws IOException {
        // layers live in the template directory: a private one, the cached base linked in
        Path templates = Files.createDirectories(dir.resolve("templates"));
        Path shared = Path.of(System.getenv().getOrDefault("COVE_TEMPLATE_CACHE", "/var/cache/cove/templates"));
        try (var built = Files.list(shared)) {
            for (Path t : built.filter(p -> p.getFileName().toString().startsWith("base-") && Files.isDirectory(p)).toList())
                Files.createSymbolicLink(templates.resolve(t.getFileName()), t);
        }
        runtime = new OciRuntime(RuntimeConfig.defaults(dir.resolve("runtime")).withTemplateDir(templates)
                .withResourcePrefix("covetpl").withPool("10.240.0.0/16", "fd63:6f40::/32")
                .withEgress(EgressConfig.DEFAULT.withDenyOut(List.of("0.0.0.0/0", "::/0"))
                        .withDnsUpstreams(List.of("127.0.0.1:9"))));
        api = TestPlane.start(dir.resolve("api"), runtime);
    }

    @AfterAll
    void stop() {
        try {
            if (api != null) {
                api.killAll();
                api.delete("/templates/" + name);
                api.close();
            }
        } finally {
            if (runtime != null) runtime.close();
        }
    }

    @Test
    @Order(1)
    void badRequestsAreRefusedWithASentence() {
        assertThat(api.post("/v3/templates", "{}").status()).isEqualTo(400);
        Resp bad = api.post("/v3/templates", "{\"name\":\"Not A Name\"}");
        assertThat(bad.status()).isEqualTo(400);
        assertThat(bad.json().get("message").asText()).contains("Invalid template name");
        Resp base = api.post("/v3/templates", "{\"name\":\"base\"}");
        assertThat(base.status()).isEqualTo(409);
        assertThat(api.get("/templates/nosuchtemplate").status()).isEqualTo(404);
        assertThat(api.delete("/templates/nosuchtemplate").json().get("code").asInt()).isEqualTo(404);
    }

    @Test
    @Order(2)
    void anUploadLinkTakesTheTarOnceWithItsToken() throws Exception {
        Resp requested = api.post("/v3/templates", "{\"name\":\"" + name + "\",\"cpuCount\":1,\"memoryMB\":256}");
        assertThat(requested.status()).as(requested.toString()).isEqualTo(202);
        templateId = requested.json().get("templateID").asText();
        assertThat(requested.json().get("names").get(0).asText()).isEqualTo(name);
        assertThat(api.get("/templates/" + templateId + "/files/nothex").status()).isEqualTo(400);
        Resp link = api.get("/templates/" + templateId + "/files/" + HASH);
        assertThat(link.status()).isEqualTo(201);
        assertThat(link.json().get("present").asBoolean()).isFalse();
        String url = link.json().get("url").asText();
        assertThat(url).startsWith("http://127.0.0.1:").contains("/templates/" + templateId + "/files/" + HASH + "?token=");

        Path ctx = Files.createDirectories(dir.resolve("ctx/site"));
        Files.writeString(ctx.resolve("index.html"), "copied page");
        Path tar = dir.resolve("ctx.tar.gz");
        Process p = new ProcessBuilder("tar", "-czf", tar.toString(), "-C", dir.resolve("ctx").toString(), "site",
                "site/index.html").redirectErrorStream(true).start();
        assertThat(p.waitFor()).isZero();
        HttpClient http = HttpClient.newHttpClient();
        HttpResponse<String> noToken = http.send(HttpRequest.newBuilder(URI.create(url.substring(0, url.indexOf('?'))))
                .PUT(HttpRequest.BodyPublishers.ofFile(tar)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(noToken.statusCode()).isEqualTo(401);
        HttpResponse<String> put = http.send(HttpRequest.newBuilder(URI.create(url))
                .PUT(HttpRequest.BodyPublishers.ofFile(tar)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(put.statusCode()).isEqualTo(200);
        HttpResponse<String> again = http.send(HttpRequest.newBuilder(URI.create(url))
                .PUT(HttpRequest.BodyPublishers.ofFile(tar)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(again.statusCode()).as("a link is good for one upload").isEqualTo(401);
        assertThat(api.get("/templates/" + templateId + "/files/" + HASH).json().get("present").asBoolean()).isTrue();
    }

    @Test
    @Order(3)
    void aBuildMakesATemplateSandboxesStartFrom() {
        String buildId = api.post("/v3/templates", "{\"name\":\"" + name + "\"}").json().get("buildID").asText();
        assertThat(status(buildId).get("status").asText()).isEqualTo("waiting");
        String body = """
                {"fromImage":"e2bdev/base","force":false,
                 "startCmd":"python3 -m http.server 8090","readyCmd":"[ -n \\"$(ss -Htuln sport = :8090)\\" ]",
                 "steps":[
                   {"type":"ENV","args":["GREETING","hi there"]},
                   {"type":"COPY","args":["site","/srv/site","",""],"filesHash":"%s"},
                   {"type":"WORKDIR","args":["/srv/site"]},
                   {"type":"RUN","args":["echo \\"$GREETING from $(id -un) in $(pwd)\\" > made.txt; echo step-output-line"]}
                 ]}""".formatted(HASH);
        Resp started = api.post("/v2/templates/" + templateId + "/builds/" + buildId, body);
        assertThat(started.status()).as(started.toString()).isEqualTo(202);
        assertThat(api.post("/v2/templates/" + templateId + "/builds/" + buildId, body).status()).isEqualTo(409);
        JsonNode done = waitForBuild(buildId);
        assertThat(done.get("status").asText()).as(done.toString()).isEqualTo("ready");
        String logs = logText(buildId);
        assertThat(logs).contains("[2/4] COPY site /srv/site", "[4/4] RUN", "step-output-line", "[finalize] ready in");

        for (String ref : List.of(name, templateId)) {
            JsonNode sbx = api.create("{\"templateID\":\"" + ref + "\",\"envVars\":{\"OWN\":\"mine\"}}");
            String id = sbx.get("sandboxID").asText();
            assertThat(sbx.get("templateID").asText()).isEqualTo(templateId);
            assertThat(sbx.get("alias").asText()).isEqualTo(name);
            assertThat(exec(id, "cat /srv/site/index.html; echo; cat /srv/site/made.txt; echo $GREETING-$OWN; "
                    + "stat -c %U /srv/site/index.html; curl -s localhost:8090/index.html"))
                    .isEqualTo("copied page\nhi there from user in /srv/site\nhi there-mine\nuser\ncopied page");
        }
        Resp alias = api.get("/templates/aliases/" + name);
        assertThat(alias.json().get("templateID").asText()).isEqualTo(templateId);
    }

    @Test
    @Order(4)
    void templatesSurviveARestartOfTheControlPlane() {
        api.stopKeepingSandboxes();
        api = TestPlane.start(dir.resolve("api"), runtime);
        Resp got = api.get("/templates/" + name);
        assertThat(got.status()).isEqualTo(200);
        assertThat(got.json().get("templateID").asText()).isEqualTo(templateId);
        assertThat(got.json().get("builds")).hasSize(2);
        assertThat(got.json().get("layersBytes").asLong()).isPositive();
        String id = api.create("{\"templateID\":\"" + name + "\",\"timeout\":600}").get("sandboxID").asText();
        assertThat(exec(id, "cat /srv/site/made.txt")).isEqualTo("hi there from user in /srv/site");
    }

    @Test
    @Order(5)
    void unsupportedStepsAndUnreadableImagesFailTheBuildAtTheirStep() {
        String b1 = api.post("/v3/templates", "{\"name\":\"" + name + "\"}").json().get("buildID").asText();
        api.post("/v2/templates/" + templateId + "/builds/" + b1,
                "{\"fromImage\":\"e2bdev/base\",\"steps\":[{\"type\":\"ENV\",\"args\":[\"A\",\"1\"]},{\"type\":\"HEALTHCHECK\",\"args\":[]}]}");
        JsonNode failed = waitForBuild(b1);
        assertThat(failed.get("status").asText()).isEqualTo("error");
        assertThat(failed.get("reason").get("step").asText()).isEqualTo("2");
        assertThat(failed.get("reason").get("message").asText()).contains("HEALTHCHECK");

        String b2 = api.post("/v3/templates", "{\"name\":\"" + name + "\"}").json().get("buildID").asText();
        // a registry on a closed loopback port: nothing leaves the host
        api.post("/v2/templates/" + templateId + "/builds/" + b2, "{\"fromImage\":\"127.0.0.1:1/none/here:1\"}");
        JsonNode image = waitForBuild(b2);
        assertThat(image.get("reason").get("step").asText()).isEqualTo("base");
        assertThat(image.get("reason").get("message").asText()).contains("127.0.0.1:1/none/here:1", "registry '127.0.0.1:1'");
        // more file-changing steps than one sandbox can stack: refused at the first one too many, with what to do
        StringBuilder many = new StringBuilder("{\"fromImage\":\"e2bdev/base\",\"steps\":[");
        for (int i = 0; i < 41; i++) many.append(i == 0 ? "" : ",").append("{\"type\":\"RUN\",\"args\":[\"echo ").append(i).append(" > /tmp/").append(i).append("\"]}");
        String b3 = api.post("/v3/templates", "{\"name\":\"" + name + "\"}").json().get("buildID").asText();
        api.post("/v2/templates/" + templateId + "/builds/" + b3, many.append("]}").toString());
        JsonNode tooMany = waitForBuild(b3);
        assertThat(tooMany.get("reason").get("step").asText()).isEqualTo("41");
        assertThat(tooMany.get("reason").get("message").asText()).contains("at most 40 layers", "&&");
        // the template still starts from its last ready build
        assertThat(api.get("/templates/aliases/" + name).status()).isEqualTo(200);
        assertThat(api.post("/v2/templates/" + templateId + "/builds/" + b2, "{\"steps\":[]}").status())
                .as("exactly one of fromImage and fromTemplate").isEqualTo(400);
    }

    @Test
    @Order(6)
    void aTemplateInUseIsNotDeleted() {
        Resp refused = api.delete("/templates/" + name);
        assertThat(refused.status()).isEqualTo(409);
        assertThat(refused.json().get("message").asText()).contains("in use by");
        api.killAll();
        assertThat(api.delete("/templates/" + templateId).status()).isEqualTo(204);
        assertThat(api.get("/templates/aliases/" + name).status()).isEqualTo(404);
        assertThat(api.post("/sandboxes", "{\"templateID\":\"" + name + "\"}").status()).isEqualTo(404);
        assertThat(runtime.layers()).as("its layers went with it").isEmpty();
    }

    private JsonNode status(String buildId) {
        Resp r = api.get("/templates/" + templateId + "/builds/" + buildId + "/status");
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        return r.json();
    }

    private String logText(String buildId) {
        StringBuilder b = new StringBuilder();
        for (JsonNode e : status(buildId).get("logEntries")) b.append(e.get("message").asText()).append('\n');
        return b.toString();
    }

    private JsonNode waitForBuild(String buildId) {
        long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
        while (System.nanoTime() < deadline) {
            JsonNode s = status(buildId);
            String st = s.get("status").asText();
            if (st.equals("ready") || st.equals("error")) return s;
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
        throw new AssertionError("build " + buildId + " did not end in 3 minutes");
    }

    private String exec(String id, String script) {
        ExecResult r = runtime.exec(id, "user", List.of("bash", "-c", script), T);
        assertThat(r.exitCode()).as("exit of %s (stderr: %s)", script, r.stderr()).isZero();
        return r.stdout().strip();
    }

}
