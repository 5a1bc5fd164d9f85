package dev.cove.it;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cove.edge.HeadlessChromium;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Port access through a real server, its edge and real sandboxes, under Cove's shipped default (ports private):
 * each policy's answers, share links and their carriers, exposure windows, expose with readiness, the audit trail,
 * and that no token reaches a log line, an upstream request or an error body.
 */
class PortAccessIT {
    static final String PREFIX = "coveport";
    static Path dataDir;
    static CoveServerProcess server;
    static final List<String> created = new ArrayList<>();
    static final List<String> secrets = new ArrayList<>();
    static HttpClient http;
    static HttpClient https;
    /** One sandbox with the test server on 3000 (private by default) and 3001 (public at create). */
    static String sbx;
    static String token;

    @BeforeAll
    static void start() throws Exception {
        dataDir = Files.createTempDirectory("cove-it-ports");
        server = new CoveServerProcess(dataDir, PREFIX, "10.219.0.0/16", "fd63:6f89::/32",
                "--default-port-access", "private").start(); // the shipped default
        http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        https = HttpClient.newBuilder().sslContext(server.trustCoveCa()).connectTimeout(Duration.ofSeconds(5)).build();
        JsonNode sandbox = create("{\"templateID\":\"base\",\"timeout\":300,\"portAccess\":{\"ports\":{\"3001\":\"public\"}}}");
        sbx = sandbox.get("sandboxID").asText();
        token = sandbox.get("trafficAccessToken").asText();
        secrets.add(token);
        install(sbx);
        startServer(sbx, 3000);
        startServer(sbx, 3001);
    }

    @AfterAll
    static void stop() throws Exception {
        if (http != null) http.close();
        if (https != null) https.close();
        if (server == null) return;
        for (String id : created) server.api("DELETE", "/sandboxes/" + id, null);
        server.close();
        String log = server.logText();
        assertThat(log).as("the server log has the exposures").contains("exposed (");
        for (String secret : secrets) assertThat(log).as("no token in the server log").doesNotContain(secret);
        assertThat(HostResources.allLeftovers(PREFIX, dataDir)).as("nothing of any sandbox outlives the tests").isEmpty();
        HostResources.removeEmptyCgroupParents(PREFIX);
        HostResources.deleteTree(dataDir);
    }

    // ---------------------------------------------------------------------------------------------- policies

    @Test
    void aPrivatePortWantsTheTokenAndThePublicOneDoesNot() throws Exception {
        HttpResponse<String> none = get(url(sbx, 3000, "/"));
        assertThat(none.statusCode()).isEqualTo(401);
        assertThat(json(none).get("code").asText()).isEqualTo("token_required");
        assertThat(none.headers().firstValue("X-Cove-Error")).hasValue("token_required");

        HttpResponse<String> wrong = get(url(sbx, 3000, "/"), "e2b-traffic-access-token", "0".repeat(64));
        assertThat(wrong.statusCode()).isEqualTo(403);
        assertThat(json(wrong).get("code").asText()).isEqualTo("token_invalid");

        HttpResponse<String> right = get(url(sbx, 3000, "/"), "e2b-traffic-access-token", token);
        assertThat(right.statusCode()).isEqualTo(200);
        assertThat(json(right).get("trafficToken").isNull()).as("the token is not forwarded").isTrue();

        HttpResponse<String> bearer = get(url(sbx, 3000, "/"), "Authorization", "Bearer " + token);
        assertThat(bearer.statusCode()).isEqualTo(200);
        assertThat(json(bearer).get("authorization").isNull()).as("Cove's Bearer token is taken out").isTrue();

        HttpResponse<String> appAuth = get(url(sbx, 3000, "/"), "e2b-traffic-access-token", token,
                "Authorization", "Bearer the-apps-own-token");
        assertThat(json(appAuth).get("authorization").asText()).as("the app's own Authorization passes")
                .isEqualTo("Bearer the-apps-own-token");

        HttpResponse<String> open = get(url(sbx, 3001, "/"));
        assertThat(open.statusCode()).as("port 3001 was made public at create").isEqualTo(200);

        HttpResponse<String> html = get(url(sbx, 3000, "/"), "User-Agent", "Mozilla/5.0 Chrome/156", "Accept", "text/html");
        assertThat(html.statusCode()).isEqualTo(401);
        assertThat(html.headers().firstValue("Content-Type").orElse("")).startsWith("text/html");
    }

    // ---------------------------------------------------------------------------------------------- links

    @Test
    void aShareLinkOpensOnePortInEveryCarrierAndTheBrowserGetsACookie() throws Exception {
        JsonNode link = ok(server.api("POST", "/sandboxes/" + sbx + "/ports/3000/links", "{\"ttlSeconds\":600}"), 201);
        String linkToken = link.get("token").asText();
        secrets.add(linkToken);
        assertThat(linkToken).startsWith("cove_link_");
        assertThat(link.get("lifetime").asBoolean()).isFalse();
        assertThat(Instant.parse(link.get("expiresAt").asText())).isBefore(Instant.now().plusSeconds(601));
        URI linkUrl = URI.create(link.get("url").asText().replace("https://", "http://")
                .replace(":" + server.httpsPort, ":" + server.httpPort));
        assertThat(linkUrl.getQuery()).startsWith("cove_token=");

        HttpResponse<String> script = get(URI.create(linkUrl.toString().replace("/?", "/?a=1&")));
        assertThat(script.statusCode()).as("a program with the link in the query is served directly").isEqualTo(200);
        assertThat(json(script).get("path").asText()).as("the app never sees the token").isEqualTo("/?a=1");

        assertThat(get(url(sbx, 3000, "/"), "Authorization", "Bearer " + linkToken).statusCode()).isEqualTo(200);
        assertThat(get(url(sbx, 3000, "/"), "X-Cove-Access-Token", linkToken).statusCode()).isEqualTo(200);
        HttpResponse<String> other = get(url(sbx, 3001, "/"), "Authorization", "Bearer " + linkToken);
        assertThat(other.statusCode()).isEqualTo(200);
        assertThat(json(other).get("authorization").isNull()).as("Cove's Bearer token on a public port does not reach the app either")
                .isTrue();

        // a browser navigation: 303 to the clean URL with a host-scoped HttpOnly cookie, over TLS
        URI secureLink = URI.create(link.get("url").asText());
        HttpResponse<String> nav = https.send(HttpRequest.newBuilder(secureLink).header("User-Agent", "Mozilla/5.0 Chrome/156")
                .header("Accept", "text/html").build(), HttpResponse.BodyHandlers.ofString());
        assertThat(nav.statusCode()).isEqualTo(303);
        assertThat(nav.headers().firstValue("Location")).hasValue("/");
        String cookie = nav.headers().firstValue("Set-Cookie").orElseThrow();
        assertThat(cookie).startsWith("__Host-cove_access=" + linkToken + ";").contains("HttpOnly", "Secure", "SameSite=Lax", "Path=/")
                .doesNotContain("Domain=");
        HttpResponse<String> withCookie = https.send(HttpRequest.newBuilder(secureLink.resolve("/"))
                .header("Cookie", "theme=dark; __Host-cove_access=" + linkToken).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(withCookie.statusCode()).isEqualTo(200);
        assertThat(json(withCookie).get("cookie").asText()).as("Cove's cookie is not forwarded, the app's is").isEqualTo("theme=dark");

        HttpResponse<String> wrongPort = get(url(sbx, 3000, "/").resolve("/"), "X-Cove-Access-Token",
                linkToken.substring(0, linkToken.length() - 2) + "xx");
        assertThat(wrongPort.statusCode()).as("a forged signature").isEqualTo(403);
        assertThat(json(wrongPort).get("code").asText()).isEqualTo("token_invalid");

        ok(server.api("DELETE", "/sandboxes/" + sbx + "/links/" + link.get("id").asText(), null), 204);
        HttpResponse<String> revoked = get(url(sbx, 3000, "/"), "X-Cove-Access-Token", linkToken);
        assertThat(revoked.statusCode()).isEqualTo(403);
        assertThat(json(revoked).get("code").asText()).isEqualTo("link_revoked");
        assertThat(revoked.body()).doesNotContain(linkToken);
    }

    /**
     * Another site's page posting to a private port with the visitor's Cove cookie is refused (cross_origin_refused)
     * until the port's rule opts out with expose's {@code crossSite}; the listing shows the choice.
     */
    @Test
    void crossSiteRequestsWithTheCookieAreRefusedUnlessThePortOptsOut() throws Exception {
        JsonNode link = ok(server.api("POST", "/sandboxes/" + sbx + "/ports/3000/links", "{\"ttlSeconds\":600}"), 201);
        String token = link.get("token").asText();
        secrets.add(token);
        URI page = URI.create(link.get("url").asText()).resolve("/form");
        java.util.function.Supplier<HttpRequest> crossSitePost = () -> HttpRequest.newBuilder(page)
                .header("Cookie", "__Host-cove_access=" + token).header("Origin", "https://evil.invalid")
                .header("Sec-Fetch-Site", "cross-site").POST(HttpRequest.BodyPublishers.ofString("a=1")).build();
        HttpResponse<String> refused = https.send(crossSitePost.get(), HttpResponse.BodyHandlers.ofString());
        assertThat(refused.statusCode()).isEqualTo(403);
        assertThat(json(refused).get("code").asText()).isEqualTo("cross_origin_refused");
        try {
            JsonNode exposed = ok(server.api("POST", "/sandboxes/" + sbx + "/ports/3000/expose", "{\"crossSite\":true}"), 200);
            assertThat(exposed.get("crossSite").asBoolean()).isTrue();
            HttpResponse<String> taken = https.send(crossSitePost.get(), HttpResponse.BodyHandlers.ofString());
            assertThat(taken.statusCode()).as(taken.body()).isEqualTo(200);
            JsonNode listed = ok(server.api("GET", "/sandboxes/" + sbx + "/ports", null), 200);
            assertThat(listed.get("exposed").findValues("crossSite").stream().anyMatch(JsonNode::asBoolean)).isTrue();
        } finally {
            ok(server.api("POST", "/sandboxes/" + sbx + "/ports/3000/expose", "{\"crossSite\":false}"), 200);
        }
        assertThat(https.send(crossSitePost.get(), HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(403);
    }

    /**
     * A person opens a share link in a real browser: the token becomes an HttpOnly cookie and leaves the address bar;
     * the page's script, its fetch and its WebSocket all work with the cookie alone.
     */
    @Test
    void aLinkOpensInARealBrowserWithPageAssetsFetchAndWebSocket() throws Exception {
        JsonNode link = ok(server.api("POST", "/sandboxes/" + sbx + "/ports/3000/links", "{\"ttlSeconds\":600}"), 201);
        secrets.add(link.get("token").asText());
        String pageUrl = link.get("url").asText().replace("/?cove_token=", "/page?cove_token=");
        try (HeadlessChromium browser = HeadlessChromium.open(pageUrl)) {
            assertThat(browser.waitForTitle("ws ok", Duration.ofSeconds(30))).as("page, asset, fetch and WebSocket worked")
                    .isEqualTo("ws ok");
            assertThat(browser.eval("location.href")).isEqualTo("https://3000-" + sbx + "." + CoveServerProcess.DOMAIN
                    + ":" + server.httpsPort + "/page");
            assertThat(browser.eval("document.cookie")).as("HttpOnly: scripts cannot read it").doesNotContain("cove_access");
            JsonNode cookie = null;
            for (JsonNode c : browser.cookies()) if (c.get("name").asText().equals("__Host-cove_access")) cookie = c;
            assertThat(cookie).as("the browser keeps the link's cookie").isNotNull();
            assertThat(cookie.get("domain").asText()).isEqualTo("3000-" + sbx + "." + CoveServerProcess.DOMAIN);
            assertThat(cookie.get("httpOnly").asBoolean()).isTrue();
            assertThat(cookie.get("secure").asBoolean()).isTrue();
            assertThat(cookie.get("sameSite").asText()).isEqualTo("Lax");
            assertThat(cookie.get("value").asText()).isEqualTo(link.get("token").asText());
        }
    }

    @Test
    void linksExpireWindowsCloseAndUnexposeClosesAtOnce() throws Exception {
        JsonNode shortLink = ok(server.api("POST", "/sandboxes/" + sbx + "/ports/3000/links", "{\"ttlSeconds\":1}"), 201);
        String shortToken = shortLink.get("token").asText();
        secrets.add(shortToken);
        await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
            HttpResponse<String> expired = get(url(sbx, 3000, "/"), "X-Cove-Access-Token", shortToken);
            assertThat(expired.statusCode()).isEqualTo(403);
            assertThat(json(expired).get("code").asText()).isEqualTo("token_expired");
        });

        // a window on port 3001 (public): open, then 403 exposure_expired when it ends
        JsonNode exposed = ok(server.api("POST", "/sandboxes/" + sbx + "/ports/3001/expose",
                "{\"access\":\"public\",\"ttlSeconds\":2}"), 200);
        assertThat(exposed.get("state").asText()).isEqualTo("open");
        assertThat(get(url(sbx, 3001, "/")).statusCode()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(6)).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
            HttpResponse<String> over = get(url(sbx, 3001, "/"));
            assertThat(over.statusCode()).isEqualTo(403);
            assertThat(json(over).get("code").asText()).isEqualTo("exposure_expired");
            assertThat(json(over).get("reason").asText()).isEqualTo("window_ended");
        });
        ok(server.api("POST", "/sandboxes/" + sbx + "/ports/3001/expose", "{\"access\":\"public\"}"), 200);
        assertThat(get(url(sbx, 3001, "/")).statusCode()).as("exposed again").isEqualTo(200);

        ok(server.api("DELETE", "/sandboxes/" + sbx + "/ports/3001/expose", null), 204);
        HttpResponse<String> closed = get(url(sbx, 3001, "/"));
        assertThat(closed.statusCode()).isEqualTo(403);
        assertThat(json(closed).get("reason").asText()).isEqualTo("unexposed");
        JsonNode ports = ok(server.api("GET", "/sandboxes/" + sbx + "/ports", null), 200);
        assertThat(ports.get("exposed").findValuesAsText("state")).contains("closed");
        ok(server.api("POST", "/sandboxes/" + sbx + "/ports/3001/expose", "{\"access\":\"public\"}"), 200);
    }

    // ---------------------------------------------------------------------------------------------- readiness

    @Test
    void exposeReturnsAUrlOnlyForAServerThatAnswersThroughTheEdge() throws Exception {
        JsonNode done = ok(server.api("POST", "/sandboxes/" + sbx + "/ports/3000/expose",
                "{\"access\":\"link\",\"readiness\":{\"type\":\"http\",\"path\":\"/status?code=200\",\"status\":200},"
                        + "\"link\":{\"ttlSeconds\":600}}"), 200);
        assertThat(done.get("url").asText()).isEqualTo("https://3000-" + sbx + "." + CoveServerProcess.DOMAIN + ":"
                + server.httpsPort + "/");
        assertThat(done.get("access").asText()).isEqualTo("link");
        assertThat(done.get("token").asText()).isEqualTo(token);
        secrets.add(done.get("link").get("token").asText());
        HttpResponse<String> viaLink = https.send(HttpRequest.newBuilder(URI.create(done.get("link").get("url").asText()))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(viaLink.statusCode()).isEqualTo(200);

        HttpResponse<String> nothing = server.api("POST", "/sandboxes/" + sbx + "/ports/3999/expose", "{\"timeoutSeconds\":1}");
        assertThat(nothing.statusCode()).isEqualTo(409);
        assertThat(json(nothing).get("error_code").asText()).isEqualTo("port_not_listening");
        assertThat(json(nothing).get("listening").toString()).contains("3000", "3001");

        HttpResponse<String> status = server.api("POST", "/sandboxes/" + sbx + "/ports/3000/expose",
                "{\"readiness\":{\"type\":\"http\",\"path\":\"/status?code=503\",\"status\":200},\"timeoutSeconds\":1}");
        assertThat(status.statusCode()).isEqualTo(409);
        assertThat(json(status).get("error_code").asText()).isEqualTo("unexpected_status");
        assertThat(json(status).get("status").asInt()).isEqualTo(503);

        // a server that crashes: the agent API started it, so expose knows it ended
        int pid = startThroughAgent(sbx, "python3 -c 'import sys; sys.exit(3)'");
        HttpResponse<String> crashed = server.api("POST", "/sandboxes/" + sbx + "/ports/3500/expose",
                "{\"pid\":" + pid + ",\"timeoutSeconds\":20}");
        assertThat(crashed.statusCode()).isEqualTo(409);
        assertThat(json(crashed).get("error_code").asText()).isEqualTo("process_exited");
        assertThat(json(crashed).get("status").asText()).isEqualTo("exit status 3");

        JsonNode listed = ok(server.api("GET", "/sandboxes/" + sbx + "/ports", null), 200);
        assertThat(listed.get("defaultAccess").asText()).isEqualTo("private");
        JsonNode on3000 = find(listed.get("listening"), 3000);
        assertThat(on3000.get("address").asText()).isEqualTo("0.0.0.0");
        assertThat(on3000.get("command").asText()).contains("python3", "/tmp/server.py");
        assertThat(on3000.get("pid").asLong()).isPositive();
        assertThat(find(listed.get("exposed"), 3999)).as("a failed expose leaves nothing exposed").isNull();
    }

    /** The port event stream says when a server comes up and when it goes. */
    @Test
    void portEventsTellWhenAServerListensAndWhenItStops() throws Exception {
        HttpRequest req = HttpRequest.newBuilder(server.apiUri("/sandboxes/" + sbx + "/ports/events"))
                .header("X-API-Key", CoveServerProcess.API_KEY).timeout(Duration.ofSeconds(60)).build();
        HttpResponse<java.util.stream.Stream<String>> stream = server.client().send(req, HttpResponse.BodyHandlers.ofLines());
        assertThat(stream.statusCode()).isEqualTo(200);
        assertThat(stream.headers().firstValue("Content-Type")).hasValue("text/event-stream");
        java.util.Iterator<String> lines = stream.body().iterator();
        List<String> seen = new ArrayList<>();
        // what listens already comes first
        while (seen.stream().noneMatch(l -> l.contains("\"port\":3001"))) seen.add(lines.next());
        SandboxExec.exec(dataDir, PREFIX, sbx, false, "/bin/sh", "-c",
                "timeout 3 python3 /tmp/server.py --bind 0.0.0.0 --port 3100 >/dev/null 2>&1 &");
        String event = null;
        while (true) {
            String line = lines.next();
            if (line.startsWith("event: ")) event = line.substring(7);
            if (line.contains("\"port\":3100")) {
                seen.add(event + " " + line);
                if (event.equals("close")) break;
            }
        }
        stream.body().close();
        assertThat(seen).filteredOn(l -> l.contains("3100")).containsExactly(
                "open data: {\"port\":3100,\"address\":\"0.0.0.0\",\"family\":\"ipv4\"}",
                "close data: {\"port\":3100,\"address\":\"0.0.0.0\",\"family\":\"ipv4\"}");
    }

    // ---------------------------------------------------------------------------------------------- lifetime

    @Test
    void lifetimeLinksFollowExtensionsTtlLinksDoNotAndAllAnswer410AfterTheEnd() throws Exception {
        JsonNode sandbox = create("{\"templateID\":\"base\",\"timeout\":120}");
        String id = sandbox.get("sandboxID").asText();
        install(id);
        startServer(id, 3000);
        JsonNode lifetime = ok(server.api("POST", "/sandboxes/" + id + "/ports/3000/links", null), 201);
        JsonNode ttl = ok(server.api("POST", "/sandboxes/" + id + "/ports/3000/links", "{\"ttlSeconds\":90}"), 201);
        secrets.add(lifetime.get("token").asText());
        secrets.add(ttl.get("token").asText());
        assertThat(lifetime.get("lifetime").asBoolean()).isTrue();
        Instant lifetimeEnd = Instant.parse(lifetime.get("expiresAt").asText());
        Instant ttlEnd = Instant.parse(ttl.get("expiresAt").asText());

        ok(server.api("POST", "/sandboxes/" + id + "/timeout", "{\"timeout\":600}"), 204);
        JsonNode links = ok(server.api("GET", "/sandboxes/" + id + "/links", null), 200).get("links");
        assertThat(Instant.parse(links.get(0).get("expiresAt").asText())).isAfter(lifetimeEnd.plusSeconds(400));
        assertThat(Instant.parse(links.get(1).get("expiresAt").asText())).isEqualTo(ttlEnd);
        assertThat(links.toString()).doesNotContain("cove_link_");

        assertThat(get(url(id, 3000, "/"), "X-Cove-Access-Token", lifetime.get("token").asText()).statusCode()).isEqualTo(200);
        ok(server.api("DELETE", "/sandboxes/" + id, null), 204);
        for (JsonNode link : List.of(lifetime, ttl)) {
            HttpResponse<String> gone = get(url(id, 3000, "/"), "X-Cove-Access-Token", link.get("token").asText());
            assertThat(gone.statusCode()).isEqualTo(410);
            assertThat(json(gone).get("reason").asText()).isEqualTo("killed");
        }
        JsonNode audit = ok(server.api("GET", "/sandboxes/" + id + "/audit", null), 200).get("events");
        assertThat(audit.findValuesAsText("kind")).contains("link_created", "access");
        JsonNode access = null;
        for (JsonNode e : audit) if (e.get("kind").asText().equals("access")) access = e;
        assertThat(access.get("access").asText()).isEqualTo("link");
        assertThat(access.get("linkId").asText()).isEqualTo(lifetime.get("id").asText());
        assertThat(access.get("source").asText()).isEqualTo("127.0.0.1");
    }

    @Test
    void e2bsAllowPublicTrafficFalseKeepsItsOwn403Bodies() throws Exception {
        JsonNode sandbox = create("{\"templateID\":\"base\",\"timeout\":120,\"network\":{\"allowPublicTraffic\":false}}");
        String id = sandbox.get("sandboxID").asText();
        HttpResponse<String> none = get(url(id, 3000, "/"));
        assertThat(none.statusCode()).isEqualTo(403);
        assertThat(json(none).get("message").asText()).contains("'e2b-traffic-access-token' is missing");
        HttpResponse<String> pub = server.api("POST", "/sandboxes/" + id + "/ports/3000/expose", "{\"access\":\"public\"}");
        assertThat(pub.statusCode()).isEqualTo(409);
        assertThat(json(pub).get("message").asText()).contains("allowPublicTraffic=false");
    }

    // ---------------------------------------------------------------------------------------------- helpers

    static JsonNode create(String body) throws Exception {
        HttpResponse<String> r = server.api("POST", "/v2/sandboxes", body);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
        JsonNode n = json(r);
        created.add(n.get("sandboxID").asText());
        return n;
    }

    static void install(String id) throws Exception { SandboxExec.installTestServer(dataDir, PREFIX, id); }

    static void startServer(String id, int port) throws Exception {
        SandboxExec.detached(dataDir, PREFIX, id, "python3", "/tmp/server.py", "--bind", "0.0.0.0", "--port", String.valueOf(port));
        SandboxExec.awaitListening(dataDir, PREFIX, id, port);
    }

    /** Starts a command through the agent API (as an SDK's background command would) and returns its pid. */
    static int startThroughAgent(String id, String command) throws Exception {
        dev.cove.api.testing.EnvdClient agent = new dev.cove.api.testing.EnvdClient(https,
                "https://49983-" + id + "." + CoveServerProcess.DOMAIN + ":" + server.httpsPort, null)
                .header("X-Access-Token", envdToken(id));
        try (dev.cove.api.testing.EnvdClient.Stream s = agent.stream("process.Process/Start",
                dev.cove.api.testing.EnvdClient.startRequest("sleep 1; " + command, null, null), null, java.util.Map.of())) {
            return s.next().path("event").path("start").path("pid").asInt();
        }
    }

    static String envdToken(String id) throws Exception {
        return json(server.api("GET", "/sandboxes/" + id, null)).get("envdAccessToken").asText();
    }

    static JsonNode find(JsonNode array, int port) {
        for (JsonNode n : array) if (n.get("port").asInt() == port) return n;
        return null;
    }

    static URI url(String id, int port, String path) {
        return URI.create("http://" + port + "-" + id + "." + CoveServerProcess.DOMAIN + ":" + server.httpPort + path);
    }

    static HttpResponse<String> get(URI uri, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(20));
        if (headers.length > 0) b.headers(headers);
        HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        for (String secret : secrets) {
            assertThat(r.body()).as("no token in an answer of the edge or the app").doesNotContain(secret);
        }
        return r;
    }

    static JsonNode ok(HttpResponse<String> r, int status) throws Exception {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
        return r.body().isEmpty() ? null : json(r);
    }

    static JsonNode json(HttpResponse<String> r) throws Exception { return CoveServerProcess.JSON.readTree(r.body()); }
}
