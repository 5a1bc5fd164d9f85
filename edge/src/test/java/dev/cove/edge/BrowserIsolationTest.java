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
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What keeps one sandbox's pages from another's through the edge (docs/browser-isolation.md): cookies kept to their
 * own host, the cross-site guard for cookie-authenticated requests, only this edge's host names, a redirect that stays
 * on its host; and HTTP/1.0 clients answered by the control plane. Real servers in a network namespace this test
 * makes ({@code covetest-edge-*}), a real HTTP/1.1-only control plane on loopback, a real edge, raw sockets and the
 * JDK client.
 */
class BrowserIsolationTest {
    static final String DOMAIN = EdgeProxyTest.DOMAIN;
    static final String VICTIM = "sbx0isolation0victim";
    static final String ATTACKER = "sbx0isolation0attack";
    static final String CROSS_OK = "sbx0isolation0crossk";
    static final String TOKEN = "victims-traffic-token";
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir static Path dataDir;
    static TestNamespace ns;
    static Http11OnlyServer controlPlane;
    static MapSandboxDirectory directory = new MapSandboxDirectory();
    static EdgeServer edge;
    static HttpClient http2;

    @BeforeAll
    static void start() throws Exception {
        ns = new TestNamespace();
        ns.startServer("0.0.0.0", 3000);
        ns.awaitListening(3000);
        controlPlane = new Http11OnlyServer();
        PortAccessPolicy privatePorts = new PortAccessPolicy(false, false, PortAccess.PRIVATE, TOKEN, null, null);
        directory.put(new SandboxRoute(VICTIM, State.RUNNING, ns.path.toString(), null, null, null, privatePorts, false));
        directory.put(new SandboxRoute(ATTACKER, State.RUNNING, ns.path.toString(), null, null));
        PortAccessPolicy optedOut = new PortAccessPolicy(false, false, PortAccess.PRIVATE, TOKEN,
                Map.of(3000, new PortAccessPolicy.PortRule(PortAccess.PRIVATE, null, null, true)), null);
        directory.put(new SandboxRoute(CROSS_OK, State.RUNNING, ns.path.toString(), null, null, null, optedOut, false));
        edge = new EdgeServer(EdgeProxyTest.config(dataDir, controlPlane.address()).metricsPort(0).build(), directory).start();
        http2 = HttpClient.newBuilder().version(HttpClient.Version.HTTP_2)
                .sslContext(EdgeProxyTest.trusting(edge.caCertificate())).build();
    }

    @AfterAll
    static void stop() throws Exception {
        if (http2 != null) http2.close();
        if (edge != null) edge.close();
        if (controlPlane != null) controlPlane.close();
        if (ns != null) ns.close();
        assertThat(TestNamespace.run("ip", "netns", "list")).doesNotContain(ns.name);
    }

    static String host(String sandbox) { return "3000-" + sandbox + "." + DOMAIN + ":" + edge.httpPort(); }

    static String origin(String sandbox) { return "http://" + host(sandbox); }

    /** One request on its own connection to the plain port; the whole answer, read until the edge closes. */
    static String exchange(String request) throws Exception {
        return exchangeOn(edge.httpPort(), request);
    }

    static String exchangeOn(int port, String request) throws Exception {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            s.setSoTimeout(20_000);
            s.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
            s.getOutputStream().flush();
            InputStream in = s.getInputStream();
            ByteArrayOutputStream all = new ByteArrayOutputStream();
            byte[] buffer = new byte[8192];
            for (int n; (n = in.read(buffer)) > 0; ) {
                all.write(buffer, 0, n);
                String sofar = all.toString(StandardCharsets.ISO_8859_1);
                if (sofar.startsWith("HTTP/1.1 101") && sofar.contains("\r\n\r\n")) break; // a tunnel stays open
            }
            return all.toString(StandardCharsets.ISO_8859_1);
        }
    }

    static String request(String method, String host, String path, String... headers) {
        StringBuilder r = new StringBuilder(method).append(' ').append(path).append(" HTTP/1.1\r\nHost: ").append(host).append("\r\n");
        for (String h : headers) r.append(h).append("\r\n");
        if (method.equals("POST")) r.append("Content-Length: 1\r\n");
        r.append("Connection: close\r\n\r\n");
        if (method.equals("POST")) r.append('x');
        return r.toString();
    }

    static int status(String response) { return Integer.parseInt(response.substring(9, 12)); }

    static JsonNode body(String response) throws Exception {
        return JSON.readTree(response.substring(response.indexOf("\r\n\r\n") + 4));
    }

    static List<String> setCookies(String response) {
        return response.substring(0, response.indexOf("\r\n\r\n")).lines()
                .filter(l -> l.regionMatches(true, 0, "set-cookie:", 0, 11)).map(l -> l.substring(11).strip()).toList();
    }

    static int posts() throws Exception {
        return body(exchange(request("GET", host(ATTACKER), "/posts"))).get("posts").asInt();
    }

    // ---- cookies ----------------------------------------------------------------------------------------------

    /** A sandbox app's cookies stay on its own host, and none may carry Cove's name; HTTP/1.1 and HTTP/2 alike. */
    @Test
    void sandboxCookiesAreHostOnlyAndNeverCoves() throws Exception {
        List<String> expected = List.of("app_session=tossed; Path=/", "theme=dark; Path=/; HttpOnly", "wide=1; Path=/; Max-Age=60");
        long hostOnlyBefore = edge.metrics().cookiesHostOnly.sum();
        long droppedBefore = edge.metrics().cookiesDropped.sum();

        String http1 = exchange(request("GET", host(ATTACKER), "/set-cookies"));
        assertThat(status(http1)).isEqualTo(200);
        assertThat(setCookies(http1)).containsExactlyInAnyOrderElementsOf(expected);
        assertThat(http1).endsWith("ok");

        HttpResponse<String> h2 = http2.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(
                "https://3000-" + ATTACKER + "." + DOMAIN + ":" + edge.httpsPort() + "/set-cookies")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(h2.version()).isEqualTo(HttpClient.Version.HTTP_2);
        assertThat(h2.headers().allValues("set-cookie")).containsExactlyInAnyOrderElementsOf(expected);

        assertThat(edge.metrics().cookiesHostOnly.sum() - hostOnlyBefore).isEqualTo(4); // 2 per protocol
        assertThat(edge.metrics().cookiesDropped.sum() - droppedBefore).isEqualTo(8);   // 4 per protocol
        assertThat(edge.metrics().render()).contains("cove_edge_cookies_host_only_total", "cove_edge_cookies_dropped_total");
    }

    /** Cove's own cookie, in any prefix or case, never reaches the app; the app's cookies do. */
    @Test
    void covesCookiesNeverReachTheApp() throws Exception {
        String response = exchange(request("GET", host(VICTIM), "/",
                "Cookie: app=1; __Host-cove_access=" + TOKEN + "; __Secure-COVE_access=x; theme=dark"));
        assertThat(status(response)).isEqualTo(200);
        assertThat(body(response).get("cookie").asText()).isEqualTo("app=1; theme=dark");
    }

    // ---- cross-site guard -------------------------------------------------------------------------------------

    /** With the victim's cookie: POSTs and WebSockets from a sibling's or a foreign origin are refused, typed. */
    @ParameterizedTest(name = "{0} {1} / {2}")
    @CsvSource(delimiter = '|', value = {
            "POST|/upload|Origin: SIBLING",
            "POST|/upload|Origin: http://evil.invalid",
            "POST|/upload|Origin: null",
            "POST|/upload|Sec-Fetch-Site: same-site",
            "POST|/upload|Sec-Fetch-Site: cross-site",
            "PUT|/upload|Origin: SIBLING",
            "GET|/ws|Origin: SIBLING",
            "GET|/ws|Sec-Fetch-Site: same-site"})
    void crossOriginRequestsWithTheCookieAreRefused(String method, String path, String from) throws Exception {
        int before = posts();
        boolean ws = path.equals("/ws");
        String response = exchange(request(method, host(VICTIM), path, from.replace("SIBLING", origin(ATTACKER)),
                "Cookie: __Host-cove_access=" + TOKEN,
                ws ? "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13" : "X-Nothing: 1"));
        assertThat(status(response)).as(response).isEqualTo(403);
        assertThat(response).containsIgnoringCase("x-cove-error: cross_origin_refused");
        JsonNode error = body(response);
        assertThat(error.get("code").asText()).isEqualTo("cross_origin_refused");
        assertThat(error.get("sandboxId").asText()).isEqualTo(VICTIM);
        assertThat(error.get("message").asText()).contains(ws ? "A WebSocket" : "A " + method + " request", "header");
        assertThat(posts()).as("nothing reached the app").isEqualTo(before);
    }

    /** Same-origin writes, navigations from elsewhere, header tokens and opted-out ports are not affected. */
    @Test
    void sameOriginNavigationsHeaderTokensAndOptedOutPortsPass() throws Exception {
        String cookie = "Cookie: __Host-cove_access=" + TOKEN;
        assertThat(status(exchange(request("POST", host(VICTIM), "/upload", "Origin: " + origin(VICTIM),
                "Sec-Fetch-Site: same-origin", cookie)))).isEqualTo(200);
        assertThat(status(exchange(request("POST", host(VICTIM), "/upload", cookie)))).as("no browser page made it").isEqualTo(200);
        assertThat(status(exchange(request("GET", host(VICTIM), "/", "Origin: " + origin(ATTACKER),
                "Sec-Fetch-Site: cross-site", "Sec-Fetch-Mode: navigate", cookie)))).as("a link followed from elsewhere").isEqualTo(200);
        assertThat(status(exchange(request("POST", host(VICTIM), "/upload", "Origin: " + origin(ATTACKER),
                "Sec-Fetch-Site: same-site", "X-Cove-Access-Token: " + TOKEN)))).as("a header token").isEqualTo(200);
        assertThat(status(exchange(request("POST", host(CROSS_OK), "/upload", "Origin: " + origin(ATTACKER),
                "Sec-Fetch-Site: same-site", cookie)))).as("the port's rule opts out").isEqualTo(200);
        assertThat(status(exchange(request("POST", host(ATTACKER), "/upload", "Origin: http://evil.invalid",
                "Sec-Fetch-Site: cross-site")))).as("a public port has no cookie to abuse").isEqualTo(200);
        String ws = exchange(request("GET", host(VICTIM), "/ws", "Origin: " + origin(VICTIM), cookie,
                "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13"));
        assertThat(status(ws)).as(ws).isEqualTo(101);
    }

    // ---- only our hosts ---------------------------------------------------------------------------------------

    /** A name that is not under the domain (DNS rebinding, a misconfigured record) is not routed: 421, typed. */
    @ParameterizedTest
    @CsvSource({"3000-" + ATTACKER + ".cove-audit.invalid", "api.evil.invalid", "sandbox.evil.invalid", "cove.localhost.evil.invalid",
            "xcove.localhost"})
    void foreignHostsAreMisdirected(String name) throws Exception {
        String response = exchange(request("GET", name + ":" + edge.httpPort(), "/",
                "E2b-Sandbox-Id: " + ATTACKER, "E2b-Sandbox-Port: 3000"));
        assertThat(status(response)).as(response).isEqualTo(421);
        assertThat(body(response).get("code").asText()).isEqualTo("misdirected_request");
        assertThat(body(response).get("host").asText()).isEqualTo(name);
        assertThat(controlPlane.requestLines).as("not proxied").noneMatch(l -> l.contains(name));

        String page = exchange(request("GET", name, "/", "User-Agent: " + EdgeProxyTest.BROWSER_UA, "Accept: text/html"));
        assertThat(status(page)).isEqualTo(421);
        assertThat(page).contains("text/html", "Misdirected Request");
    }

    /** The documented host forms still route. */
    @Test
    void ourHostsStillRoute() throws Exception {
        assertThat(status(exchange(request("GET", host(ATTACKER), "/")))).isEqualTo(200);
        assertThat(status(exchange(request("GET", "3000-" + ATTACKER + "." + DOMAIN.toUpperCase() + ".", "/")))).isEqualTo(200);
        for (String shared : List.of("sandbox." + DOMAIN, DOMAIN, "localhost", "127.0.0.1", "[::1]")) {
            assertThat(status(exchange(request("GET", shared, "/", "E2b-Sandbox-Id: " + ATTACKER, "E2b-Sandbox-Port: 3000"))))
                    .as(shared).isEqualTo(200);
        }
        for (String api : List.of("api." + DOMAIN, DOMAIN, "localhost", "127.0.0.1")) {
            assertThat(status(exchange(request("GET", api, "/health")))).as(api).isEqualTo(200);
        }
    }

    // ---- HTTP/1.0 ---------------------------------------------------------------------------------------------

    /** HTTP/1.0 to the control plane (API host, agent port) is answered: the edge speaks HTTP/1.1 to it. */
    @Test
    void http10ClientsGetTheControlPlanesAnswer() throws Exception {
        for (String host : List.of("api." + DOMAIN, "49983-" + ATTACKER + "." + DOMAIN)) {
            int seen = controlPlane.requestLines.size();
            String response = exchange("GET /health HTTP/1.0\r\nHost: " + host + "\r\n\r\n");
            assertThat(response).as(host).startsWith("HTTP/1.0 200 ").endsWith("hello over HTTP/1.1");
            assertThat(controlPlane.requestLines.subList(seen, controlPlane.requestLines.size()))
                    .containsExactly("GET /health HTTP/1.1");
        }
        // keep-alive asked for by an HTTP/1.0 client: two answers on one connection
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), edge.httpPort())) {
            s.setSoTimeout(20_000);
            String keep = "GET /a HTTP/1.0\r\nHost: api." + DOMAIN + "\r\nConnection: keep-alive\r\n\r\n";
            s.getOutputStream().write((keep + keep.replace("keep-alive", "close")).getBytes(StandardCharsets.ISO_8859_1));
            String both = new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
            assertThat(both.split("HTTP/1.0 200 ", -1)).hasSize(3);
        }
        // and HTTP/1.0 to a sandbox port keeps working as before
        assertThat(exchange("GET / HTTP/1.0\r\nHost: " + host(ATTACKER) + "\r\n\r\n")).startsWith("HTTP/1.0 200 ");
    }

    /** Malformed requests get a 4xx of Cove's, never a 5xx. */
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {"GET /health HTTP/1.0\\r\\n\\r\\n", "BLAH\\r\\n\\r\\n", "GET / HTTP/1.1\\r\\nHost: a b\\r\\nConnection: close\\r\\n\\r\\n",
            "GET /health HTTP/1.1\\r\\nHost: api.cove.localhost\\r\\nContent-Length: x\\r\\n\\r\\n"})
    void malformedRequestsGet4xx(String raw) throws Exception {
        String response = exchange(raw.replace("\\r\\n", "\r\n"));
        assertThat(status(response)).as(response).isBetween(400, 499);
    }
}
