package dev.cove.sdk.errors;

/** The request was refused as invalid (HTTP 400, Connect `invalid_argument`/`failed_precondition`); the message says which field and why. */
public class InvalidArgumentException extends CoveException {
    private static final long serialVersionUID = 1L;

    public InvalidArgumentException(int status, String code, String message) { super(status, code, message); }

    public InvalidArgumentException(int status, String code, String message, Throwable cause) { super(status, code, message, cause); }
}
