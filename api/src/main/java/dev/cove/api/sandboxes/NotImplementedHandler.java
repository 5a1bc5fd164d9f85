package dev.cove.api.sandboxes;

import dev.cove.core.CoveException;
import io.helidon.webserver.http.Handler;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

/**
 * E2B endpoints Cove does not have yet (metrics, logs, template builds, tags, secrets, volumes): a clear
 * 501 {@code {"code":501,"message":"<feature> is not implemented by Cove yet"}} instead of a bare 404, so an SDK
 * call fails with a sentence that says why.
 */
public final class NotImplementedHandler implements Handler {
    private final String feature;

    private NotImplementedHandler(String feature) { this.feature = feature; }

    /** {@code feature} starts the sentence, e.g. "Pausing sandboxes". */
    public static NotImplementedHandler of(String feature) { return new NotImplementedHandler(feature); }

    @Override
    public void handle(ServerRequest req, ServerResponse res) {
        throw new CoveException(501, "not_implemented", feature + " is not implemented by Cove yet");
    }
}
