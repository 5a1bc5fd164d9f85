package dev.cove.api.auth;

import dev.cove.core.CoveException;
import dev.cove.core.routing.CoveHeaders;
import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.Handler;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

/**
 * Wraps a handler so it runs only with a valid {@code X-API-KEY} header; otherwise 401 with E2B's messages
 * (the SDKs turn any 401 into an AuthenticationError carrying the message).
 */
public final class RequireApiKey implements Handler {
    public static final HeaderName X_API_KEY = HeaderNames.create(CoveHeaders.API_KEY);

    private final ApiKeys keys;
    private final Handler delegate;

    private RequireApiKey(ApiKeys keys, Handler delegate) {
        this.keys = keys;
        this.delegate = delegate;
    }

    public static Handler wrap(ApiKeys keys, Handler delegate) { return new RequireApiKey(keys, delegate); }

    @Override
    public void handle(ServerRequest req, ServerResponse res) throws Exception {
        check(req);
        delegate.handle(req, res);
    }

    private void check(ServerRequest req) {
        String presented = req.headers().first(X_API_KEY).map(String::strip).orElse(null);
        if (presented == null || presented.isEmpty()) {
            throw new CoveException(401, "api_key_missing",
                    "API key is required: send it in the X-API-KEY header (Cove prints its key at start and "
                            + "keeps it in <data dir>/api-key)");
        }
        if (keys.isValid(presented)) return;
        if (!ApiKeys.FORMAT.matcher(presented).matches()) {
            throw new CoveException(401, "api_key_invalid", "Invalid API key format");
        }
        throw new CoveException(401, "api_key_invalid", "Cannot get the team for the given API key");
    }
}
