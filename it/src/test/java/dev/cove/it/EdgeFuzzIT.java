package dev.cove.it;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cove.it.EdgeFuzzCases.Case;
import dev.cove.it.EdgeFuzzCases.Target;
import dev.cove.it.RawHttp.End;
import dev.cove.it.RawHttp.Exchange;
import dev.cove.it.RawHttp.Response;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import javax.net.ssl.SSLContext;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static dev.cove.it.CoveServerProcess.json;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 19: thousands of malformed or unusual requests, over raw sockets (plain port and TLS with Cove's CA), at every
 * host the edge serves: the API host, the agent host {@code 49983-<id>.<domain>} (and E2B's shared host with routing
 * headers), a sandbox port host ({@code 3000-<id>} with the edge's Python test server, {@code 4000-<id>} where nothing
 * listens), unknown and invalid hosts, and no Host at all. The families ({@link EdgeFuzzCases}): well-formed requests
 * in HTTP/1.0 and 1.1, odd and unknown methods, bad versions, bad request lines, conflicting or malformed
 * Content-Length and Transfer-Encoding, bad chunk sizes, header lines without colon, obs-fold, bare LF and CR, NUL and
 * control bytes, long URIs and heads beyond the limits, many headers, absolute-form, authority-form, CONNECT and
 * asterisk targets, pipelined requests (also across hosts on one connection), requests cut off mid-head and mid-body,
 * and random bytes. Everything goes to loopback.
 *
 * <p>Reproducible: one seed ({@code -Dcove.fuzz.seed}, printed) makes the same requests in the same order, each case
 * from its own generator, so {@code -Dcove.fuzz.only=17,4711} replays single cases. {@code -Dcove.fuzz.count}
 * (default 10,000) sets how many; {@code -Dcove.fuzz.timeoutMs} (5 s) bounds every read; the whole run is bounded by
 * {@code -Dcove.fuzz.budgetSeconds}, and cases not run within it are failures.
 *
 * <p>What fails, per case:
 * <ul>
 *   <li><b>A 5xx the sandbox did not cause.</b> Allowed are only: the sandbox app's own answer, passed through (no
 *   {@code X-Cove-Error} header, and the Python server's {@code Server: BaseHTTP/...}: it answers 501 to methods it
 *   does not know, 503 to {@code /status?code=503}); the edge's typed answers about the app behind a sandbox port
 *   ({@code X-Cove-Error} {@code upstream_failed}, {@code upstream_invalid_response}, {@code port_not_listening},
 *   {@code upstream_not_http2} for a port other than the agent's, read from the JSON body's {@code port} or, for a
 *   browser's HTML page, from its sentence about "the server on port N" or "nothing listens on port N", or, for a
 *   bodiless answer to HEAD, from the request's target; the app's failures only for requests in HTTP/1.0 or 1.1, since
 *   an app that fails on a version the edge should not have passed on fails on Cove's doing); and E2B's
 *   {@code 502 sandbox_not_found} on the agent port of a sandbox that does not exist (E2B's SDKs read that exact
 *   answer as "not running", docs/ports.md); the edge's {@code 505 http_version_not_supported} to a request line
 *   in another version than HTTP/1.0 and 1.1. Any other 5xx (the control plane's, the agent's, or the edge's about
 *   itself) is a failure.</li>
 *   <li><b>No answer where one is owed.</b> Closing without an answer is accepted only for bytes that are not an
 *   HTTP/1.x request (random bytes, an HTTP/0.9 line, an HTTP/2 or TLS preface on the plain port) and for requests
 *   the client cut off and closed itself (truncated, or a body the client promised and did not send). A request whose
 *   head is over the limits may also end with our write failing (the server answered 414/431 and closed while we
 *   still wrote, and the reset may drop the answer from our buffer: TCP's doing, not the server's).</li>
 *   <li><b>A hang</b>: no answer within the read timeout while the connection stays open (once the client stopped
 *   sending, a server must answer or close).</li>
 *   <li><b>A tunnel</b>: a 2xx to CONNECT (the edge is no forward proxy).</li>
 * </ul>
 * After the run the server must be healthy: its process alive, {@code /health} 200, a request to the sandbox's port
 * and to its agent answered as before.
 */
class EdgeFuzzIT {
    static final String PREFIX = "covefuzz";
    static final long SEED = Long.getLong("cove.fuzz.seed", 19L);
    static final int COUNT = Integer.getInteger("cove.fuzz.count", 10_000);
    static final int READ_TIMEOUT_MS = Integer.getInteger("cove.fuzz.timeoutMs", 5_000);
    static final int CONNECTIONS = Integer.getInteger("cove.fuzz.connections", 8);
    static final long BUDGET_SECONDS = Long.getLong("cove.fuzz.budgetSeconds", 240);
    static final String ONLY = System.getProperty("cove.fuzz.only", "");
    /** Codes the edge gives about the app behind a sandbox port: the sandbox's failure, not Cove's. */
    static final Set<String> SANDBOX_SIDE_CODES = Set.of("upstream_failed", "upstream_invalid_response",
            "port_not_listening", "upstream_not_http2");
    static final int REQUEST_SHOWN = 200;

    static Path dataDir;
    static CoveServerProcess server;
    static String sbx;
    static final List<String> created = new ArrayList<>();

    @BeforeAll
    static void start() throws Exception {
        dataDir = Files.createTempDirectory("cove-it-fuzz");
        server = new CoveServerProcess(dataDir, PREFIX, "10.228.0.0/16", "fd63:6f24::/32").start();
        HttpResponse<String> r = server.api("POST", "/v2/sandboxes", "{\"templateID\":\"base\",\"timeout\":900}");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
        sbx = json(r).get("sandboxID").asText();
        created.add(sbx);
        SandboxExec.installTestServer(dataDir, PREFIX, sbx);
        SandboxExec.detached(dataDir, PREFIX, sbx, "python3", "/tmp/server.py", "--bind", "0.0.0.0", "--port", "3000");
        SandboxExec.awaitListening(dataDir, PREFIX, sbx, 3000);
    }

    @AfterAll
    static void stop() throws Exception {
        if (server == null) return;
        for (String id : created) server.api("DELETE", "/sandboxes/" + id, null);
        server.close();
        assertThat(HostResources.allLeftovers(PREFIX, dataDir)).as("nothing of any sandbox outlives the tests").isEmpty();
        HostResources.removeEmptyCgroupParents(PREFIX);
        HostResources.deleteTree(dataDir);
    }

    /** A case that broke a rule, with what came back. */
    record Failure(Case c, Target target, String version, String problem, Exchange x) {
        Failure(Case c, String problem, Exchange x) { this(c, c.target(), c.version(), problem, x); }

        /**
         * Failures of one class share the problem, and the target and HTTP version of the request it answers (in a
         * pipeline, the answer's own request); the kinds show which requests produce it.
         */
        String classKey() { return problem + " | " + target.name().toLowerCase(Locale.ROOT) + " | " + versionClass(version); }
    }

    final Map<String, LongAdder> statusesByTarget = new ConcurrentHashMap<>();
    final Map<String, LongAdder> statusClasses = new ConcurrentHashMap<>();
    final Map<String, LongAdder> families = new ConcurrentHashMap<>();
    final ConcurrentLinkedQueue<Failure> failures = new ConcurrentLinkedQueue<>();
    final LongAdder responses = new LongAdder();

    @Test
    void malformedAndUnusualRequestsGetNoServerErrorAndLeaveTheServerHealthy() throws Exception {
        EdgeFuzzCases cases = new EdgeFuzzCases(SEED, sbx, CoveServerProcess.DOMAIN, server.httpPort, server.httpsPort,
                CoveServerProcess.API_KEY);
        SSLContext tls = server.trustCoveCa();
        int[] indexes = ONLY.isBlank() ? IntStream.range(0, COUNT).toArray()
                : Arrays.stream(ONLY.split(",")).map(String::trim).mapToInt(Integer::parseInt).toArray();
        System.out.printf("EdgeFuzzIT: seed %d, %d cases, %d connections, read timeout %d ms (replay: -Dcove.fuzz.seed=%d"
                + " -Dcove.fuzz.only=<case>)%n", SEED, indexes.length, CONNECTIONS, READ_TIMEOUT_MS, SEED);

        AtomicInteger next = new AtomicInteger();
        AtomicInteger ran = new AtomicInteger();
        long start = System.nanoTime();
        long deadline = start + BUDGET_SECONDS * 1_000_000_000L;
        ScheduledExecutorService watchdog = Executors.newSingleThreadScheduledExecutor();
        try (ExecutorService workers = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int w = 0; w < CONNECTIONS; w++) {
                workers.submit(() -> {
                    for (int i; (i = next.getAndIncrement()) < indexes.length && System.nanoTime() < deadline; ) {
                        Case c = cases.generate(indexes[i]);
                        try {
                            int port = c.tls() || c.plainToTlsPort() ? server.httpsPort : server.httpPort;
                            Exchange x = RawHttp.exchange(port, c.tls() ? tls : null, c.sni(),
                                    c.bytes(), c.methods(), c.expectedResponses(), c.halfClose(), READ_TIMEOUT_MS,
                                    3L * READ_TIMEOUT_MS, watchdog);
                            judge(c, x);
                        } catch (RuntimeException e) {
                            // A bug of this suite must not silently stop a worker: it shows as a failure of its case.
                            failures.add(new Failure(c, "suite error: " + e, new Exchange(List.of(), End.DONE, e.toString(), 0)));
                        }
                        ran.incrementAndGet();
                    }
                    return null;
                });
            }
        } finally {
            watchdog.shutdownNow();
        }
        long seconds = (System.nanoTime() - start) / 1_000_000_000L;
        int notRun = indexes.length - ran.get();

        List<String> health = healthAfter();
        String summary = summary(indexes.length, ran.get(), seconds, health);
        System.out.println(summary);

        assertThat(notRun).as("cases not run within the budget of %d s", BUDGET_SECONDS).isZero();
        assertThat(health).as("the server is healthy after the run").isEmpty();
        assertThat(failures).as(failureReport(12_000)).isEmpty();
    }

    /** Counts what came back and records whatever breaks a rule of the class comment. */
    void judge(Case c, Exchange x) {
        count(families, c.kind().split("/")[0]);
        if (x.responses().isEmpty()) {
            String end = "no answer (" + x.end().name().toLowerCase(Locale.ROOT) + ")";
            count(statusesByTarget, c.target().name().toLowerCase(Locale.ROOT) + " " + end);
            count(statusClasses, end);
        }
        for (int i = 0; i < x.responses().size(); i++) {
            Response r = x.responses().get(i);
            responses.increment();
            count(statusClasses, r.status() < 0 ? "non-http" : r.status() / 100 + "xx");
            count(statusesByTarget, c.target(i).name().toLowerCase(Locale.ROOT) + " " + (r.status() < 0 ? "non-http" : r.status()));
            if (r.status() >= 500 && !sandboxOwn(r, c.target(i), c.version(i)) && !versionRefused(r, c.version(i))) {
                String code = r.header("x-cove-error");
                failures.add(new Failure(c, c.target(i), c.version(i), r.status() + " "
                        + (code != null ? code : "(no X-Cove-Error, Server: " + r.header("server") + ")") + context(c, x, i), x));
            }
        }
        for (int i = 0; i < x.responses().size() && i < c.methods().size(); i++) {
            Response r = x.responses().get(i);
            if (c.methods().get(i).equals("CONNECT") && r.status() / 100 == 2) failures.add(new Failure(c, "tunnel: CONNECT answered " + r.status(), x));
        }
        int expected = c.expectedResponses();
        boolean answered = !x.responses().isEmpty();
        switch (x.end()) {
            case TIMEOUT, DEADLINE -> {
                if (x.responses().size() < expected) {
                    failures.add(new Failure(c, "hang: " + x.responses().size() + " of " + expected + " answers, then nothing for "
                            + READ_TIMEOUT_MS + " ms (" + x.end().name().toLowerCase(Locale.ROOT) + ")", x));
                }
            }
            case EOF, RESET, TLS_FAILED -> {
                if (!answered && c.expectAnswer()) failures.add(new Failure(c, "closed without an answer (" + x.end().name().toLowerCase(Locale.ROOT) + ")", x));
            }
            case WRITE_FAILED -> {
                if (!answered && c.expectAnswer() && !c.kind().startsWith("huge/")) failures.add(new Failure(c, "closed while the request was written", x));
            }
            case DONE -> { }
        }
        if (c.expectAnswer() && answered && x.responses().getFirst().status() < 0 && !isUpgrade(c)) {
            failures.add(new Failure(c, "answer is not HTTP/1.x", x));
        }
    }

    /**
     * What came before the {@code i}th answer on the same connection, when it may be the cause: an earlier 5xx
     * (a connection left broken by it), or a HEAD request (an upstream that wrote a body after its HEAD answer leaves
     * bytes that the next answer's parse starts in).
     */
    private static String context(Case c, Exchange x, int i) {
        for (int j = 0; j < i; j++) if (x.responses().get(j).status() >= 500) return " [after an earlier 5xx on the connection]";
        for (int j = 0; j < i && j < c.methods().size(); j++) if (c.methods().get(j).equals("HEAD")) return " [after a HEAD on the connection]";
        return "";
    }

    private static boolean isUpgrade(Case c) { return c.kind().equals("headers/upgrade-h2c"); }

    /**
     * The sandbox app's own 5xx, or the edge's typed answer about the app behind a sandbox port (class comment). An
     * answer without a body (to HEAD) says nothing about the port: the request's target decides. The edge's answers
     * about an app that got the request count as the app's only for HTTP/1.0 and 1.1 requests: an app that fails on a
     * version the edge should not have passed on (HTTP/2.0 or 9.9 in an HTTP/1 request line) fails on Cove's doing.
     */
    static boolean sandboxOwn(Response r, Target target, String version) {
        String code = r.header("x-cove-error");
        if (code == null) {
            String serverHeader = r.header("server");
            return serverHeader != null && serverHeader.startsWith("BaseHTTP/");
        }
        JsonNode body = parseJson(r.bodyStart());
        if (SANDBOX_SIDE_CODES.contains(code)) {
            boolean reachedTheApp = !code.equals("port_not_listening");
            if (reachedTheApp && !version.equals("HTTP/1.0") && !version.equals("HTTP/1.1")) return false;
            if (body != null && body.hasNonNull("port")) return body.get("port").asInt() != 49983;
            String text = r.bodyStart();
            if (text.isEmpty()) return target == Target.SANDBOX;
            return text.contains("The server on port ") || text.contains("Nothing listens on port ");
        }
        if (code.equals("sandbox_not_found") && r.status() == 502) return !r.bodyStart().contains(sbx);
        return false;
    }

    /**
     * The edge's {@code 505} to a request line in a version other than HTTP/1.0 and 1.1 (docs/ports.md): the answer
     * such a request is owed, not a failure. ("-" is a line the generator wrote as garbage, such as an HTTP/2 preface
     * on the TLS port, which reads as an {@code HTTP/2.0} request line.)
     */
    static boolean versionRefused(Response r, String version) {
        return r.status() == 505 && "http_version_not_supported".equals(r.header("x-cove-error"))
                && !version.equals("HTTP/1.0") && !version.equals("HTTP/1.1");
    }

    private static JsonNode parseJson(String text) {
        try {
            return CoveServerProcess.JSON.readTree(text);
        } catch (Exception notJson) {
            return null; // an HTML page (browser user agent) or a body cut at BODY_KEPT
        }
    }

    static String versionClass(String version) {
        return switch (version) {
            case "HTTP/1.0" -> "HTTP/1.0";
            case "HTTP/1.1" -> "HTTP/1.1";
            case "-" -> "no version";
            default -> "other version";
        };
    }

    /** Problems with the server after the run, empty when it is healthy. */
    List<String> healthAfter() throws Exception {
        List<String> problems = new ArrayList<>();
        if (!ProcessHandle.of(server.pid()).map(ProcessHandle::isAlive).orElse(false)) {
            problems.add("the server process is gone:\n" + tail(server.logText(), 3000));
            return problems;
        }
        HttpResponse<String> health = server.api("GET", "/health", null, null);
        if (health.statusCode() != 200) problems.add("/health answered " + health.statusCode() + ": " + health.body());
        try (HttpClient http = HttpClient.newBuilder().sslContext(server.trustCoveCa()).connectTimeout(Duration.ofSeconds(5)).build()) {
            URI app = URI.create("http://3000-" + sbx + "." + CoveServerProcess.DOMAIN + ":" + server.httpPort + "/after?fuzz=1");
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(app).timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200 || !json(r).path("path").asText().equals("/after?fuzz=1")) {
                problems.add("the sandbox's port answered " + r.statusCode() + ": " + r.body());
            }
            URI agent = URI.create("https://49983-" + sbx + "." + CoveServerProcess.DOMAIN + ":" + server.httpsPort + "/health");
            HttpResponse<String> a = http.send(HttpRequest.newBuilder(agent).timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString());
            if (a.statusCode() >= 300) problems.add("the sandbox's agent /health answered " + a.statusCode() + ": " + a.body());
        }
        // The same through this suite's own socket: keep-alive handling still frames answers right.
        byte[] plain = ("GET /health HTTP/1.1\r\nHost: api." + CoveServerProcess.DOMAIN + "\r\n\r\nGET /health HTTP/1.1\r\nHost: api."
                + CoveServerProcess.DOMAIN + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1);
        ScheduledExecutorService watchdog = Executors.newSingleThreadScheduledExecutor();
        try {
            Exchange x = RawHttp.exchange(server.httpPort, null, null, plain, List.of("GET", "GET"), 2, false, READ_TIMEOUT_MS,
                    3L * READ_TIMEOUT_MS, watchdog);
            if (x.responses().size() != 2 || x.responses().stream().anyMatch(r -> r.status() != 200)) {
                problems.add("two pipelined GET /health got " + x.responses().stream().map(Response::statusLine).toList() + ", " + x.end());
            }
        } finally {
            watchdog.shutdownNow();
        }
        return problems;
    }

    String summary(int planned, int ran, long seconds, List<String> health) {
        StringBuilder b = new StringBuilder("\n==== EdgeFuzzIT summary ====\n");
        b.append(String.format("seed %d: %d of %d cases ran in %d s, %d responses read, %d failures%n",
                SEED, ran, planned, seconds, responses.sum(), failures.size()));
        b.append("families: ").append(sorted(families)).append('\n');
        b.append("responses by status class: ").append(sorted(statusClasses)).append('\n');
        b.append("answers per target (each answer counted for the request it answers; cases without any answer by how they ended):\n");
        Map<String, Map<String, Long>> byTarget = new TreeMap<>();
        statusesByTarget.forEach((k, v) -> {
            String[] parts = k.split(" ", 2);
            byTarget.computeIfAbsent(parts[0], t -> new TreeMap<>()).put(parts[1], v.sum());
        });
        byTarget.forEach((t, m) -> b.append(String.format("  %-8s %6d  %s%n", t, m.values().stream().mapToLong(Long::longValue).sum(), m)));
        b.append("health after the run: ").append(health.isEmpty() ? "ok" : health).append('\n');
        b.append(logFindings());
        b.append(failureReport(60_000));
        return b.toString();
    }

    /**
     * Failures grouped by class, biggest first: first every class on one line, then each with the kinds that produced
     * it and its two shortest samples, as far as {@code maxChars} allows.
     */
    String failureReport(int maxChars) {
        if (failures.isEmpty()) return "no failures\n";
        Map<String, List<Failure>> byClass = failures.stream().collect(Collectors.groupingBy(Failure::classKey));
        List<Map.Entry<String, List<Failure>>> classes = byClass.entrySet().stream()
                .sorted(Comparator.comparingInt((Map.Entry<String, List<Failure>> e) -> -e.getValue().size()).thenComparing(Map.Entry::getKey)).toList();
        StringBuilder b = new StringBuilder(String.format("%d failures in %d classes (problem | target | version):%n", failures.size(), byClass.size()));
        for (Map.Entry<String, List<Failure>> e : classes) b.append(String.format("  %5d× %s%n", e.getValue().size(), e.getKey()));
        b.append("details:\n");
        for (Map.Entry<String, List<Failure>> e : classes) {
            List<Failure> fs = e.getValue();
            Map<String, Long> kinds = fs.stream().collect(Collectors.groupingBy(f -> f.c().kind(), TreeMap::new, Collectors.counting()));
            String entry = String.format("* %5d× %s%n    kinds: %s%n", fs.size(), e.getKey(), abbreviate(kinds.toString(), 600))
                    + fs.stream().sorted(Comparator.comparingInt(f -> f.c().bytes().length)).limit(2).map(EdgeFuzzIT::sample).collect(Collectors.joining());
            if (b.length() + entry.length() > maxChars) {
                b.append("… (details of ").append(classes.size() - classes.indexOf(e)).append(" more classes left out)\n");
                break;
            }
            b.append(entry);
        }
        return b.toString();
    }

    static String sample(Failure f) {
        Case c = f.c();
        Exchange x = f.x();
        String answer = x.responses().isEmpty() ? "no answer" : x.responses().stream().map(r -> r.statusLine()
                + (r.header("x-cove-error") != null ? " [" + r.header("x-cove-error") + "]" : "")
                + " " + abbreviate(RawHttp.escape(r.bodyStart().getBytes(StandardCharsets.ISO_8859_1), 160), 170)).collect(Collectors.joining(" / "));
        return String.format("    case %d (%s, %s%s): %s%n      -> %s; end %s%s in %d ms%n", c.index(), c.kind(), c.tls() ? "tls" : "plain",
                c.halfClose() ? ", half-closed" : "", RawHttp.escape(c.bytes(), REQUEST_SHOWN), answer,
                x.end().name().toLowerCase(Locale.ROOT), x.detail() == null ? "" : " (" + abbreviate(x.detail(), 120) + ")", x.millis());
    }

    /** Errors and exceptions the server logged during the run: not asserted, but they point at the cause of a 5xx. */
    String logFindings() {
        List<String> lines = server.logText().lines()
                .filter(l -> l.contains("ERROR") || l.contains("Exception") || l.contains(" WARN ")).toList();
        if (lines.isEmpty()) return "server log: no ERROR/WARN/Exception lines\n";
        Map<String, Long> distinct = lines.stream().map(l -> l.replaceAll("^[0-9T:.\\-Z ]+", "").replaceAll("[0-9a-z]{20}", "<id>"))
                .map(l -> abbreviate(l, 240)).collect(Collectors.groupingBy(l -> l, TreeMap::new, Collectors.counting()));
        StringBuilder b = new StringBuilder("server log: " + lines.size() + " ERROR/WARN/Exception lines, distinct:\n");
        distinct.entrySet().stream().sorted(Map.Entry.<String, Long>comparingByValue().reversed()).limit(15)
                .forEach(e -> b.append(String.format("  %5d× %s%n", e.getValue(), e.getKey())));
        return b.toString();
    }

    private static void count(Map<String, LongAdder> counts, String key) { counts.computeIfAbsent(key, k -> new LongAdder()).increment(); }

    private static String sorted(Map<String, LongAdder> counts) {
        Map<String, Long> m = new TreeMap<>();
        counts.forEach((k, v) -> m.put(k, v.sum()));
        return m.toString();
    }

    private static String abbreviate(String s, int max) { return s.length() <= max ? s : s.substring(0, max) + "…"; }

    private static String tail(String s, int max) { return s.length() <= max ? s : "…" + s.substring(s.length() - max); }
}
