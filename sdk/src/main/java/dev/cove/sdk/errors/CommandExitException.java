package dev.cove.sdk.errors;

import dev.cove.sdk.CommandResult;


/** A command ended with a non-zero exit code; carries what it wrote. */
public class CommandExitException extends CoveException {
    private static final long serialVersionUID = 1L;
    private final transient CommandResult result;

    public CommandExitException(CommandResult result) {
        super(0, "command_exit", message(result));
        this.result = result;
    }

    private static String message(CommandResult r) {
        String err = r.stderr() == null ? "" : r.stderr().strip();
        if (err.length() > 400) err = "…" + err.substring(err.length() - 400);
        return "command exited with code " + r.exitCode() + (r.error() != null ? " (" + r.error() + ")" : "")
                + (err.isEmpty() ? "" : ": " + err);
    }

    public CommandResult result() { return result; }

    public int exitCode() { return result.exitCode(); }

    public String stdout() { return result.stdout(); }

    public String stderr() { return result.stderr(); }
}
