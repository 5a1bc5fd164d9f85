package dev.cove.api.envd;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cove.api.Json;
import dev.cove.api.envd.Messages.CloseStdinRequest;
import dev.cove.api.envd.Messages.ConnectRequest;
import dev.cove.api.envd.Messages.ListDirRequest;
import dev.cove.api.envd.Messages.MoveRequest;
import dev.cove.api.envd.Messages.PathRequest;
import dev.cove.api.envd.Messages.SendInputRequest;
import dev.cove.api.envd.Messages.SendSignalRequest;
import dev.cove.api.envd.Messages.StartRequest;
import dev.cove.api.envd.Messages.UpdateRequest;
import dev.cove.api.envd.Messages.WatchDirRequest;
import dev.cove.api.envd.Messages.WatcherRequest;
import dev.cove.api.lifecycle.SandboxProcesses;
import dev.cove.api.lifecycle.SandboxService;
import dev.cove.api.store.SandboxRecord;
import dev.cove.core.CoveException;
import dev.cove.core.routing.SandboxRoute;
import dev.cove.core.runtime.SandboxRuntime;
import dev.cove.core.runtime.SandboxUsage;
import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.http.Method;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The sandbox agent API (E2B's envd), served by the control plane on the host and acting inside the sandbox.
 * The edge sends every request for {@code 49983-<id>.<domain>} (or header-routed to port 49983) here with
 * {@code X-Cove-Sandbox-Id: <id>}; such requests are taken by a route registered before the REST routes (paths like
 * {@code /health} exist in both), everything else goes on to the REST API.
 *
 * <p>Access: a secured sandbox (every sandbox under {@code --default-port-access private}; under {@code public} those
 * created with {@code secure}, E2B's rules) has an {@code envdAccessToken}; then every call except {@code GET /health}
 * and {@code GET|POST /files} needs {@code X-Access-Token}, and {@code /files} accepts a signed URL instead (E2B's
 * rules exactly). Only such an agent answers with CORS headers. Tokens are cached in memory, so calls do not read
 * the database.
 */
public final class EnvdServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(EnvdServer.class);
    /** Set by the edge only (it drops any a client sends). */
    public static final HeaderName SANDBOX_ID = HeaderNames.create("X-Cove-Sandbox-Id");
    static final HeaderName ACCESS_TOKEN = HeaderNames.create("X-Access-Token");
    private static final Set<String> INTERNAL = Set.of("/init", "/freeze", "/unfreeze", "/collapse", "/fsfreeze", "/fsthaw");
    private static final String UNAUTHORIZED =
            "unauthorized access, please provide a valid access token or method signing if supported";

    private final SandboxService sandboxes;
    private final SandboxRuntime runtime;
    private final ProcessService processes;
    private final FilesystemService filesystem;
    private final FilesHandler files;
    /** What the hot path needs of a sandbox, read once from the store. */
    private final Map<String, Access> access = new ConcurrentHashMap<>();

    private record Access(String token, Map<String, String> envVars) {}

    public EnvdServer(SandboxService sandboxes, SandboxRuntime runtime) {
        this.sandboxes = sandboxes;
        this.runtime = runtime;
        this.processes = new ProcessService(runtime);
        this.filesystem = new FilesystemService(runtime);
        this.files = new FilesHandler(runtime);
    }

    /** The processes started through this agent (the ports API asks whether one has ended). */
    public SandboxProcesses processes() { return processes; }

    /**
     * Registers the route that takes agent requests; call before the REST routes. Requests without
     * {@link #SANDBOX_ID} go on to the next route ({@code res.next()}).
     */
    public void register(HttpRouting.Builder routing) {
        routing.any(this::route);
    }

    private void route(ServerRequest req, ServerResponse res) {
        String id = req.headers().first(SANDBOX_ID).orElse(null);
        if (id == null) {
            res.next();
            return;
        }
        try {
            handle(id, req, res);
        } catch (CoveException e) {
            if (!res.isSent()) FilesHandler.httpError(res, e.status(), e.getMessage());
        } catch (UncheckedIOException e) {
            LOG.debug("agent request for {} ended: {}", id, e.toString());
        } catch (RuntimeException e) {
            LOG.error("agent request {} {} for sandbox {} failed", req.prologue().method().text(), req.path().path(), id, e);
            if (!res.isSent()) FilesHandler.httpError(res, 500, "internal error; the Cove server log has the details");
        }
    }

    private void handle(String id, ServerRequest req, ServerResponse res) {
        String path = req.path().path();
        Method method = req.prologue().method();
        if (INTERNAL.contains(path)) {
            ObjectNode body = Json.object();
            body.put("message", "This endpoint is reserved for the E2B control plane and is not reachable through the sandbox URL");
            body.put("path", path);
            body.put("code", 404);
            json(res, 404, body);
            return;
        }
        SandboxRoute route = sandboxes.routes().lookup(id);
        if (route == null || route.state() != SandboxRoute.State.RUNNING || runtime.get(id) == null) {
            forget(id);
            ObjectNode body = Json.object();
            body.put("sandboxId", id);
            body.put("message", "The sandbox was not found");
            body.put("code", 502);
            json(res, 502, body);
            return;
        }
        Access acc = access(id);
        // Any web page may call an agent that its token guards (E2B's browser SDK does); an open agent (E2B's
        // secure: false) gets no CORS headers, so a page its user happens to visit cannot drive it.
        if (acc.token != null) cors(req, res);
        if (method == Method.OPTIONS) {
            res.status(Status.NO_CONTENT_204);
            res.send();
            return;
        }
        if (path.equals("/health") && (method == Method.GET || method == Method.HEAD)) {
            res.status(Status.NO_CONTENT_204);
            res.send();
            return;
        }
        String headerToken = req.headers().first(ACCESS_TOKEN).orElse(null);
        if (path.equals("/files") && (method == Method.GET || method == Method.POST)) {
            Map<String, String> query = query(req.query().rawValue());
            String user = userOf(req, query.get("username"));
            if (!filesAllowed(acc.token, headerToken, query, method == Method.GET ? "read" : "write")) return401(res);
            else {
                EnvdCall call = new EnvdCall(id, user, 0, 0);
                try {
                    if (method == Method.GET) files.download(call, req, res, query);
                    else files.upload(call, req, res, query);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
            return;
        }
        if (acc.token != null && (headerToken == null || !equal(headerToken, acc.token))) {
            return401(res);
            return;
        }
        if (path.equals("/envs") && method == Method.GET) {
            res.status(Status.OK_200);
            res.header(HeaderNames.CONTENT_TYPE, "application/json");
            res.send(Json.bytes(acc.envVars));
            return;
        }
        if (path.equals("/metrics") && method == Method.GET) {
            metrics(id, res);
            return;
        }
        if (method == Method.POST && (path.startsWith("/process.Process/") || path.startsWith("/filesystem.Filesystem/"))) {
            rpc(id, path, req, res);
            return;
        }
        FilesHandler.httpError(res, 404, method.text() + " " + path + " is not an endpoint of the sandbox agent API");
    }

    // ------------------------------------------------------------------ RPC dispatch

    private void rpc(String id, String path, ServerRequest req, ServerResponse res) {
        boolean streaming = switch (path) {
            case "/process.Process/Start", "/process.Process/Connect", "/filesystem.Filesystem/WatchDir" -> true;
            default -> false;
        };
        if (streaming) {
            Connect.Stream stream = new Connect.Stream(res);
            try {
                EnvdCall call = call(id, req);
                switch (path) {
                    case "/process.Process/Start" ->
                            processes.start(call, Connect.readStreamRequest(req, StartRequest.class), stream);
                    case "/process.Process/Connect" ->
                            processes.connect(call, Connect.readStreamRequest(req, ConnectRequest.class), stream);
                    default -> filesystem.watchDir(call, Connect.readStreamRequest(req, WatchDirRequest.class), stream);
                }
            } catch (CoveException e) {
                if (e.status() == 415 && !res.isSent()) {
                    Connect.writeUnaryError(res, e);
                    return;
                }
                stream.end(e);
            } catch (IOException e) {
                LOG.debug("stream {} for {} closed by the client: {}", path, id, e.toString());
            } catch (RuntimeException e) {
                LOG.error("{} for sandbox {} failed", path, id, e);
                stream.end(Connect.error("internal", "internal error; the Cove server log has the details"));
            }
            return;
        }
        Object response;
        try {
            EnvdCall call = call(id, req);
            response = switch (path) {
                case "/process.Process/List" -> {
                    Connect.readUnary(req, Messages.Empty.class);
                    yield processes.list(call);
                }
                case "/process.Process/SendInput" -> processes.sendInput(call, Connect.readUnary(req, SendInputRequest.class));
                case "/process.Process/SendSignal" -> processes.sendSignal(call, Connect.readUnary(req, SendSignalRequest.class));
                case "/process.Process/CloseStdin" -> processes.closeStdin(call, Connect.readUnary(req, CloseStdinRequest.class));
                case "/process.Process/Update" -> processes.update(call, Connect.readUnary(req, UpdateRequest.class));
                case "/filesystem.Filesystem/Stat" -> filesystem.stat(call, Connect.readUnary(req, PathRequest.class));
                case "/filesystem.Filesystem/MakeDir" -> filesystem.makeDir(call, Connect.readUnary(req, PathRequest.class));
                case "/filesystem.Filesystem/Move" -> filesystem.move(call, Connect.readUnary(req, MoveRequest.class));
                case "/filesystem.Filesystem/ListDir" -> filesystem.listDir(call, Connect.readUnary(req, ListDirRequest.class));
                case "/filesystem.Filesystem/Remove" -> filesystem.remove(call, Connect.readUnary(req, PathRequest.class));
                case "/filesystem.Filesystem/CreateWatcher" ->
                        filesystem.createWatcher(call, Connect.readUnary(req, WatchDirRequest.class));
                case "/filesystem.Filesystem/GetWatcherEvents" ->
                        filesystem.getWatcherEvents(call, Connect.readUnary(req, WatcherRequest.class));
                case "/filesystem.Filesystem/RemoveWatcher" ->
                        filesystem.removeWatcher(call, Connect.readUnary(req, WatcherRequest.class));
                default -> throw Connect.error("unimplemented", path.substring(1) + " is not implemented");
            };
        } catch (CoveException e) {
            if (e.status() >= 500 && !"unavailable".equals(e.code())) LOG.error("{} for sandbox {} failed", path, id, e);
            Connect.writeUnaryError(res, e);
            return;
        }
        Connect.writeUnary(res, response);
    }

    private static EnvdCall call(String id, ServerRequest req) {
        return new EnvdCall(id, userOf(req, null), Connect.timeoutMillis(req), Connect.keepaliveMillis(req));
    }

    /** The user: {@code username} query parameter, else {@code Authorization: Basic base64("<user>:")}, else {@code user}. */
    static String userOf(ServerRequest req, String username) {
        String user = username;
        if (user == null || user.isEmpty()) {
            String auth = req.headers().first(HeaderNames.AUTHORIZATION).orElse(null);
            if (auth != null && auth.regionMatches(true, 0, "Basic ", 0, 6)) {
                try {
                    String decoded = new String(Base64.getDecoder().decode(auth.substring(6).strip()), StandardCharsets.UTF_8);
                    int colon = decoded.indexOf(':');
                    user = colon >= 0 ? decoded.substring(0, colon) : decoded;
                } catch (IllegalArgumentException e) {
                    throw new CoveException(401, "unauthenticated", "invalid Authorization header");
                }
            }
        }
        if (user == null || user.isEmpty()) user = "user";
        if (!user.equals("root") && !user.equals("user"))
            throw new CoveException(401, "unauthenticated", "invalid username: '" + user + "' (this sandbox has root and user)");
        return user;
    }

    // ------------------------------------------------------------------ access

    private Access access(String id) {
        return access.computeIfAbsent(id, k -> {
            SandboxRecord r = sandboxes.find(k).orElseThrow(() -> new CoveException(502, "unavailable", "The sandbox was not found"));
            return new Access(r.envdAccessToken(), r.envVars());
        });
    }

    private void forget(String id) {
        if (access.remove(id) != null) {
            processes.forget(id);
            filesystem.forget(id);
        }
    }

    /**
     * E2B's order: no token → allowed; X-Access-Token present → must match; else a signature over
     * {@code path:operation:username:token[:expiration]} must match and not be expired.
     */
    static boolean filesAllowed(String token, String headerToken, Map<String, String> query, String operation) {
        if (token == null) return true;
        if (headerToken != null) return equal(headerToken, token);
        String signature = query.get("signature");
        if (signature == null) return false;
        String exp = query.get("signature_expiration");
        String expected = sign(query.getOrDefault("path", ""), operation, query.getOrDefault("username", ""), token, exp);
        if (!equal(signature, expected)) return false;
        if (exp != null) {
            try {
                return Long.parseLong(exp) >= Instant.now().getEpochSecond();
            } catch (NumberFormatException e) {
                return false;
            }
        }
        return true;
    }

    /** {@code v1_} + unpadded base64 of SHA-256 over {@code path:operation:username:token[:expiration]}. */
    public static String sign(String path, String operation, String username, String token, String expiration) {
        String raw = path + ":" + operation + ":" + username + ":" + token + (expiration == null ? "" : ":" + expiration);
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(raw.getBytes(StandardCharsets.UTF_8));
            return "v1_" + Base64.getEncoder().withoutPadding().encodeToString(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static boolean equal(String a, String b) {
        return MessageDigest.isEqual(a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8));
    }

    private static void return401(ServerResponse res) {
        FilesHandler.httpError(res, 401, UNAUTHORIZED);
    }

    // ------------------------------------------------------------------ misc endpoints

    private void metrics(String id, ServerResponse res) {
        SandboxUsage u = runtime.usage(id);
        long diskTotal = u.diskTotal() > 0 ? u.diskTotal() : (long) sandboxes.config().diskSizeMB() << 20;
        ObjectNode body = Json.object();
        body.put("ts", Instant.now().getEpochSecond());
        body.put("cpu_count", u.cpuCount());
        body.put("cpu_used_pct", Math.round(u.cpuUsedPct() * 100) / 100.0);
        body.put("mem_total", u.memTotal());
        body.put("mem_used", u.memUsed());
        body.put("mem_cache", u.memCache());
        body.put("mem_total_mib", u.memTotal() >> 20);
        body.put("mem_used_mib", u.memUsed() >> 20);
        body.put("disk_used", u.diskUsed());
        body.put("disk_total", diskTotal);
        json(res, 200, body);
    }

    private static void json(ServerResponse res, int status, Object body) {
        res.status(Status.create(status));
        res.header(HeaderNames.CONTENT_TYPE, "application/json");
        res.send(Json.bytes(body));
    }

    private static void cors(ServerRequest req, ServerResponse res) {
        res.header("Access-Control-Allow-Origin", "*");
        if (req.prologue().method() == Method.OPTIONS) {
            res.header("Access-Control-Allow-Methods", "HEAD, GET, POST, PUT, PATCH, DELETE");
            res.header("Access-Control-Allow-Headers",
                    req.headers().first(HeaderNames.create("Access-Control-Request-Headers")).orElse("*"));
            res.header("Access-Control-Max-Age", "7200");
        }
        res.header("Access-Control-Expose-Headers", "Connect-Protocol-Version, Connect-Timeout-Ms, Grpc-Status, "
                + "Grpc-Message, Grpc-Status-Details-Bin, Location, Cache-Control, X-Content-Type-Options");
    }

    /** Decoded query parameters (first value wins). */
    static Map<String, String> query(String raw) {
        Map<String, String> m = new HashMap<>();
        if (raw == null || raw.isEmpty()) return m;
        for (String pair : raw.split("&")) {
            if (pair.isEmpty()) continue;
            int eq = pair.indexOf('=');
            String k = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            String v = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            m.putIfAbsent(k, v);
        }
        return m;
    }

    @Override
    public void close() { processes.close(); }
}
