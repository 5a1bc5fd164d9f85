package dev.cove.api.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cove.api.Json;
import dev.cove.api.http.Responses;
import dev.cove.api.store.ClusterStore;
import dev.cove.api.store.SandboxRecord;
import dev.cove.api.store.SandboxStore;
import dev.cove.core.CoveException;
import dev.cove.core.routing.CoveHeaders;
import dev.cove.core.routing.NodeForwardSignature;
import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.Filter;
import io.helidon.webserver.http.FilterChain;
import io.helidon.webserver.http.RoutingRequest;
import io.helidon.webserver.http.RoutingResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Clock;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The API of a cluster node: a call about a sandbox another node holds (kill, timeout, connect, pause, resume,
 * network, ports, expose, links...) goes to that node, and a create goes to the node placement picks. The call travels
 * as the client made it, with its API key (keys are shared through the catalog, so the owner checks it as any node
 * would), tagged {@value #FORWARDED_BY} so that it is never forwarded twice, and signed with the cluster's secret
 * ({@link NodeForwardSignature}) so the owner's edge takes the original client's address and scheme (and passes the
 * forwarded-by mark on, which it drops from anything unsigned). Reads the catalog answers alike on
 * every node ({@code GET /sandboxes/{id}}, lists) are not forwarded. Responses naming the sandboxes' {@code domain}
 * name this node's, so a client keeps talking to the node it chose.
 */
public final class NodeForwarding implements Filter {
    private static final Logger LOG = LoggerFactory.getLogger(NodeForwarding.class);
    public static final String FORWARDED_BY = "x-cove-forwarded-by";
    private static final HeaderName FORWARDED_BY_HEADER = HeaderNames.create(FORWARDED_BY);
    private static final HeaderName X_FORWARDED_FOR = HeaderNames.create("x-forwarded-for");
    private static final HeaderName X_FORWARDED_PROTO = HeaderNames.create("x-forwarded-proto");
    private static final HeaderName AGENT_SANDBOX = HeaderNames.create(CoveHeaders.SANDBOX_ID);
    private static final Pattern CREATE = Pattern.compile("^/(v2/)?sandboxes/?$");
    private static final Pattern ONE = Pattern.compile("^/(?:v2/)?sandboxes/([^/]+)(/.*)?$");
    /** Not forwarded: the connection's own framing, and what the HTTP client sets itself. */
    private static final Set<String> HOP_BY_HOP = Set.of("connection", "keep-alive", "transfer-encoding", "upgrade",
            "te", "trailer", "proxy-authorization", "proxy-connection", "host", "content-length", "expect", FORWARDED_BY,
            NodeForwardSignature.HEADER, "x-forwarded-for", "x-forwarded-proto", "x-forwarded-host", "x-forwarded-port");
    private static final int SEND_WHOLE_BELOW = 64 * 1024;
    /**
     * The largest body forwarded (the API's calls about sandboxes carry small JSON). It is read whole before it is sent,
     * and before any API key is checked (the owner checks it), so without a bound anyone could fill the heap.
     */
    static final int MAX_BODY_BYTES = 1 << 20;
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(3);
    private static final Duration CALL_TIMEOUT = Duration.ofMinutes(5); // a create may build a template's disk

    private final String node;
    private final String domain;
    private final SandboxStore store;
    private final ClusterStore rows;
    private final Clock clock;
    /** Signs each forwarded call, so the owner's edge trusts the client address and scheme it names. */
    private final NodeForwardSignature signature;
    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(CONNECT_TIMEOUT).followRedirects(HttpClient.Redirect.NEVER).build();

    public NodeForwarding(String node, String domain, SandboxStore store, ClusterStore rows, Clock clock,
                          NodeForwardSignature signature) {
        this.signature = signature;
        this.node = node;
        this.domain = domain;
        this.store = store;
        this.rows = rows;
        this.clock = clock;
    }

    @Override
    public void filter(FilterChain chain, RoutingRequest req, RoutingResponse res) {
        if (req.headers().contains(FORWARDED_BY_HEADER) || req.headers().contains(AGENT_SANDBOX)) {
            chain.proceed();
            return;
        }
        String path = req.path().rawPath();
        String method = req.prologue().method().text();
        Optional<ClusterStore.Node> target;
        boolean create = method.equals("POST") && CREATE.matcher(path).matches();
        try {
            target = create ? placement() : owner(method, path);
        } catch (CoveException e) {
            Responses.error(res, e);
            return;
        }
        if (target.isEmpty() || target.get().name().equals(node)) {
            chain.proceed();
            return;
        }
        forward(req, res, target.get(), create || path.endsWith("/connect"));
    }

    private Optional<ClusterStore.Node> placement() {
        Optional<ClusterStore.Node> chosen = rows.place(clock.instant());
        if (chosen.isEmpty()) {
            throw new CoveException(503, "sandbox_capacity_unavailable",
                    "No node of the cluster can take a sandbox now (all are at their maximum, draining or lost)");
        }
        return chosen;
    }

    /** The node holding the sandbox a path names, when the call must run there. */
    private Optional<ClusterStore.Node> owner(String method, String path) {
        Matcher m = ONE.matcher(path);
        if (!m.matches() || m.group(1).equals("metrics")) return Optional.empty();
        if (m.group(2) == null && method.equals("GET")) return Optional.empty(); // the catalog answers
        SandboxRecord row = store.find(m.group(1)).orElse(null);
        if (row == null || !row.state().isLive() || row.node() == null || row.node().equals(node)) return Optional.empty();
        return rows.nodes().stream().filter(n -> n.name().equals(row.node())).findFirst();
    }

    private void forward(RoutingRequest req, RoutingResponse res, ClusterStore.Node to, boolean rewriteDomain) {
        String query = req.query().rawValue();
        String target = req.path().rawPath() + (query == null || query.isEmpty() ? "" : "?" + query);
        URI uri = URI.create(to.url() + target);
        HttpResponse<InputStream> answer;
        try {
            byte[] body = req.content().hasEntity() ? req.content().inputStream().readNBytes(MAX_BODY_BYTES + 1)
                    : new byte[0];
            if (body.length > MAX_BODY_BYTES) {
                Responses.error(res, new CoveException(413, "request_too_large", "The request body is larger than "
                        + MAX_BODY_BYTES + " bytes"));
                return;
            }
            HttpRequest.Builder out = HttpRequest.newBuilder(uri).timeout(CALL_TIMEOUT)
                    .method(req.prologue().method().text(), body.length == 0 ? HttpRequest.BodyPublishers.noBody()
                            : HttpRequest.BodyPublishers.ofByteArray(body))
                    .header(FORWARDED_BY, node)
                    .header(NodeForwardSignature.HEADER, signature.sign(clock.instant().getEpochSecond(),
                            req.prologue().method().text(), hostHeader(uri), target, clientAddress(req), clientSecure(req)));
            req.headers().forEach(h -> {
                if (!HOP_BY_HOP.contains(h.name().toLowerCase(Locale.ROOT))) {
                    for (String v : h.allValues()) out.header(h.name(), v);
                }
            });
            answer = client.send(out.build(), HttpResponse.BodyHandlers.ofInputStream());
        } catch (ConnectException | HttpTimeoutException e) {
            LOG.warn("Node {} did not answer a forwarded {} {}: {}", to.name(), req.prologue().method().text(),
                    req.path().rawPath(), e.toString());
            Responses.error(res, new CoveException(503, "node_unreachable", "The node holding this sandbox ("
                    + to.name() + ") does not answer; retry shortly (if it is gone, its sandboxes end within seconds)"));
            return;
        } catch (IOException e) {
            Responses.error(res, new CoveException(502, "node_failed", "The call to node " + to.name() + " failed: " + e.getMessage()));
            return;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            Responses.error(res, new CoveException(503, "node_unreachable", "Interrupted while calling node " + to.name()));
            return;
        }
        res.status(Status.create(answer.statusCode()));
        answer.headers().map().forEach((name, values) -> {
            if (!HOP_BY_HOP.contains(name.toLowerCase(Locale.ROOT)) && !name.startsWith(":")) {
                res.header(HeaderNames.create(name), values.toArray(String[]::new));
            }
        });
        try (InputStream in = answer.body()) {
            if (rewriteDomain && answer.headers().firstValue("content-type").orElse("").contains("json")) {
                res.send(withOurDomain(in.readAllBytes()));
                return;
            }
            // a short answer (or none: 204) is sent whole; a long or streamed one (port events) as it comes
            long length = answer.headers().firstValueAsLong("content-length").orElse(-1);
            int status = answer.statusCode();
            if (status == 204 || status == 304 || (length >= 0 && length <= SEND_WHOLE_BELOW)) {
                res.send(in.readAllBytes());
                return;
            }
            byte[] buf = new byte[8192];
            int n = in.read(buf);
            if (n < 0) {
                res.send();
                return;
            }
            try (OutputStream os = res.outputStream()) {
                do {
                    os.write(buf, 0, n);
                    os.flush();
                } while ((n = in.read(buf)) >= 0);
            }
        } catch (IOException e) {
            LOG.warn("Relaying the answer of node {} failed: {}", to.name(), e.toString());
        }
    }

    /** The Host the HTTP client sends for {@code uri} (the port only when not the scheme's default), as the owner's edge sees it. */
    static String hostHeader(URI uri) {
        int port = uri.getPort();
        boolean defaultPort = port == -1 || port == ("https".equals(uri.getScheme()) ? 443 : 80);
        return defaultPort ? uri.getHost() : uri.getHost() + ":" + port;
    }

    /** The client as this node's edge saw it (the edge sets X-Forwarded-For and drops any a client sends). */
    private static String clientAddress(RoutingRequest req) {
        String forwarded = req.headers().first(X_FORWARDED_FOR).orElse(null);
        if (forwarded != null && !forwarded.isBlank()) return forwarded.split(",")[0].strip();
        return req.remotePeer().host();
    }

    private static boolean clientSecure(RoutingRequest req) {
        return "https".equalsIgnoreCase(req.headers().first(X_FORWARDED_PROTO).orElse(""));
    }

    /** A sandbox's {@code domain} is where the client reaches it: through this node as well as any other. */
    private byte[] withOurDomain(byte[] body) {
        try {
            JsonNode n = Json.MAPPER.readTree(body);
            if (n instanceof ObjectNode o && o.has("domain")) {
                o.put("domain", domain);
                return Json.bytes(o);
            }
        } catch (IOException notJson) {
            // relayed as it came
        }
        return body;
    }
}
