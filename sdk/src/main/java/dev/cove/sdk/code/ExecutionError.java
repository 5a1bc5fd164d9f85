package dev.cove.sdk.code;

/**
 * An error the code raised (E2B's {@code ExecutionError}); the execution itself succeeded in running it.
 *
 * @param name      the error's class, e.g. {@code ZeroDivisionError}
 * @param value     its message, e.g. {@code division by zero}
 * @param traceback the traceback as the kernel printed it
 */
public record ExecutionError(String name, String value, String traceback) {}
