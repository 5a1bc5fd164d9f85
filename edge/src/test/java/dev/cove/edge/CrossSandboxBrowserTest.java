package dev.cove.edge;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cove.core.routing.PortAccessPolicy;
import dev.cove.core.routing.PortAccess;
import dev.cove.core.routing.SandboxRoute;
import dev.cove.core.routing.SandboxRoute.State;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Sandbox A's page attacks sandbox B's private port in a real headless Chromium, over the edge's TLS port: it tosses
 * cookies onto B (its own app's Set-Cookie with Domain = the whole Cove domain, and Cove's cookie name), POSTs to B
 * and opens a WebSocket to B while the browser holds B's link cookie, and uses the token-to-cookie redirect as an open
 * redirect. All of it fails, while B's own page, asset, fetch and WebSocket keep working with its cookie. Both apps
 * are real servers in a network namespace this test makes ({@code covetest-edge-*}); the browser reaches only the
 * edge on loopback.
 */
class CrossSandboxBrowserTest {
    static final String DOMAIN = EdgeProxyTest.DOMAIN;
    static final String VICTIM = "sbx0browser00victim0";
    static final String ATTACKER = "sbx0browser00attack0";
    static final String TOKEN = "victims-browser-token";
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir static Path dataDir;
    static TestNamespace ns;
    static MapSandboxDirectory directory = new MapSandboxDirectory();
    static EdgeServer edge;

    @BeforeAll
    static void start() throws Exception {
        ns = new TestNamespace();
        ns.startServer("0.0.0.0", 3000);
        ns.awaitListening(3000);
        PortAccessPolicy privatePorts = new PortAccessPolicy(false, false, PortAccess.PRIVATE, TOKEN, null, null);
        directory.put(new SandboxRoute(VICTIM, State.RUNNING, ns.path.toString(), null, null, null, privatePorts, false));
        directory.put(new SandboxRoute(ATTACKER, State.RUNNING, ns.path.toString(), null, null)); // public
        edge = new EdgeServer(EdgeProxyTest.config(dataDir, new InetSocketAddress(InetAddress.getLoopbackAddress(), 9)).build(),
                directory).start();
    }

    @AfterAll
    static void stop() throws Exception {
        if (edge != null) edge.close();
        if (ns != null) ns.close();
        assertThat(TestNamespace.run("ip", "netns", "list")).doesNotContain(ns.name);
    }

    static String origin(String sandbox) { return "https://3000-" + sandbox + "." + DOMAIN + ":" + edge.httpsPort(); }

    static int posts() throws Exception {
        String response = BrowserIsolationTest.exchangeOn(edge.httpPort(), BrowserIsolationTest.request("GET",
                "3000-" + ATTACKER + "." + DOMAIN, "/posts"));
        return JSON.readTree(response.substring(response.indexOf("\r\n\r\n") + 4)).get("posts").asInt();
    }

    static String waitForHref(HeadlessChromium browser, String expected) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        String href = "";
        while (System.nanoTime() < deadline) {
            try {
                href = browser.eval("location.href");
            } catch (IllegalStateException navigating) {
                Thread.sleep(100);
                continue;
            }
            if (href.equals(expected)) return href;
            Thread.sleep(100);
        }
        return href;
    }

    @Test
    void aSiblingSandboxsPageCannotReachIntoAnother() throws Exception {
        String victim = origin(VICTIM);
        try (HeadlessChromium browser = HeadlessChromium.open(victim + "/page?cove_token=" + TOKEN)) {
            assertThat(browser.waitForTitle("ws ok", Duration.ofSeconds(30))).as("B's page, asset, fetch and WebSocket")
                    .isEqualTo("ws ok");
            assertThat(browser.eval("location.href")).isEqualTo(victim + "/page");
            JsonNode own = cookie(browser, "__Host-cove_access", "3000-" + VICTIM + "." + DOMAIN);
            assertThat(own).as("B's link cookie, __Host- prefixed").isNotNull();
            assertThat(own.get("secure").asBoolean()).isTrue();
            assertThat(own.get("path").asText()).isEqualTo("/");

            int postsBefore = posts();
            browser.navigate(origin(ATTACKER) + "/attack?target=" + victim);
            assertThat(browser.waitForTitle("attack done", Duration.ofSeconds(30))).isEqualTo("attack done");
            JsonNode outcome = JSON.readTree(browser.eval("document.getElementById('result').textContent"));
            assertThat(outcome.get("toss").asInt()).as("A's app answered with its cookies").isEqualTo(200);
            assertThat(outcome.get("ws").asText()).as("WebSocket from A to B").isEqualTo("refused");
            assertThat(posts()).as("A's POST with B's cookie never reached B's app").isEqualTo(postsBefore);

            for (JsonNode c : browser.cookies()) {
                String name = c.get("name").asText();
                String domain = c.get("domain").asText();
                assertThat(domain).as("cookie " + name + " is host-only").doesNotStartWith(".").isNotEqualTo(DOMAIN);
                if (name.toLowerCase().contains("cove_")) {
                    assertThat(name).isEqualTo("__Host-cove_access");
                    assertThat(domain).isEqualTo("3000-" + VICTIM + "." + DOMAIN);
                    assertThat(c.get("value").asText()).as("not shadowed or replaced").isEqualTo(TOKEN);
                }
            }
            assertThat(cookie(browser, "app_session", "3000-" + ATTACKER + "." + DOMAIN)).as("A's own cookie stays on A").isNotNull();

            // The token-to-cookie redirect is not an open redirect: //evil.invalid/x lands on B's own root.
            browser.navigate(victim + "//evil.invalid/x?cove_token=" + TOKEN);
            assertThat(waitForHref(browser, victim + "/")).isEqualTo(victim + "/");

            // B itself still works with its cookie, WebSocket included.
            browser.navigate(victim + "/page");
            assertThat(browser.waitForTitle("ws ok", Duration.ofSeconds(30))).isEqualTo("ws ok");
        }
    }

    private static JsonNode cookie(HeadlessChromium browser, String name, String domain) throws Exception {
        for (JsonNode c : browser.cookies()) {
            if (c.get("name").asText().equals(name) && c.get("domain").asText().equals(domain)) return c;
        }
        return null;
    }
}
