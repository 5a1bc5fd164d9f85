package dev.cove.api.http;

import dev.cove.core.CoveException;
import dev.cove.core.routing.RequestLimits;
import io.helidon.http.Method;
import io.helidon.webserver.http.Filter;
import io.helidon.webserver.http.FilterChain;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http.RoutingRequest;
import io.helidon.webserver.http.RoutingResponse;
import io.helidon.webserver.http1.Http1Config;

import java.io.FilterOutputStream;
import java.io.OutputStream;

/**
 * HTTP/1.1 rules the control plane's server keeps for every route, the agent API's included. The edge keeps a
 * connection to the control plane open from one request to the next, so a response framed other than the edge reads it
 * would corrupt the next response on that connection.
 */
public final class WireRules {
    private WireRules() {}

    /** The HTTP/1 connection's limits: at least the edge's ({@link RequestLimits}), so the edge's 414/431 are the answers. */
    public static Http1Config http1() {
        return Http1Config.builder()
                .maxPrologueLength(RequestLimits.CONTROL_PLANE_MAX_REQUEST_LINE)
                .maxHeadersSize(RequestLimits.CONTROL_PLANE_MAX_HEADER_SIZE)
                .build();
    }

    public static void register(HttpRouting.Builder routing) {
        routing.addFilter(WireRules::filter);
    }

    private static void filter(FilterChain chain, RoutingRequest req, RoutingResponse res) {
        // A target without a path (authority form, "host:port", as CONNECT has it) matches no route: routing it would fail
        // with a 500. The edge refuses these before; a direct client gets the same answer.
        if (req.path().path() == null) {
            Responses.error(res, new CoveException(400, "invalid_request",
                    "The request target must be a path (such as /health); the Cove API is not a proxy."));
            return;
        }
        // A response to HEAD has no body (RFC 9110 §9.3.2), whoever writes it: the handlers and error handlers write
        // JSON bodies without asking for the method, so the body is dropped here, once for all of them.
        if (req.prologue().method() == Method.HEAD) res.streamFilter(WireRules::withoutBody);
        chain.proceed();
    }

    /** Keeps the stream's end (which sends the head) and drops every byte written before it. */
    private static OutputStream withoutBody(OutputStream out) {
        return new FilterOutputStream(out) {
            @Override
            public void write(int b) {}

            @Override
            public void write(byte[] b, int off, int len) {}
        };
    }
}
