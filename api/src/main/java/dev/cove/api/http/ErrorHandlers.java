package dev.cove.api.http;

import dev.cove.api.store.StoreException;
import dev.cove.core.CoveException;
import io.helidon.http.RequestException;
import io.helidon.webserver.http.HttpRouting;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns every failure into E2B's error body: {@link CoveException}s with their status and sentence, anything
 * unexpected as a 500 that says nothing internal (the log has the stack trace), an unreachable store as a 503.
 */
public final class ErrorHandlers {
    private static final Logger LOG = LoggerFactory.getLogger(ErrorHandlers.class);

    private ErrorHandlers() {}

    public static void register(HttpRouting.Builder routing) {
        routing.error(CoveException.class, (req, res, e) -> {
            if (e.status() == 500) {
                LOG.error("{} {} failed: {}", req.prologue().method().text(), req.path().path(), e.getMessage(), e);
            } else if (e.status() > 501) {
                LOG.warn("{} {} answered {}: {}", req.prologue().method().text(), req.path().path(), e.status(),
                        e.getMessage());
            }
            if (!res.isSent()) Responses.error(res, e);
        });
        routing.error(StoreException.class, (req, res, e) -> {
            if (e.unavailable()) {
                LOG.warn("{} {} answered 503: {}", req.prologue().method().text(), req.path().path(), e.getMessage());
                if (!res.isSent()) {
                    Responses.error(res, new CoveException(503, "store_unavailable",
                            "The catalog database cannot be reached; running sandboxes keep serving, retry shortly"));
                }
                return;
            }
            LOG.error("{} {} failed", req.prologue().method().text(), req.path().path(), e);
            if (!res.isSent()) {
                Responses.error(res, new CoveException(500, "internal_server_error",
                        "Internal server error; the Cove server log has the details"));
            }
        });
        routing.error(RequestException.class, (req, res, e) -> {
            if (res.isSent()) return;
            int status = e.status().code();
            Responses.error(res, new CoveException(status, status >= 500 ? "internal_server_error" : "invalid_request",
                    status >= 500 ? "Internal server error" : "Error when parsing request: " + e.getMessage()));
        });
        routing.error(Exception.class, (req, res, e) -> {
            LOG.error("{} {} failed", req.prologue().method().text(), req.path().path(), e);
            if (!res.isSent()) {
                Responses.error(res, new CoveException(500, "internal_server_error",
                        "Internal server error; the Cove server log has the details"));
            }
        });
    }
}
