package dev.cove.server;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * Entry point of the {@code cove} server process. Lean on purpose (Helidon's quickstart style): it only
 * parses the command line; {@link ServerCommand} wires the planes.
 */
@Command(name = "cove", mixinStandardHelpOptions = true, version = "cove 0.1.0",
        subcommands = {ServerCommand.class},
        description = "Secure sandboxes for AI agents, speaking E2B's protocols.")
public final class Main {
    private Main() {}

    public static void main(String[] args) {
        int code = new CommandLine(new Main()).setCaseInsensitiveEnumValuesAllowed(true).execute(args);
        if (code != 0) System.exit(code);
    }
}
