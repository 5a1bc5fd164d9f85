package dev.cove.core;

/**
 * An error a user can act on: an HTTP status, a stable machine code and a sentence a person understands.
 * Every plane throws this for expected failures; the HTTP layers turn it into the wire body their
 * clients expect (E2B's {@code {"code","message"}} on the control plane, typed pages on the edge).
 * The message must never contain a secret.
 */
public class CoveException extends RuntimeException {
    private final int status;
    private final String code;

    public CoveException(int status, String code, String message) {
        super(message);
        this.status = status;
        this.code = code;
    }

    public CoveException(int status, String code, String message, Throwable cause) {
        super(message, cause);
        this.status = status;
        this.code = code;
    }

    /** HTTP status to answer with. */
    public int status() { return status; }

    /** Stable machine code, e.g. {@code sandbox_not_found}. */
    public String code() { return code; }

    public static CoveException badRequest(String message) { return new CoveException(400, "invalid_request", message); }

    public static CoveException notFound(String code, String message) { return new CoveException(404, code, message); }
}
