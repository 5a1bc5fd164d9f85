package dev.cove.sdk.errors;

/** The server does not implement this yet (HTTP 501, Connect `unimplemented`); the message names the feature. */
public class NotImplementedException extends CoveException {
    private static final long serialVersionUID = 1L;

    public NotImplementedException(int status, String code, String message) { super(status, code, message); }

    public NotImplementedException(int status, String code, String message, Throwable cause) { super(status, code, message, cause); }
}
