package dev.cove.sdk.errors;

import java.time.Duration;
import java.util.Optional;

/** Too many requests or connections (HTTP 429, Connect {@code resource_exhausted}); retry after {@link #retryAfter()}. */
public class RateLimitedException extends CoveException {
    private static final long serialVersionUID = 1L;
    private final Duration retryAfter;

    public RateLimitedException(int status, String code, String message, Duration retryAfter) {
        super(status, code, message);
        this.retryAfter = retryAfter;
    }

    /** The server's {@code Retry-After}, when it sent one. */
    public Optional<Duration> retryAfter() { return Optional.ofNullable(retryAfter); }
}
