package dev.cove.sdk.errors;

/**
 * A failure reported by Cove (or met on the way to it), carrying the server's own sentence. Subclasses name the
 * cases callers handle differently; {@link #status()} is the HTTP status when there was one (0 otherwise) and
 * {@link #code()} the machine code the server gave (E2B's {@code error_code}, a Connect code such as
 * {@code not_found}, or the edge's code such as {@code sandbox_ended}), or null.
 */
public class CoveException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final int status;
    private final String code;

    public CoveException(String message) { this(0, null, message, null); }

    public CoveException(int status, String code, String message) { this(status, code, message, null); }

    public CoveException(int status, String code, String message, Throwable cause) {
        super(message, cause);
        this.status = status;
        this.code = code;
    }

    /** HTTP status of the answer, or 0 when the failure happened before one arrived. */
    public int status() { return status; }

    /** Machine code from the server, or null. */
    public String code() { return code; }
}
