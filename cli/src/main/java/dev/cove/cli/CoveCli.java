package dev.cove.cli;

import dev.cove.sdk.CoveConfig;
import dev.cove.sdk.errors.CoveException;
import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * The {@code cove} command line for everyday use. {@code cove up} and {@code cove server} start the server
 * (the {@code cove} script hands those to the server module); this class carries the client commands, all built on
 * the Java SDK.
 */
@Command(name = "cove", mixinStandardHelpOptions = true, version = "cove 0.1.0",
        description = "Secure sandboxes for AI agents.%n%n"
                + "  cove up        install, build and start the server%n"
                + "  cove test      run the whole test suite%n",
        subcommands = {SandboxCommand.class, ExecCommand.class, ShellCommand.class, RunCodeCommand.class, FilesCommand.class,
                PortsCommand.class, ExposeCommands.Expose.class, ExposeCommands.Unexpose.class,
                ExposeCommands.Share.class, ExposeCommands.Revoke.class, CaCommand.class, KeysCommand.class, TemplateCommand.class, AutoComplete.GenerateCompletion.class},
        footer = "%nExamples:%n"
                + "  cove sandbox create -m app=demo%n"
                + "  cove sandbox list --json%n"
                + "  cove exec <id> -- python3 -c 'print(6*7)'%n"
                + "  cove run-code <id> 'import pandas as pd; pd.__version__'   # template code-interpreter-v1%n"
                + "  cove files cp ./app.py <id>:/home/user/app.py%n"
                + "  cove ports <id>                        # what listens, what is exposed%n"
                + "  cove expose <id> 3000 --access link --link-ttl 10m%n"
                + "  source <(cove generate-completion)     # shell completion for bash and zsh%n"
                + "%nConfiguration: COVE_API_URL, COVE_API_KEY, COVE_DOMAIN, COVE_CA_CERT (or the E2B_* names);%n"
                + "on the machine that runs `cove up` none is needed (read from the data directory).%n"
                + ExitCodes.HELP)
public final class CoveCli implements Runnable {
    @Option(names = "--api-url", scope = ScopeType.INHERIT, paramLabel = "URL",
            description = "Control plane URL (default: COVE_API_URL, E2B_API_URL, https://api.<domain>).")
    String apiUrl;

    @Option(names = "--api-key", scope = ScopeType.INHERIT, paramLabel = "KEY",
            description = "API key (default: COVE_API_KEY, E2B_API_KEY, <data dir>/api-key).")
    String apiKey;

    @Option(names = "--domain", scope = ScopeType.INHERIT, paramLabel = "DOMAIN",
            description = "Sandbox domain with port, e.g. cove.localhost:8443 (default: COVE_DOMAIN, E2B_DOMAIN).")
    String domain;

    @Option(names = "--ca-cert", scope = ScopeType.INHERIT, paramLabel = "FILE",
            description = "CA certificate to trust (default: COVE_CA_CERT, the local server's).")
    Path caCert;

    @Option(names = "--data-dir", scope = ScopeType.INHERIT, paramLabel = "DIR",
            description = "Data directory of a local server (default: COVE_DATA_DIR, /var/lib/cove).")
    Path dataDir;

    private final Map<String, String> env;
    final PrintStream out;
    final PrintStream err;

    CoveCli(Map<String, String> env, PrintStream out, PrintStream err) {
        this.env = env;
        this.out = out;
        this.err = err;
    }

    public static void main(String[] args) {
        System.exit(run(System.getenv(), System.out, System.err, args));
    }

    static int run(Map<String, String> env, PrintStream out, PrintStream err, String... args) {
        CoveCli cli = new CoveCli(env, out, err);
        CommandLine cmd = new CommandLine(cli);
        cmd.setOut(new PrintWriter(out, true));
        cmd.setErr(new PrintWriter(err, true));
        // '@file' arguments stay arguments: `cove exec <id> -- echo @notes` must not send a local file's lines
        cmd.setExpandAtFiles(false);
        cmd.setExecutionExceptionHandler((e, line, parsed) -> {
            if (e instanceof CoveException || e instanceof IllegalArgumentException || e instanceof IllegalStateException) {
                err.println(Output.problem(e.getMessage()));
            } else {
                err.println(Output.problem(e.toString()));
            }
            return ExitCodes.of(e);
        });
        return cmd.execute(args);
    }

    /** The SDK configuration: flags first, then the environment, then the local server's data directory. */
    CoveConfig config() {
        CoveConfig.Builder b = CoveConfig.builder().apiKey(apiKey).domain(domain).caCert(caCert);
        if (apiUrl != null) b.apiUrl(apiUrl);
        Map<String, String> e = new HashMap<>(env);
        if (dataDir != null) e.put("COVE_DATA_DIR", dataDir.toString());
        return b.environment(e).build();
    }

    Path dataDir() {
        if (dataDir != null) return dataDir;
        String d = env.get("COVE_DATA_DIR");
        return d != null && !d.isBlank() ? Path.of(d) : CoveConfig.DEFAULT_DATA_DIR;
    }

    Map<String, String> env() { return env; }

    @Override
    public void run() {
        new CommandLine(this).usage(out);
    }
}
