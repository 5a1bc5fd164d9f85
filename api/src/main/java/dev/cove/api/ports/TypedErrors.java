package dev.cove.api.ports;

import dev.cove.api.http.Responses;
import dev.cove.core.CoveException;
import io.helidon.webserver.http.Handler;

import java.util.Map;

/** Cove's own endpoints answer errors with {@code error_code} and details (see {@link Responses#typedError}). */
public final class TypedErrors {
    private TypedErrors() {}

    public static Handler wrap(Handler handler) {
        return (req, res) -> {
            try {
                handler.handle(req, res);
            } catch (PortsService.PortNotReadyException e) {
                if (!res.isSent()) Responses.typedError(res, e, e.details());
            } catch (CoveException e) {
                if (e.status() >= 500) throw e; // logged by the common error handler
                if (!res.isSent()) Responses.typedError(res, e, Map.of());
            }
        };
    }
}
