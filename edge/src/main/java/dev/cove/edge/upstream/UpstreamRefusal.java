package dev.cove.edge.upstream;

import dev.cove.core.CoveException;

import java.util.Map;

/**
 * A dial that failed for a reason the edge can state exactly (nothing listens, the network is gone, ...): the typed
 * answer the client gets instead of a generic 502, with extra JSON fields such as the ports that do listen.
 */
public final class UpstreamRefusal extends CoveException {
    private final transient Map<String, Object> details;

    UpstreamRefusal(int status, String code, String message, Map<String, Object> details) {
        super(status, code, message);
        this.details = details == null ? Map.of() : details;
    }

    public Map<String, Object> details() { return details; }

    /** Netty fills no stack for expected, frequent failures either: the message is the whole story. */
    @Override
    public synchronized Throwable fillInStackTrace() { return this; }
}
