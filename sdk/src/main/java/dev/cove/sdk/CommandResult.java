package dev.cove.sdk;

/**
 * How a command ended: its exit code, everything it wrote, and the agent's error text when the process could not
 * run or ended abnormally (null otherwise).
 */
public record CommandResult(int exitCode, String stdout, String stderr, String error) {
    public boolean succeeded() { return exitCode == 0 && error == null; }
}
