package dev.cove.api.http;

import dev.cove.core.CoveException;
import io.helidon.webserver.http.Handler;

import java.util.Map;

/**
 * Cove's own endpoints (ports, links, audit, API keys) answer errors with {@code error_code} and details (see
 * {@link Responses#typedError}); E2B's endpoints keep E2B's body.
 */
public final class TypedErrors {
    private TypedErrors() {}

    /** An error whose body carries more than the code and message (e.g. what listened when an expose check gave up). */
    public interface Detailed {
        Map<String, Object> details();
    }

    public static Handler wrap(Handler handler) {
        return (req, res) -> {
            try {
                handler.handle(req, res);
            } catch (CoveException e) {
                if (e instanceof Detailed detailed) {
                    if (!res.isSent()) Responses.typedError(res, e, detailed.details());
                    return;
                }
                if (e.status() >= 500) throw e; // logged by the common error handler
                if (!res.isSent()) Responses.typedError(res, e, Map.of());
            }
        };
    }
}
