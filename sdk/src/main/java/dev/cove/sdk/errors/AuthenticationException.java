package dev.cove.sdk.errors;

/** The API key (or the sandbox's access token) is missing or wrong (HTTP 401, Connect `unauthenticated`). */
public class AuthenticationException extends CoveException {
    private static final long serialVersionUID = 1L;

    public AuthenticationException(int status, String code, String message) { super(status, code, message); }

    public AuthenticationException(int status, String code, String message, Throwable cause) { super(status, code, message, cause); }
}
