package dev.cove.core.routing;

/**
 * How large a request's head may be: one truth for the edge, which answers larger ones itself ({@code 414}, {@code 431}),
 * and for the control plane behind it, which must accept everything the edge lets through. Otherwise a request just
 * under the edge's limit would reach the control plane's server, which would close without an answer, and the client
 * would get a {@code 502} instead of the {@code 414}/{@code 431} that tells it what to fix.
 */
public final class RequestLimits {
    /** The longest request line the edge accepts (method, target, version; without CRLF). */
    public static final int MAX_REQUEST_LINE = 16 * 1024;
    /** The largest header block the edge accepts by default (its {@code maxHeaderSize} may be set lower, never higher). */
    public static final int MAX_HEADER_SIZE = 32 * 1024;
    /** What the edge adds to a head on its way on ({@code X-Forwarded-For/-Proto/-Port}, {@code X-Cove-Sandbox-Id}). */
    public static final int FORWARDING_ALLOWANCE = 4 * 1024;
    /** The longest request line the control plane accepts: the edge's, with room to spare (the edge never lengthens it). */
    public static final int CONTROL_PLANE_MAX_REQUEST_LINE = MAX_REQUEST_LINE + FORWARDING_ALLOWANCE;
    /**
     * The largest header block the control plane accepts: the edge's, twice (the edge repeats {@code Host} as
     * {@code X-Forwarded-Host}), plus what it adds.
     */
    public static final int CONTROL_PLANE_MAX_HEADER_SIZE = 2 * MAX_HEADER_SIZE + FORWARDING_ALLOWANCE;

    private RequestLimits() {}
}
