package dev.cove.core.runtime;

/** Outcome of a command run to completion inside a sandbox. */
public record ExecResult(int exitCode, String stdout, String stderr) {}
