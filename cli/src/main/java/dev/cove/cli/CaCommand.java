package dev.cove.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

@Command(name = "ca", mixinStandardHelpOptions = true, description = "Cove's local certificate authority.",
        subcommands = CaCommand.Export.class)
final class CaCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() { spec.commandLine().usage(((CoveCli) spec.root().userObject()).out); }

    @Command(name = "export", mixinStandardHelpOptions = true,
            description = "Print the CA certificate (PEM) that signs Cove's HTTPS certificates, for clients to trust.",
            footer = {"%nExamples:", "  cove ca export > cove-ca.crt",
                    "  cove ca export -o /usr/local/share/ca-certificates/cove.crt && update-ca-certificates",
                    "  NODE_EXTRA_CA_CERTS=<(cove ca export) node app.mjs"})
    static final class Export extends Base implements Callable<Integer> {
        @Option(names = {"-o", "--output"}, paramLabel = "FILE", description = "Write it to FILE instead of standard output.")
        Path output;

        @Override
        public Integer call() throws IOException {
            CoveCli root = root();
            Path ca = root.caCert != null ? root.caCert
                    : root.env().get("COVE_CA_CERT") != null ? Path.of(root.env().get("COVE_CA_CERT"))
                    : root.dataDir().resolve("tls/ca.crt");
            if (!Files.isReadable(ca)) {
                err().println("cove: no CA certificate at " + ca + ": start the server once (`cove up`), or point "
                        + "--data-dir / COVE_DATA_DIR at its data directory");
                return ExitCodes.NOT_FOUND;
            }
            String pem = Files.readString(ca);
            if (output != null) {
                Files.writeString(output, pem);
                if (json) Output.json(out(), Output.object().put("path", output.toString()).put("source", ca.toString()));
                else err().println("wrote " + output + " (from " + ca + ")");
            } else if (json) {
                Output.json(out(), Output.object().put("source", ca.toString()).put("pem", pem));
            } else {
                out().print(pem);
            }
            return ExitCodes.OK;
        }
    }
}
