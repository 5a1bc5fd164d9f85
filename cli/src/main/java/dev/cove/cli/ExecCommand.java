package dev.cove.cli;

import dev.cove.sdk.CommandHandle;
import dev.cove.sdk.CommandOptions;
import dev.cove.sdk.CommandResult;
import dev.cove.sdk.Sandbox;
import dev.cove.sdk.errors.CommandExitException;
import dev.cove.sdk.errors.CoveException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

@Command(name = "exec", mixinStandardHelpOptions = true,
        description = {"Run a program in a sandbox with exactly the arguments given after --, streaming its output; "
                + "exits with its exit code.",
                "No shell reads the arguments: spaces, quotes, ;, $, newlines and empty arguments reach the program as "
                        + "they are. For pipes, && or variables, give a command line to --shell (bash -l -c)."},
        footer = {"%nExamples:", "  cove exec <id> -- python3 -c 'print(6*7)'", "  cove exec <id> -- ls -la /home/user",
                "  cove exec <id> --shell 'cd app && make test | tail -5'",
                "  cove exec --user root --cwd /etc <id> -- cat hostname", "  echo hi | cove exec -i <id> -- cat",
                "  cove exec --json <id> -- uname -a | jq .stdout",
                "%nExit code: the command's; 127 when the program is not found; 125 when Cove could not run it "
                        + "(the message says why)."})
final class ExecCommand extends Base implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "SANDBOX_ID")
    String id;

    @Parameters(index = "1..*", arity = "0..*", paramLabel = "ARG",
            description = "The program and its arguments, after --; each is passed as it is.")
    List<String> argv = new ArrayList<>();

    @Option(names = {"-s", "--shell"}, paramLabel = "COMMAND_LINE",
            description = "Run this command line with bash -l -c instead (pipes, &&, variables, globs).")
    String shell;

    @Option(names = {"-u", "--user"}, description = "user (default) or root.")
    String user;

    @Option(names = {"-w", "--cwd"}, description = "Working directory (default: the user's home).")
    String cwd;

    @Option(names = {"-e", "--env"}, paramLabel = "NAME=VALUE", description = "Environment variable (repeatable).")
    Map<String, String> env = new LinkedHashMap<>();

    @Option(names = "--timeout", defaultValue = "0", converter = Durations.class,
            description = "Kill the command after this long (default: no limit).")
    Duration timeout;

    @Option(names = {"-i", "--stdin"}, description = "Send this program's standard input to the command.")
    boolean stdin;

    @Override
    public Integer call() {
        if ((shell == null) == argv.isEmpty()) {
            throw new ParameterException(spec.commandLine(), shell == null
                    ? "give the program and its arguments after -- (cove exec " + id + " -- ls -la), or a command "
                    + "line with --shell"
                    : "give either a program after -- or --shell COMMAND_LINE, not both");
        }
        try {
            Sandbox sbx = Attach.to(id, config());
            CommandOptions opts = new CommandOptions().envs(env).timeout(timeout).stdin(stdin);
            if (user != null) opts.user(user);
            if (cwd != null) opts.cwd(cwd);
            if (!json) {
                opts.onStdout(s -> { out().print(s); out().flush(); });
                opts.onStderr(s -> { err().print(s); err().flush(); });
            }
            CommandHandle h = shell != null ? sbx.commands().start(shell, opts) : sbx.commands().start(argv, opts);
            if (stdin) pumpStdin(h);
            CommandResult r;
            try {
                r = h.waitFor();
            } catch (CommandExitException e) {
                r = e.result();
            }
            if (json) {
                Output.json(out(), Output.object().put("sandboxID", id).put("pid", h.getPid())
                        .put("exitCode", r.exitCode()).put("stdout", r.stdout()).put("stderr", r.stderr())
                        .put("error", r.error()));
            } else if (r.error() != null && r.exitCode() != 0 && r.stderr().isEmpty()) {
                err().println(Output.problem(r.error()));
            }
            return r.exitCode() >= 0 && r.exitCode() <= 255 ? r.exitCode() : ExitCodes.EXEC_FAILED;
        } catch (CoveException e) {
            String message = e.getMessage() == null ? "" : e.getMessage();
            if (shell == null && message.contains("executable file not found")) {
                err().println(Output.problem(message + notFoundHint()));
                return ExitCodes.EXEC_NOT_FOUND;
            }
            err().println(Output.problem(message));
            return ExitCodes.EXEC_FAILED;
        }
    }

    /** A whole command line given as one argument is the usual mistake: say how to run it through a shell. */
    private String notFoundHint() {
        String first = argv.get(0);
        if (argv.size() == 1 && first.chars().anyMatch(Character::isWhitespace)) {
            return "; the arguments after -- are the program and its arguments, each as it is; to run a command "
                    + "line, use --shell '" + first.replace("'", "'\\''") + "'";
        }
        return "";
    }

    private void pumpStdin(CommandHandle h) {
        Thread t = new Thread(() -> {
            byte[] buf = new byte[64 * 1024];
            try (InputStream in = System.in) {
                int n;
                while ((n = in.read(buf)) > 0) h.sendStdin(Arrays.copyOf(buf, n));
                h.closeStdin();
            } catch (IOException | CoveException e) {
                // the process ended or input broke: nothing more to send
            }
        }, "cove-stdin");
        t.setDaemon(true);
        t.start();
    }
}
