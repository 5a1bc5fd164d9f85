package dev.cove.sdk.code;

/**
 * One piece of output, as it arrived (E2B's {@code OutputMessage}).
 *
 * @param line      the text, usually a line with its newline
 * @param timestamp when the kernel wrote it (ISO-8601), or null
 * @param error     true for stderr
 */
public record OutputMessage(String line, String timestamp, boolean error) {}
