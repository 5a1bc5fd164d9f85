package dev.cove.sdk.errors;

/** A deadline passed: the client's request timeout, a command's timeout, a wait strategy's startup timeout, or the server's `deadline_exceeded` (HTTP 504). */
public class CoveTimeoutException extends CoveException {
    private static final long serialVersionUID = 1L;

    public CoveTimeoutException(int status, String code, String message) { super(status, code, message); }

    public CoveTimeoutException(int status, String code, String message, Throwable cause) { super(status, code, message, cause); }
}
