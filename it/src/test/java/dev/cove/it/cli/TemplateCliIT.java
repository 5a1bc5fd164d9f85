package dev.cove.it.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cove.it.CoveServerProcess;
import dev.cove.it.HostResources;
import dev.cove.sdk.CoveConfig;
import dev.cove.sdk.Sandbox;
import dev.cove.sdk.errors.CoveException;
import dev.cove.sdk.templates.ReadyCmd;
import dev.cove.sdk.templates.Template;
import dev.cove.sdk.templates.Templates;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * {@code cove template build|list|delete} and the Java SDK's template builder against a real server (offline: the
 * steps reach nothing): a Dockerfile subset (FROM, COPY, ENV, WORKDIR, RUN, CMD with --ready-port) becomes a template
 * whose sandboxes have the files and whose server answers at once; the SDK builds on it with fromTemplate; a second
 * build takes every layer from the cache; an unsupported instruction is refused with its line; a failing step fails
 * the build with its output; templates survive a restart of the server.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class TemplateCliIT {
    private static final String PREFIX = "covetpi";
    private static CoveServerProcess server;
    private static Path dir;
    private static final String NAME = "clitpl-" + Long.toString(System.nanoTime() % 1_000_000_000L, 36);

    @BeforeAll
    static void start() throws Exception {
        dir = Files.createTempDirectory("cove-it-tplcli");
        server = new CoveServerProcess(dir.resolve("data"), PREFIX, "10.241.0.0/16", "fd63:6f41::/32").start();
        Path site = Files.createDirectories(dir.resolve("ctx/site"));
        Files.writeString(site.resolve("index.html"), "page from the cli");
        Files.writeString(dir.resolve("ctx/Dockerfile"), """
                # a Dockerfile subset
                FROM base
                COPY site /srv/site
                ENV GREETING=hello \\
                    OTHER=x
                WORKDIR /srv/site
                RUN echo "$GREETING $OTHER" > greeting.txt
                CMD ["python3", "-m", "http.server", "8080"]
                """);
    }

    @AfterAll
    static void stop() throws Exception {
        if (server != null) server.close();
        assertThat(HostResources.allLeftovers(PREFIX, dir)).isEmpty();
        HostResources.removeEmptyCgroupParents(PREFIX);
        HostResources.deleteTree(dir);
    }

    private static CoveConfig config() {
        return CoveConfig.builder().domain(CoveServerProcess.DOMAIN + ":" + server.httpsPort)
                .apiKey(CoveServerProcess.API_KEY).caCert(server.caCert()).build();
    }

    private static CliIT.Run cove(String... args) throws Exception {
        return CliIT.run(CliIT.env(server.dataDir), null, args);
    }

    private static String exec(Sandbox s, String script) {
        return s.commands().run(script).stdout().strip();
    }

    @Test
    @Order(1)
    void aDockerfileBecomesATemplateWhoseServerAnswersAtOnce() throws Exception {
        CliIT.Run built = cove("template", "build", NAME, "-f", dir.resolve("ctx/Dockerfile").toString(), "--ready-port", "8080");
        assertThat(built.exitCode()).as(built.stdout() + built.stderr()).isZero();
        assertThat(built.stdout()).contains("Uploaded 'site'", "[1/4] COPY site /srv/site", "[4/4] RUN", "[finalize] ready in",
                "template " + NAME);
        JsonNode list = cove("template", "list", "--json").json();
        assertThat(list.findValuesAsText("name")).contains(NAME);
        Sandbox s = Sandbox.builder().template(NAME).config(config()).create();
        try {
            assertThat(exec(s, "curl -s localhost:8080/index.html; echo; cat /srv/site/greeting.txt; echo $GREETING"))
                    .isEqualTo("page from the cli\nhello x\nhello");
        } finally {
            s.kill();
        }
    }

    /**
     * A restarted server still has the template (its database row, its layers): lists it, creates from it, and its
     * server answers.
     */
    @Test
    @Order(2)
    void templatesSurviveARestartOfTheServer() throws Exception {
        server.close();
        server = new CoveServerProcess(server.dataDir, PREFIX, "10.241.0.0/16", "fd63:6f41::/32").start();
        assertThat(Templates.list(config())).anyMatch(i -> NAME.equals(i.name()) && "ready".equals(i.buildStatus()));
        Sandbox s = Sandbox.builder().template(NAME).config(config()).create();
        try {
            assertThat(exec(s, "curl -s localhost:8080/index.html")).isEqualTo("page from the cli");
        } finally {
            s.kill();
        }
    }

    @Test
    @Order(3)
    void theJavaBuilderBuildsOnItAndARebuildIsAllCached() throws Exception {
        String child = NAME + "-sdk";
        Template t = Template.create(dir.resolve("ctx")).fromTemplate(NAME)
                .runCmd("echo from-java > /home/user/java.txt")
                .copy("site/index.html", "/home/user/copied.html")
                .setStartCmd("python3 -m http.server 8081", ReadyCmd.waitForPort(8081));
        List<String> first = new ArrayList<>();
        Templates.build(t, child, first::add, config());
        assertThat(first).anyMatch(l -> l.startsWith("[1/2] RUN echo from-java"));
        List<String> again = new ArrayList<>();
        Templates.build(t, child, again::add, config());
        assertThat(again).contains("Skipping upload of 'site/index.html', already cached");
        assertThat(again.stream().filter(l -> l.startsWith("CACHED ["))).hasSize(2);
        Sandbox s = Sandbox.builder().template(child).config(config()).create();
        try {
            assertThat(exec(s, "cat /home/user/java.txt /home/user/copied.html; echo; cat /srv/site/greeting.txt; curl -s localhost:8081/index.html"))
                    .isEqualTo("from-java\npage from the cli\nhello x\npage from the cli");
        } finally {
            s.kill();
        }
        Templates.delete(child, config());
        assertThat(Templates.list(config())).noneMatch(i -> child.equals(i.name()));
    }

    @Test
    @Order(4)
    void badDockerfilesAndFailingStepsSaySo() throws Exception {
        Files.writeString(dir.resolve("ctx/Bad.dockerfile"), "FROM base\nRUN true\nHEALTHCHECK CMD true\n");
        CliIT.Run bad = cove("template", "build", NAME + "-bad", "-f", dir.resolve("ctx/Bad.dockerfile").toString());
        assertThat(bad.exitCode()).isEqualTo(2);
        assertThat(bad.stderr()).contains("line 3", "HEALTHCHECK");
        assertThatThrownBy(() -> Templates.build(Template.create().fromBaseImage().runCmd("echo nope >&2; exit 4"),
                NAME + "-fail", null, config()))
                .isInstanceOfSatisfying(CoveException.class, e -> {
                    assertThat(e.code()).isEqualTo("build_failed");
                    assertThat(e.getMessage()).contains("step 1", "exit code 4", "nope");
                });
        Templates.delete(NAME + "-fail", config());
        CliIT.Run deleted = cove("template", "delete", NAME);
        assertThat(deleted.exitCode()).as(deleted.stderr()).isZero();
        assertThat(cove("template", "delete", NAME).exitCode()).isEqualTo(3);
    }
}
