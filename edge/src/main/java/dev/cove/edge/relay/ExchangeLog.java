package dev.cove.edge.relay;

import dev.cove.edge.metrics.EdgeMetrics;

import dev.cove.core.routing.PortAccessAudit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where an exchange is reported once it has ended: the request metrics, the {@link PortAccessAudit} for requests to
 * sandbox ports, and one line on the {@code dev.cove.edge.access} logger. Never a query string, never a header value.
 * Shared by all connections; called on event loops, so nothing here may block.
 */
public final class ExchangeLog {
    static final String ACCESS_LOGGER = "dev.cove.edge.access";
    private static final Logger accessLog = LoggerFactory.getLogger(ACCESS_LOGGER);

    private final EdgeMetrics metrics;
    private final PortAccessAudit audit;
    private final boolean accessLogOn;

    /**
     * @param audit       receives every answered request to a sandbox port
     * @param accessLogOn write the access log line (and keep what it shows on each exchange)
     */
    public ExchangeLog(EdgeMetrics metrics, PortAccessAudit audit, boolean accessLogOn) {
        this.metrics = metrics;
        this.audit = audit;
        this.accessLogOn = accessLogOn;
    }

    boolean accessLogOn() { return accessLogOn; }

    /** Reports {@code ex}, the first time only. */
    void ended(Exchange ex, ClientFacts client) {
        if (ex.logged) return;
        ex.logged = true;
        metrics.request(ex.target, ex.status, ex.edgeCode);
        if (ex.via != null) audit.accessed(ex.sandboxId, ex.port, ex.via, ex.linkId, ex.clientIp(client), ex.status);
        if (!accessLogOn || !accessLog.isInfoEnabled()) return;
        accessLog.info("{} \"{} {}{} {}\" {} {} {}ms{}", ex.clientIp(client), ex.method, ex.host, ex.path,
                client.http2 ? "HTTP/2" : ex.http10 ? "HTTP/1.0" : "HTTP/1.1", ex.status, ex.bytesOut,
                (System.nanoTime() - ex.started) / 1_000_000, ex.edgeCode == null ? "" : " " + ex.edgeCode);
    }
}
