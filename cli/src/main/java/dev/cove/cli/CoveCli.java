package dev.cove.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code cove} command line for everyday use. {@code cove up} and {@code cove server} start the server
 * (the {@code cove} script hands those to the server module); this class carries the client commands.
 */
@Command(name = "cove", mixinStandardHelpOptions = true, version = "cove 0.1.0",
        description = "Secure sandboxes for AI agents.%n%n  cove up        install, build and start the server%n  cove test      run the whole test suite%n")
public final class CoveCli implements Runnable {
    public static void main(String[] args) {
        System.exit(new CommandLine(new CoveCli()).execute(args));
    }

    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
    }
}
