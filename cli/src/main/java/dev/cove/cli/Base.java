package dev.cove.cli;

import dev.cove.sdk.CoveConfig;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintStream;

/** What every client command shares: the root's configuration, its streams, and {@code --json}. */
abstract class Base {
    @Spec
    CommandSpec spec;

    @Option(names = "--json", description = "Print JSON for scripts instead of a table.")
    boolean json;

    CoveCli root() { return (CoveCli) spec.root().userObject(); }

    CoveConfig config() { return root().config(); }

    PrintStream out() { return root().out; }

    PrintStream err() { return root().err; }
}
