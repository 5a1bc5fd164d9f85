package dev.cove.sdk.errors;

/** A sandbox, process, file or endpoint that does not exist (HTTP 404, Connect `not_found`). For a sandbox it also means it has ended: the control plane answers 404 for both, as E2B does. */
public class NotFoundException extends CoveException {
    private static final long serialVersionUID = 1L;

    public NotFoundException(int status, String code, String message) { super(status, code, message); }

    public NotFoundException(int status, String code, String message, Throwable cause) { super(status, code, message, cause); }
}
