package dev.cove.it;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * The requests of {@link EdgeFuzzIT}: case {@code i} of seed {@code s} is always the same bytes (up to the sandbox id
 * and the server's ports), whatever ran before it and on whichever thread, because each case has its own
 * {@link Random} seeded from both. Requests are built as ISO-8859-1 strings, so every byte 0x00-0xff can be written.
 *
 * <p>No case can harm the run it is part of: the API key goes only with GET and HEAD to read-only API paths, so no
 * mutation creates, pauses or kills a sandbox; the agent only sees paths that read, list, or write files under /tmp.
 */
final class EdgeFuzzCases {
    enum Target { API, AGENT, SANDBOX, UNKNOWN, NO_HOST }

    /**
     * One fuzz request (or several, pipelined, on one connection).
     *
     * @param kind           {@code family/variant}, what failures are broken down by
     * @param tls            sent over the TLS port (Cove's CA) instead of the plain one
     * @param sni            the TLS server name, or null
     * @param targets        where each request goes, in order (pipelines mix them)
     * @param versions       the HTTP version each request line claims, as written ("-" for bytes that have none)
     * @param methods        the method of each request, in order (HEAD answers have no body)
     * @param halfClose      the client shuts its side after the bytes: it sends no more, so a server that waits for
     *                       more can only close
     * @param expectAnswer   an HTTP answer is owed: closing without one is a failure. False only for bytes that are not
     *                       an HTTP/1.x request (random bytes, an HTTP/0.9 line, a TLS or HTTP/2 preface on the plain
     *                       port) and for requests the client itself cut off (truncated, then closed)
     * @param plainToTlsPort plain bytes (no TLS) sent to the TLS port
     */
    record Case(int index, String kind, boolean tls, String sni, byte[] bytes, List<Target> targets, List<String> versions,
                List<String> methods, boolean halfClose, boolean expectAnswer, boolean plainToTlsPort) {
        /** Every request of the case to one target, in one version. */
        Case(int index, Target target, String kind, String version, boolean tls, String sni, byte[] bytes,
             List<String> methods, boolean halfClose, boolean expectAnswer, boolean plainToTlsPort) {
            this(index, kind, tls, sni, bytes, Collections.nCopies(methods.size(), target),
                    Collections.nCopies(methods.size(), version), methods, halfClose, expectAnswer, plainToTlsPort);
        }

        Case(int index, Target target, String kind, String version, boolean tls, String sni, byte[] bytes,
             List<String> methods, boolean halfClose, boolean expectAnswer) {
            this(index, target, kind, version, tls, sni, bytes, methods, halfClose, expectAnswer, false);
        }

        Target target() { return targets.getFirst(); }

        String version() { return versions.getFirst(); }

        /** The target of the {@code i}th answer (answers beyond the requests, such as a smuggled one, count as the last). */
        Target target(int i) { return targets.get(Math.min(i, targets.size() - 1)); }

        String version(int i) { return versions.get(Math.min(i, versions.size() - 1)); }

        int expectedResponses() { return Math.max(1, methods.size()); }
    }

    static final String[] COMMON_METHODS = {"GET", "GET", "GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "PATCH"};
    static final String[] ODD_METHODS = {"FOO", "get", "Get", "PROPFIND", "MKCOL", "M-SEARCH", "BREW", "TRACE", "QUERY",
            "PURGE", "LINK", "G@T", "GET/", "G\u0000T", "GE\u007fT", "\u00c4\u00d6\u00dc", "-", "1", "X".repeat(300),
            "PRI", "SEARCH", "UNLOCK", "REPORT"};
    static final String[] BAD_VERSIONS = {"HTTP/1.2", "HTTP/2.0", "HTTP/2", "HTTP/3", "HTTP/0.9", "HTTP/1", "http/1.1",
            "HTTP/1.1.1", "HTTP/01.1", "HTTP/1.01", "HTTP/9.9", "HTXP/1.1", "HTTP /1.1", "HTTP/1.1\u0000", "HTTP/10.0",
            "HTTP/1.x", "HTTP/-1.1", "HTTP/1.1 extra", "HTTP/\u00b9.1", "HTTPS/1.1"};

    private final String sandboxId;
    private final String domain;
    private final int httpPort;
    private final int httpsPort;
    private final String apiKey;
    private final long seed;

    EdgeFuzzCases(long seed, String sandboxId, String domain, int httpPort, int httpsPort, String apiKey) {
        this.seed = seed;
        this.sandboxId = sandboxId;
        this.domain = domain;
        this.httpPort = httpPort;
        this.httpsPort = httpsPort;
        this.apiKey = apiKey;
    }

    /** A 64-bit mix (SplitMix64's finalizer): java.util.Random's first draws from neighbouring seeds are alike. */
    static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }

    Case generate(int index) {
        Random r = new Random(mix(seed + 0x9E3779B97F4A7C15L * (index + 1)));
        int family = r.nextInt(100);
        boolean tls = r.nextInt(4) == 0;
        Target target = pickTarget(r);
        if (family < 22) return valid(index, r, target, tls);
        if (family < 30) return oddMethod(index, r, target, tls);
        if (family < 36) return badVersion(index, r, target, tls);
        if (family < 43) return badRequestLine(index, r, target, tls);
        if (family < 55) return framing(index, r, target, tls);
        if (family < 67) return headers(index, r, target, tls);
        if (family < 72) return huge(index, r, target, tls);
        if (family < 80) return pipelined(index, r, tls);
        if (family < 86) return truncated(index, r, target, tls);
        if (family < 92) return garbage(index, r, target, tls);
        return targetForms(index, r, target, tls);
    }

    private static Target pickTarget(Random r) {
        int t = r.nextInt(100);
        if (t < 25) return Target.API;
        if (t < 50) return Target.AGENT;
        if (t < 80) return Target.SANDBOX;
        if (t < 92) return Target.UNKNOWN;
        return Target.NO_HOST;
    }

    // ---- where a request goes -------------------------------------------------------------------------------------

    /** The Host header (null: none) and any routing headers for a target. */
    private record Dest(String host, List<String> extraHeaders, String sni) {}

    private Dest dest(Random r, Target target, boolean tls) {
        String port = r.nextInt(5) == 0 ? "" : ":" + (tls ? httpsPort : httpPort);
        return switch (target) {
            case API -> {
                String name = switch (r.nextInt(10)) {
                    case 0 -> "API." + domain.toUpperCase();
                    case 1 -> "api." + domain + ".";
                    default -> "api." + domain;
                };
                yield new Dest(name + port, List.of(), "api." + domain);
            }
            case AGENT -> r.nextInt(6) == 0
                    ? new Dest("sandbox." + domain + port, List.of("E2b-Sandbox-Id: " + sandboxId, "E2b-Sandbox-Port: 49983"), "sandbox." + domain)
                    : new Dest("49983-" + sandboxId + "." + domain + port, List.of(), "49983-" + sandboxId + "." + domain);
            case SANDBOX -> {
                // 4000: nothing listens there, the edge answers 502 port_not_listening (the sandbox's side)
                int sandboxPort = r.nextInt(10) == 0 ? 4000 : 3000;
                yield r.nextInt(8) == 0
                        ? new Dest("sandbox." + domain + port, List.of("E2b-Sandbox-Id: " + sandboxId, "E2b-Sandbox-Port: " + sandboxPort), "sandbox." + domain)
                        : new Dest(sandboxPort + "-" + sandboxId + "." + domain + port, List.of(), sandboxPort + "-" + sandboxId + "." + domain);
            }
            case UNKNOWN -> {
                String[] hosts = {"example.com", "3000-nosuchsandbox0000000." + domain, "49983-nosuchsandbox0000000." + domain,
                        "x-" + sandboxId + "." + domain, "70000-" + sandboxId + "." + domain, "0-" + sandboxId + "." + domain,
                        domain, "localhost", "127.0.0.1", "[::1]", "sandbox." + domain, "a..b", "",
                        "api." + domain + ".evil.example", "3000-" + sandboxId + ".other.example",
                        // (not "3000-<id>-client1.<domain>": that is E2B's client-suffixed form of a sandbox port)
                        "3000-" + sandboxId + "-client1.other.example", "3000-AB!@#." + domain, "-." + domain, "3000--." + domain,
                        "3000-" + "z".repeat(300) + "." + domain, "_." + domain, "*." + domain};
                String h = hosts[r.nextInt(hosts.length)];
                List<String> extra = new ArrayList<>();
                if (r.nextInt(6) == 0) extra.add("E2b-Sandbox-Id: " + pick(r, "", "nosuchsandbox0000000", "../x", sandboxId));
                if (r.nextInt(6) == 0) extra.add("E2b-Sandbox-Port: " + pick(r, "", "0", "-1", "99999", "abc", "49983", "3000"));
                String sni = h.isEmpty() || h.startsWith("[") || h.contains("..") || h.contains("!") || h.startsWith("-")
                        || h.endsWith(".") || h.startsWith("_") || h.startsWith("*") || Character.isDigit(h.charAt(0)) && h.matches("[0-9.]+")
                        ? null : h;
                yield new Dest(h.isEmpty() ? "" : h + port, extra, sni);
            }
            case NO_HOST -> new Dest(null, List.of(), null);
        };
    }

    private String path(Random r, Target target, String method) {
        return switch (target) {
            case API -> pick(r, "/health", "/health", "/", "/sandboxes", "/v2/sandboxes", "/sandboxes/" + sandboxId,
                    "/sandboxes/" + sandboxId + "/ports", "/templates", "/nonexistent", "/sandboxes/../health",
                    "/health?x=%ff%00", "//health", "/%2e%2e/health", "/sandboxes/nosuchsandbox0000000",
                    "/v2/sandboxes?metadata=a%3Db&state=running", "/health/", "/HEALTH");
            case AGENT -> pick(r, "/health", "/health", "/files?path=/tmp/fuzz.txt", "/envs", "/", "/metrics",
                    "/process.Process/List", "/filesystem.Filesystem/Stat", "/nonexistent", "/files?path=",
                    "/files?path=/tmp/%00", "/files?path=/tmp/fuzz.txt&username=nobody");
            case SANDBOX -> method.equals("POST") ? "/upload" : r.nextInt(100) < 2 ? pick(r, "/cut", "/big?mb=1")
                    : pick(r, "/", "/", "/a?b=c", "/status?code=404", "/status?code=503", "/page", "/asset.js", "/x/../y");
            default -> pick(r, "/", "/health", "/a?b=c");
        };
    }

    /** The API key goes only with reads of the control plane, so no fuzzed request can create or end a sandbox. */
    private static boolean mayCarryApiKey(Target target, String method) {
        return target == Target.API && (method.equals("GET") || method.equals("HEAD"));
    }

    // ---- a well-formed request, the base of most families ---------------------------------------------------------

    private final class Request {
        String method = "GET";
        String target = "/";
        String version = "HTTP/1.1";
        final List<String> headers = new ArrayList<>();
        String body = "";
        String eol = "\r\n";

        String text() {
            StringBuilder b = new StringBuilder(method).append(' ').append(target).append(' ').append(version).append(eol);
            for (String h : headers) b.append(h).append(eol);
            return b.append(eol).append(body).toString();
        }
    }

    private Request request(Random r, Target target, boolean tls, String method, String version) {
        Request q = new Request();
        q.method = method;
        q.version = version;
        Dest d = dest(r, target, tls);
        q.target = path(r, target, method);
        if (d.host() != null) q.headers.add("Host: " + d.host());
        q.headers.addAll(d.extraHeaders());
        if (r.nextBoolean()) q.headers.add("User-Agent: " + pick(r, "curl/8.5.0", "python-requests/2.31",
                "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0 Safari/537.36", "", "fuzz/\u00ff"));
        if (r.nextBoolean()) q.headers.add("Accept: " + pick(r, "*/*", "application/json", "text/html", "text/html,application/xhtml+xml"));
        int conn = r.nextInt(4);
        if (conn == 0) q.headers.add("Connection: close");
        if (conn == 1) q.headers.add("Connection: keep-alive");
        if (mayCarryApiKey(target, method) && r.nextBoolean()) q.headers.add("X-API-Key: " + apiKey);
        if (method.equals("POST") || method.equals("PUT") || method.equals("PATCH")) {
            String body = r.nextBoolean() ? "{\"fuzz\":" + r.nextInt(1000) + "}" : randomPrintable(r, r.nextInt(2000));
            if (version.equals("HTTP/1.1") && r.nextInt(3) == 0) {
                q.headers.add("Transfer-Encoding: chunked");
                q.body = chunked(r, body);
            } else {
                q.headers.add("Content-Length: " + body.length());
                q.body = body;
            }
            q.headers.add("Content-Type: " + pick(r, "application/json", "application/octet-stream", "text/plain"));
        }
        return q;
    }

    private Case single(int index, Target target, String kind, Request q, boolean tls, Dest d, boolean halfClose, boolean expectAnswer) {
        return new Case(index, target, kind, q.version, tls, d == null ? null : d.sni(),
                q.text().getBytes(StandardCharsets.ISO_8859_1), List.of(q.method), halfClose, expectAnswer);
    }

    private Case valid(int index, Random r, Target target, boolean tls) {
        String method = COMMON_METHODS[r.nextInt(COMMON_METHODS.length)];
        String version = r.nextInt(100) < 40 ? "HTTP/1.0" : "HTTP/1.1";
        Request q = request(r, target, tls, method, version);
        return single(index, target, "valid/" + method.toLowerCase(), q, tls, sniOf(r, target, tls), false, true);
    }

    /** The SNI matching the target (drawn from a fresh dest so the Host and SNI agree most of the time). */
    private Dest sniOf(Random r, Target target, boolean tls) { return tls ? dest(r, target, true) : null; }

    private Case oddMethod(int index, Random r, Target target, boolean tls) {
        String method = ODD_METHODS[r.nextInt(ODD_METHODS.length)];
        Request q = request(r, target, tls, "GET", r.nextInt(3) == 0 ? "HTTP/1.0" : "HTTP/1.1");
        q.method = method;
        if (r.nextBoolean()) {
            q.headers.add("Content-Length: 5");
            q.body = "hello";
        }
        return single(index, target, "method/" + safeLabel(method), q, tls, sniOf(r, target, tls), false, true);
    }

    private Case badVersion(int index, Random r, Target target, boolean tls) {
        String version = BAD_VERSIONS[r.nextInt(BAD_VERSIONS.length)];
        Request q = request(r, target, tls, "GET", "HTTP/1.1");
        q.version = version;
        return single(index, target, "version/" + safeLabel(version), q, tls, sniOf(r, target, tls), false, true);
    }

    private Case badRequestLine(int index, Random r, Target target, boolean tls) {
        Request q = request(r, target, tls, "GET", r.nextInt(3) == 0 ? "HTTP/1.0" : "HTTP/1.1");
        String head = q.text().substring(q.text().indexOf("\r\n")); // the headers, after the request line
        String v = q.version;
        String[][] lines = {
                {"missing-target", "GET " + v},
                {"extra-spaces", "GET  /  " + v},
                {"tabs", "GET\t/\t" + v},
                {"trailing-space", "GET / " + v + " "},
                {"target-space", "GET /a b " + v},
                {"target-nul", "GET /a\u0000b " + v},
                {"target-ctl", "GET /a\u0001\u001b[31m " + v},
                {"target-del", "GET /\u007f " + v},
                {"target-utf8", "GET /\u00c3\u00bc\u00e2\u0082\u00ac " + v},
                {"target-latin1", "GET /\u00fc " + v},
                {"target-fragment", "GET /a#frag " + v},
                {"target-pct", "GET /%zz%0%00%ff " + v},
                {"target-dots", "GET /../../../etc/passwd " + v},
                {"target-noslash", "GET index.html " + v},
                {"target-query-only", "GET ? " + v},
                {"target-backslash", "GET \\..\\x " + v},
                {"leading-crlf", "\r\n\r\nGET / " + v},
                {"leading-space", " GET / " + v},
                {"cr-in-line", "GET /\r/ " + v},
                {"empty-line", ""},
                {"no-spaces", "GET/" + v},
                {"lowercase-everything", "get / " + v.toLowerCase()},
        };
        String[] chosen = lines[r.nextInt(lines.length)];
        byte[] bytes = (chosen[1] + head).getBytes(StandardCharsets.ISO_8859_1);
        return new Case(index, target, "line/" + chosen[0], v, tls, sniFor(r, target, tls), bytes, List.of("GET"), false, true);
    }

    private Case framing(int index, Random r, Target target, boolean tls) {
        String version = r.nextInt(5) == 0 ? "HTTP/1.0" : "HTTP/1.1";
        Request q = request(r, target, tls, "GET", version);
        q.method = target == Target.SANDBOX ? "POST" : pick(r, "POST", "PUT", "GET");
        q.target = target == Target.SANDBOX ? "/upload" : target == Target.AGENT ? "/files?path=/tmp/fuzz.txt" : q.target;
        q.headers.removeIf(h -> h.startsWith("X-API-Key") || h.startsWith("Content-Length") || h.startsWith("Transfer-Encoding"));
        String chunkedHello = "5\r\nhello\r\n0\r\n\r\n";
        boolean halfClose = false;
        boolean expectAnswer = true;
        String variant;
        switch (r.nextInt(22)) {
            case 0 -> { variant = "cl-then-te"; q.headers.add("Content-Length: 5"); q.headers.add("Transfer-Encoding: chunked"); q.body = chunkedHello; }
            case 1 -> { variant = "te-then-cl"; q.headers.add("Transfer-Encoding: chunked"); q.headers.add("Content-Length: 5"); q.body = chunkedHello; }
            case 2 -> { variant = "cl-dup-same"; q.headers.add("Content-Length: 5"); q.headers.add("Content-Length: 5"); q.body = "hello"; }
            case 3 -> { variant = "cl-dup-diff"; q.headers.add("Content-Length: 5"); q.headers.add("Content-Length: 6"); q.body = "hello!"; }
            case 4 -> { variant = "cl-list-same"; q.headers.add("Content-Length: 5, 5"); q.body = "hello"; }
            case 5 -> { variant = "cl-list-diff"; q.headers.add("Content-Length: 5, 6"); q.body = "hello!"; }
            case 6 -> {
                String cl = pick(r, "-1", "abc", "5a", "0x5", "+5", "5.0", "5e0", "", " ", "\u0665", "05", "5 5", "0005",
                        "-0", "5\u0000");
                variant = "cl-bad/" + safeLabel(cl);
                q.headers.add("Content-Length: " + cl);
                q.body = "hello";
            }
            case 7 -> { variant = "cl-overflow"; q.headers.add("Content-Length: " + pick(r, "99999999999999999999", "9223372036854775808", "18446744073709551616")); q.body = "hello"; }
            case 8 -> { variant = "cl-larger-than-body"; q.headers.add("Content-Length: 100000"); q.body = "hello"; halfClose = true; expectAnswer = false; }
            case 9 -> {
                String te = pick(r, "xchunked", "chunked, gzip", "gzip, chunked", "identity", "chunked;q=1", " chunked",
                        "CHUNKED", "chunked\u000b", "chunked, chunked", "chunked,", ",chunked", "gzip", "chunke", "\"chunked\"");
                variant = "te-bad/" + safeLabel(te);
                q.headers.add("Transfer-Encoding: " + te);
                q.body = chunkedHello;
            }
            case 10 -> { variant = "te-two-lines"; q.headers.add("Transfer-Encoding: chunked"); q.headers.add("Transfer-Encoding: gzip"); q.body = chunkedHello; }
            case 11 -> { variant = "te-space-before-colon"; q.headers.add("Transfer-Encoding : chunked"); q.body = chunkedHello; }
            case 12 -> { variant = "te-underscore"; q.headers.add("Transfer_Encoding: chunked"); q.body = chunkedHello; }
            case 13 -> {
                String size = pick(r, "zz", "-1", "0x5", "5 ", " 5", "5;", "+5", "ffffffffffffffffffff", "", "5\u0000",
                        "7fffffffffffffff", "5;ext=\"x\"", "5;a=b;c");
                variant = "chunk-size/" + safeLabel(size);
                q.headers.add("Transfer-Encoding: chunked");
                q.body = size + "\r\nhello\r\n0\r\n\r\n";
                // A size the server reads as larger than what follows leaves it waiting for data: we say we are done.
                halfClose = true;
                expectAnswer = false;
            }
            case 14 -> { variant = "chunk-missing-crlf"; q.headers.add("Transfer-Encoding: chunked"); q.body = "5\r\nhelloX0\r\n\r\n"; halfClose = true; expectAnswer = false; }
            case 15 -> { variant = "chunk-trailers"; q.headers.add("Transfer-Encoding: chunked"); q.body = "5\r\nhello\r\n0\r\nX-Trailer: 1\r\nContent-Length: 9\r\n\r\n"; }
            case 16 -> { variant = "chunk-no-end"; q.headers.add("Transfer-Encoding: chunked"); q.body = "5\r\nhello\r\n"; halfClose = true; expectAnswer = false; }
            case 17 -> { variant = "chunk-bare-lf"; q.headers.add("Transfer-Encoding: chunked"); q.body = "5\nhello\n0\n\n"; halfClose = true; expectAnswer = false; }
            case 18 -> { variant = "te-http10"; q.version = "HTTP/1.0"; q.headers.add("Transfer-Encoding: chunked"); q.body = chunkedHello; }
            case 19 -> { variant = "expect-100"; q.headers.add("Expect: " + pick(r, "100-continue", "100-continue", "200-ok", "")); q.headers.add("Content-Length: 5"); q.body = "hello"; }
            case 20 -> { variant = "get-with-body"; q.method = "GET"; q.headers.add("Content-Length: 5"); q.body = "hello"; }
            default -> {
                // CL says 5, but a whole second request follows in the same bytes: two answers, never one merged
                variant = "body-then-request";
                q.headers.add("Content-Length: 5");
                Request second = request(r, target, tls, "GET", "HTTP/1.1");
                second.headers.removeIf(h -> h.startsWith("Connection"));
                q.body = "hello" + second.text();
                return new Case(index, "framing/" + variant, tls, sniFor(r, target, tls), q.text().getBytes(StandardCharsets.ISO_8859_1),
                        List.of(target, target), List.of(q.version, "HTTP/1.1"), List.of(q.method, "GET"), false, true, false);
            }
        }
        return new Case(index, target, "framing/" + variant, q.version, tls, sniFor(r, target, tls),
                q.text().getBytes(StandardCharsets.ISO_8859_1), List.of(q.method), halfClose, expectAnswer);
    }

    private String sniFor(Random r, Target target, boolean tls) {
        Dest d = sniOf(r, target, tls);
        return d == null ? null : d.sni();
    }

    private Case headers(int index, Random r, Target target, boolean tls) {
        Request q = request(r, target, tls, "GET", r.nextInt(4) == 0 ? "HTTP/1.0" : "HTTP/1.1");
        String host = "Host: " + dest(r, target, tls).host();
        String variant;
        switch (r.nextInt(28)) {
            case 0 -> { variant = "no-colon"; q.headers.add("X-Fuzz no colon here"); }
            case 1 -> { variant = "obs-fold"; q.headers.add("X-Fuzz: a"); q.headers.add(pick(r, " ", "\t") + "folded"); }
            case 2 -> { variant = "obs-fold-host"; q.headers.removeIf(h -> h.startsWith("Host")); q.headers.addFirst("Host:"); q.headers.add(1, " " + host.substring(6)); }
            case 3 -> { variant = "bare-lf"; q.eol = "\n"; }
            case 4 -> { variant = "mixed-eol"; q.eol = r.nextBoolean() ? "\r\n" : "\n"; q.headers.add("X-Mixed: 1\nX-Other: 2"); }
            case 5 -> { variant = "bare-cr"; q.headers.add("X-Fuzz: a\rb"); }
            case 6 -> { variant = "nul-value"; q.headers.add("X-Fuzz: a\u0000b"); }
            case 7 -> { variant = "ctl-name"; q.headers.add("X\u0001Fuzz: b"); }
            case 8 -> { variant = "space-in-name"; q.headers.add("X Fuzz: b"); }
            case 9 -> { variant = "space-before-colon"; q.headers.add("X-Fuzz : b"); }
            case 10 -> { variant = "empty-name"; q.headers.add(": b"); }
            case 11 -> { variant = "dup-host-same"; q.headers.add(host); }
            case 12 -> {
                variant = "dup-host-conflict";
                q.headers.add("Host: " + pick(r, "api." + domain, "3000-" + sandboxId + "." + domain, "49983-" + sandboxId + "." + domain, "example.com"));
            }
            case 13 -> { variant = "host-userinfo"; q.headers.removeIf(h -> h.startsWith("Host")); q.headers.addFirst("Host: user:pw@" + host.substring(6)); }
            case 14 -> {
                variant = "host-bad";
                q.headers.removeIf(h -> h.startsWith("Host"));
                q.headers.addFirst("Host: " + pick(r, "api." + domain + "/../x", "api " + domain, "api." + domain + ":abc",
                        "api." + domain + ":99999", "api." + domain + ":", "[::1", "[::1]:x", "\u0000", "api." + domain + "\u0000",
                        "3000-" + sandboxId + "." + domain + ":80:80", "%61pi." + domain, "api.\u00e9." + domain));
            }
            case 15 -> { variant = "host-long"; q.headers.removeIf(h -> h.startsWith("Host")); q.headers.addFirst("Host: " + "a".repeat(10_000) + "." + domain); }
            case 16 -> {
                int n = pickInt(r, 100, 500, 2000, 5000);
                variant = "many-headers/" + n;
                for (int i = 0; i < n; i++) q.headers.add("X-F" + i + ": " + i);
            }
            case 17 -> { variant = "long-value"; q.headers.add("X-Fuzz: " + "v".repeat(pickInt(r, 8_000, 31_000, 40_000))); }
            case 18 -> { variant = "utf8-value"; q.headers.add("X-Fuzz: \u00c3\u00bc\u00e2\u0082\u00ac\u00f0\u009f\u0098\u0080"); }
            case 19 -> { variant = "latin1-name"; q.headers.add("X-F\u00fcz: b"); }
            case 20 -> {
                variant = "upgrade-h2c";
                q.headers.add("Connection: Upgrade, HTTP2-Settings");
                q.headers.add("Upgrade: h2c");
                q.headers.add("HTTP2-Settings: " + pick(r, "AAMAAABkAARAAAAAAAIAAAAA", "", "!!!"));
            }
            case 21 -> { variant = "upgrade-websocket-bad"; q.headers.add("Connection: Upgrade"); q.headers.add("Upgrade: " + pick(r, "websocket", "foo", "")); }
            case 22 -> { variant = "connection-odd"; q.headers.add("Connection: " + pick(r, "close, keep-alive, upgrade, foo", "Content-Length", "Host", "x-api-key, e2b-sandbox-id", "\u0000")); }
            case 23 -> {
                variant = "routing-headers-bad";
                q.headers.add("E2b-Sandbox-Id: " + pick(r, "", "../../etc", "nosuchsandbox0000000", sandboxId, "a".repeat(500)));
                q.headers.add("E2b-Sandbox-Port: " + pick(r, "", "0", "-1", "99999", "abc", "49983", "3000", "3000 "));
            }
            case 24 -> {
                variant = "internal-headers-spoofed";
                q.headers.add("X-Cove-Sandbox-Id: " + pick(r, sandboxId, "nosuchsandbox0000000", ""));
                q.headers.add("X-Forwarded-For: " + pick(r, "1.2.3.4", "garbage", "::1, 10.0.0.1"));
                q.headers.add("X-Forwarded-Host: evil.example");
            }
            case 25 -> { variant = "leading-ws-first-header"; q.headers.addFirst(" X-Fuzz: first"); }
            case 26 -> { variant = "cookies"; q.headers.add("Cookie: cove_access=" + pick(r, "", "x", "cove_link_a.b", "\u0000") + "; a=b; ;;=;"); }
            default -> { variant = "auth-odd"; q.headers.add("Authorization: " + pick(r, "Bearer", "Bearer ", "Bearer cove_link_!!!.??", "Basic \u00ff", "Bearer " + "t".repeat(5000))); }
        }
        return new Case(index, target, "headers/" + variant, q.version, tls, sniFor(r, target, tls),
                q.text().getBytes(StandardCharsets.ISO_8859_1), List.of(q.method), false, true);
    }

    private Case huge(int index, Random r, Target target, boolean tls) {
        Request q = request(r, target, tls, "GET", r.nextInt(4) == 0 ? "HTTP/1.0" : "HTTP/1.1");
        String variant;
        switch (r.nextInt(5)) {
            case 0 -> { int n = pickInt(r, 4_000, 8_200, 16_000, 70_000); variant = "uri/" + n; q.target = "/" + "u".repeat(n); }
            case 1 -> { int n = pickInt(r, 8_200, 70_000); variant = "query/" + n; q.target = q.target + (q.target.contains("?") ? "&" : "?") + "q=" + "%41".repeat(n / 3); }
            case 2 -> { int n = pickInt(r, 33_000, 100_000); variant = "cookie/" + n; q.headers.add("Cookie: c=" + "k".repeat(n)); }
            case 3 -> { variant = "head-100k"; for (int i = 0; i < 2_000; i++) q.headers.add("X-Huge-" + i + ": " + "h".repeat(40)); }
            default -> { variant = "method-10k"; q.method = "M".repeat(10_000); }
        }
        return new Case(index, target, "huge/" + variant, q.version, tls, sniFor(r, target, tls),
                q.text().getBytes(StandardCharsets.ISO_8859_1), List.of(q.method.length() > 20 ? "GET" : q.method), false, true);
    }

    private Case pipelined(int index, Random r, boolean tls) {
        int n = 2 + r.nextInt(5);
        StringBuilder all = new StringBuilder();
        List<String> methods = new ArrayList<>();
        List<Target> targets = new ArrayList<>();
        List<String> versions = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Target t = pickTarget(r);
            String method = pick(r, "GET", "GET", "HEAD", "POST", "OPTIONS");
            String version = r.nextInt(6) == 0 ? "HTTP/1.0" : "HTTP/1.1";
            Request q = request(r, t, tls, method, version);
            // Close only at the end (or never), so the server owes every answer; an HTTP/1.0 request still ends it.
            q.headers.removeIf(h -> h.startsWith("Connection"));
            if (version.equals("HTTP/1.0")) q.headers.add("Connection: keep-alive");
            if (i == n - 1 && r.nextBoolean()) q.headers.add("Connection: close");
            all.append(q.text());
            methods.add(method);
            targets.add(t);
            versions.add(version);
        }
        boolean mixed = targets.stream().distinct().count() > 1;
        return new Case(index, "pipeline/" + (mixed ? "mixed-hosts" : "same-host"), tls, sniFor(r, targets.getFirst(), tls),
                all.toString().getBytes(StandardCharsets.ISO_8859_1), targets, versions, methods, false, true, false);
    }

    private Case truncated(int index, Random r, Target target, boolean tls) {
        String method = pick(r, "GET", "POST", "PUT");
        Request q = request(r, target, tls, method, r.nextInt(3) == 0 ? "HTTP/1.0" : "HTTP/1.1");
        byte[] full = q.text().getBytes(StandardCharsets.ISO_8859_1);
        int headEnd = q.text().indexOf(q.eol + q.eol);
        boolean inBody = q.body.length() > 1 && r.nextBoolean();
        int cutAt = inBody ? headEnd + 4 + 1 + r.nextInt(q.body.length() - 1) : 1 + r.nextInt(Math.max(1, headEnd + 2));
        byte[] bytes = new byte[Math.min(cutAt, full.length - 1)];
        System.arraycopy(full, 0, bytes, 0, bytes.length);
        return new Case(index, target, "truncated/" + (inBody ? "mid-body" : "mid-head"), q.version, tls, sniFor(r, target, tls),
                bytes, List.of(method), true, false);
    }

    private Case garbage(int index, Random r, Target target, boolean tls) {
        String variant;
        byte[] bytes;
        switch (r.nextInt(6)) {
            case 0 -> { variant = "random-bytes"; bytes = new byte[1 + r.nextInt(4096)]; r.nextBytes(bytes); }
            case 1 -> { variant = "random-printable"; bytes = randomPrintable(r, 1 + r.nextInt(2048)).getBytes(StandardCharsets.ISO_8859_1); }
            case 2 -> {
                variant = "random-lines";
                StringBuilder b = new StringBuilder();
                for (int i = 0, n = 1 + r.nextInt(20); i < n; i++) b.append(randomPrintable(r, r.nextInt(80))).append(r.nextBoolean() ? "\r\n" : "\n");
                bytes = b.append("\r\n").toString().getBytes(StandardCharsets.ISO_8859_1);
            }
            case 3 -> {
                variant = "h2-preface-junk";
                byte[] junk = new byte[r.nextInt(512)];
                r.nextBytes(junk);
                bytes = concat("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1), junk);
            }
            case 4 -> {
                variant = "tls-hello-junk";
                byte[] junk = new byte[r.nextInt(512)];
                r.nextBytes(junk);
                bytes = concat(new byte[] {0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, (byte) 0xfc, 0x03, 0x03}, junk);
            }
            default -> { variant = "http09"; bytes = ("GET " + path(r, target, "GET") + "\r\n").getBytes(StandardCharsets.ISO_8859_1); }
        }
        // Garbage goes inside TLS when tls is drawn (the TLS layer hands it to the same HTTP codec), else as plain
        // bytes to the plain port or, a third of the time, to the TLS port, whose handshake decoder meets it first.
        boolean plainToTlsPort = !tls && r.nextInt(3) == 0;
        return new Case(index, target, "garbage/" + variant + (plainToTlsPort ? "@tls-port" : ""), "-", tls,
                tls ? sniFor(r, target, true) : null, bytes, List.of("GET"), true, false, plainToTlsPort);
    }

    private Case targetForms(int index, Random r, Target target, boolean tls) {
        Request q = request(r, target, tls, "GET", r.nextInt(4) == 0 ? "HTTP/1.0" : "HTTP/1.1");
        String hostName = switch (target) {
            case API -> "api." + domain;
            case AGENT -> "49983-" + sandboxId + "." + domain;
            case SANDBOX -> "3000-" + sandboxId + "." + domain;
            default -> "example.com";
        };
        String other = pick(r, "api." + domain, "3000-" + sandboxId + "." + domain, "49983-" + sandboxId + "." + domain, "example.com", "127.0.0.1");
        String variant;
        String method = "GET";
        switch (r.nextInt(10)) {
            case 0 -> { variant = "absolute-same-host"; q.target = "http://" + hostName + ":" + httpPort + "/"; }
            case 1 -> { variant = "absolute-other-host"; q.target = "http://" + other + "/"; }
            case 2 -> { variant = "absolute-odd-scheme"; q.target = pick(r, "https://", "ftp://", "HTTP://", "http:/", "http://", "gopher://") + hostName + "/x"; }
            case 3 -> { variant = "absolute-no-host-header"; q.target = "http://" + hostName + "/"; q.headers.removeIf(h -> h.startsWith("Host")); }
            case 4 -> { variant = "authority-with-get"; q.target = hostName + ":" + httpPort; }
            case 5 -> {
                variant = "connect";
                method = "CONNECT";
                q.method = "CONNECT";
                q.target = pick(r, "api." + domain + ":443", "127.0.0.1:22", "[::1]:80", "3000-" + sandboxId + "." + domain + ":80",
                        "10.228.0.2:3000", "localhost:" + httpPort, hostName);
            }
            case 6 -> { variant = "connect-path"; method = "CONNECT"; q.method = "CONNECT"; q.target = "/"; }
            case 7 -> { variant = "asterisk-options"; method = "OPTIONS"; q.method = "OPTIONS"; q.target = "*"; }
            case 8 -> { variant = "asterisk-get"; q.target = "*"; }
            default -> { variant = "absolute-userinfo"; q.target = "http://user:pw@" + hostName + "/"; }
        }
        return new Case(index, target, "form/" + variant, q.version, tls, sniFor(r, target, tls),
                q.text().getBytes(StandardCharsets.ISO_8859_1), List.of(method), false, true);
    }

    // ---- helpers ---------------------------------------------------------------------------------------------------

    private static String chunked(Random r, String body) {
        StringBuilder b = new StringBuilder();
        int i = 0;
        while (i < body.length()) {
            int n = Math.min(body.length() - i, 1 + r.nextInt(700));
            b.append(Integer.toHexString(n)).append("\r\n").append(body, i, i + n).append("\r\n");
            i += n;
        }
        return b.append("0\r\n\r\n").toString();
    }

    private static String randomPrintable(Random r, int n) {
        StringBuilder b = new StringBuilder(n);
        for (int i = 0; i < n; i++) b.append((char) (0x20 + r.nextInt(0x5f)));
        return b.toString();
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = new byte[a.length + b.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    /** A variant label from arbitrary bytes: printable, short. */
    private static String safeLabel(String s) {
        String escaped = RawHttp.escape(s.getBytes(StandardCharsets.ISO_8859_1), 24);
        return escaped.isEmpty() ? "(empty)" : escaped.replace(' ', '_');
    }

    @SafeVarargs
    private static <T> T pick(Random r, T... options) { return options[r.nextInt(options.length)]; }

    private static int pickInt(Random r, int... options) { return options[r.nextInt(options.length)]; }
}
