package dev.cove.core.routing;

/**
 * Header names the edge and the control plane both use, declared once. Spelled as the side that writes them sends
 * them; readers compare without regard to case.
 */
public final class CoveHeaders {
    private CoveHeaders() {}

    /**
     * The sandbox an agent API request (port 49983) is for: set by the edge on requests it forwards to the control
     * plane, dropped from any a client sends.
     */
    public static final String SANDBOX_ID = "x-cove-sandbox-id";

    /** On answers the edge gives itself (not the sandbox's server): the machine code, e.g. {@code port_not_listening}. */
    public static final String EDGE_ERROR = "X-Cove-Error";

    /** E2B's token for a sandbox's non-public ports; the control plane's expose check sends it through the edge. */
    public static final String TRAFFIC_ACCESS_TOKEN = "e2b-traffic-access-token";

    /** E2B's API key header: the control plane checks it; the edge keeps it from sandbox ports. */
    public static final String API_KEY = "X-API-KEY";
}
