package dev.cove.sdk.errors;

/** The request conflicts with the current state (HTTP 409, Connect `already_exists`). */
public class ConflictException extends CoveException {
    private static final long serialVersionUID = 1L;

    public ConflictException(int status, String code, String message) { super(status, code, message); }

    public ConflictException(int status, String code, String message, Throwable cause) { super(status, code, message, cause); }
}
