package dev.cove.cli;

import dev.cove.sdk.errors.AuthenticationException;
import dev.cove.sdk.errors.CoveException;
import dev.cove.sdk.errors.CoveTimeoutException;
import dev.cove.sdk.errors.InvalidArgumentException;
import dev.cove.sdk.errors.NotFoundException;
import dev.cove.sdk.errors.PortNotReadyException;
import dev.cove.sdk.errors.RateLimitedException;


/**
 * Exit codes scripts can rely on (listed in {@code cove --help}). {@code cove exec} and {@code cove shell} return the
 * command's own exit code instead, and {@link #EXEC_FAILED} when Cove could not run it.
 */
final class ExitCodes {
    static final int OK = 0;
    /** Any other failure (the message says what). */
    static final int ERROR = 1;
    /** Wrong command line (picocli's code). */
    static final int USAGE = 2;
    /** The sandbox, file or process does not exist, or the sandbox has ended. */
    static final int NOT_FOUND = 3;
    /** The API key is missing or wrong. */
    static final int AUTH = 4;
    /** A deadline passed. */
    static final int TIMEOUT = 5;
    /** The server cannot be reached (not running, wrong URL, untrusted certificate). */
    static final int UNREACHABLE = 6;
    /** The server refused the request as invalid. */
    static final int INVALID = 7;
    /** Too many requests: retry later. */
    static final int RATE_LIMITED = 8;
    /**
     * {@code expose}: the port was not ready when the wait ran out (nothing listens, bound where the edge cannot
     * reach, wrong HTTP status, or the serving process exited); the message gives the reason.
     */
    static final int PORT_NOT_READY = 9;
    /** {@code exec}/{@code shell}: Cove failed before or while running the command (as docker's 125). */
    static final int EXEC_FAILED = 125;
    /** {@code exec}: the program given after {@code --} does not exist in the sandbox (as a shell's and docker's 127). */
    static final int EXEC_NOT_FOUND = 127;

    static final String HELP = "%nExit codes:%n"
            + "  0  success%n"
            + "  1  other error (the message says what)%n"
            + "  2  wrong command line%n"
            + "  3  not found: no such sandbox, file or process, or the sandbox has ended%n"
            + "  4  authentication: the API key is missing or wrong%n"
            + "  5  timeout%n"
            + "  6  server unreachable or its certificate not trusted%n"
            + "  7  invalid request (the message names the field)%n"
            + "  8  rate limited%n"
            + "  9  expose: the port was not ready (not listening, unreachable, wrong status, process exited)%n"
            + "  exec and shell return the command's exit code, 127 when the program is not found, and 125 when Cove%n"
            + "  could not run it.%n";

    private ExitCodes() {}

    static int of(Throwable e) {
        if (e instanceof PortNotReadyException) return PORT_NOT_READY;
        if (e instanceof NotFoundException) return NOT_FOUND;
        if (e instanceof AuthenticationException) return AUTH;
        if (e instanceof CoveTimeoutException) return TIMEOUT;
        if (e instanceof InvalidArgumentException) return INVALID;
        if (e instanceof RateLimitedException) return RATE_LIMITED;
        if (e instanceof CoveException) {
            String code = ((CoveException) e).code();
            if ("unreachable".equals(code) || "tls_untrusted".equals(code)) return UNREACHABLE;
        }
        return ERROR;
    }
}
