package dev.cove.api.envd;

import dev.cove.core.CoveException;
import io.helidon.http.Method;
import io.helidon.webserver.http.ServerRequest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The agent API's endpoints by method and path, as the services register them (E2B's envd mounts each service's
 * handlers on its mux the same way). Connect RPCs are {@code POST /<service>/<method>}: {@link #unary} and
 * {@link #stream} turn a typed RPC into an endpoint that reads the request message and writes the answer or the
 * Connect error.
 */
public final class AgentRouter {
    private static final Logger LOG = LoggerFactory.getLogger(AgentRouter.class);
    private static final List<String> RPC_PREFIXES = List.of("/process.Process/", "/filesystem.Filesystem/");

    /** Who may call an endpoint of a sandbox whose agent has a token. */
    public enum Access {
        /** anyone ({@code GET /health}) */
        OPEN,
        /** the handler checks the caller itself ({@code /files}: the token, or a signed URL) */
        OWN,
        /** only with {@code X-Access-Token} */
        TOKEN
    }

    /** A unary RPC: one request message, one response message. */
    @FunctionalInterface
    public interface Unary<Q, A> {
        A call(EnvdCall call, Q request);
    }

    /** A server-streaming RPC: one request message, then messages on {@code stream} until it ends it. */
    @FunctionalInterface
    public interface Streaming<Q> {
        void call(EnvdCall call, Q request, Connect.Stream stream) throws IOException;
    }

    record Endpoint(Access access, AgentHandler handler) {}

    /** What a unary endpoint does once the call is known: read the message and answer, or throw. */
    @FunctionalInterface
    private interface UnaryBody {
        Object answer(EnvdCall call, ServerRequest req);
    }

    private final Map<String, Endpoint> endpoints = new HashMap<>();

    public void route(Method method, String path, Access access, AgentHandler handler) {
        if (endpoints.putIfAbsent(key(method, path), new Endpoint(access, handler)) != null)
            throw new IllegalStateException(method.text() + " " + path + " is registered twice");
    }

    /** Registers unary RPC {@code path} (e.g. {@code /process.Process/List}); callers need the token. */
    public <Q, A> void unary(String path, Class<Q> type, Unary<Q, A> rpc) {
        route(Method.POST, path, Access.TOKEN, unaryEndpoint((call, req) -> rpc.call(call, Connect.readUnary(req, type))));
    }

    /** Registers server-streaming RPC {@code path} (e.g. {@code /process.Process/Start}); callers need the token. */
    public <Q> void stream(String path, Class<Q> type, Streaming<Q> rpc) {
        route(Method.POST, path, Access.TOKEN, (sandbox, req, res) -> {
            String id = sandbox.sandboxId();
            Connect.Stream stream = new Connect.Stream(res);
            try {
                EnvdCall call = EnvdCall.of(id, req);
                rpc.call(call, Connect.readStreamRequest(req, type), stream);
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
        });
    }

    Endpoint find(Method method, String path) { return endpoints.get(key(method, path)); }

    /** An RPC that no service registered ({@code POST} under a service's prefix): Connect's {@code unimplemented}. */
    AgentHandler unimplemented(Method method, String path) {
        if (method != Method.POST || RPC_PREFIXES.stream().noneMatch(path::startsWith)) return null;
        return unaryEndpoint((call, req) -> {
            throw Connect.error("unimplemented", path.substring(1) + " is not implemented");
        });
    }

    private static AgentHandler unaryEndpoint(UnaryBody body) {
        return (sandbox, req, res) -> {
            String id = sandbox.sandboxId();
            Object response;
            try {
                response = body.answer(EnvdCall.of(id, req), req);
            } catch (CoveException e) {
                if (e.status() >= 500 && !"unavailable".equals(e.code()))
                    LOG.error("{} for sandbox {} failed", req.path().path(), id, e);
                Connect.writeUnaryError(res, e);
                return;
            }
            Connect.writeUnary(res, response);
        };
    }

    private static String key(Method method, String path) { return method.text() + " " + path; }
}
