package dev.cove.cli;

import dev.cove.sdk.CommandExitException;
import dev.cove.sdk.CommandHandle;
import dev.cove.sdk.CommandOptions;
import dev.cove.sdk.CommandResult;
import dev.cove.sdk.CoveException;
import dev.cove.sdk.Sandbox;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

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
        description = "Run a command in a sandbox (bash -l -c), streaming its output; exits with its exit code.",
        footer = {"%nExamples:", "  cove exec <id> -- ls -la /home/user", "  cove exec <id> 'cd app && make test'",
                "  cove exec --user root --cwd /etc <id> -- cat hostname", "  echo hi | cove exec -i <id> -- cat",
                "  cove exec --json <id> -- uname -a | jq .stdout",
                "%nExit code: the command's; 125 when Cove could not run it (the message says why)."})
final class ExecCommand extends Base implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "SANDBOX_ID")
    String id;

    @Parameters(index = "1..*", arity = "1..*", paramLabel = "COMMAND", description = "The command; several words are joined with spaces.")
    List<String> command = new ArrayList<>();

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
        String cmd = String.join(" ", command);
        try {
            Sandbox sbx = Attach.to(id, config());
            CommandOptions opts = new CommandOptions().envs(env).timeout(timeout).stdin(stdin);
            if (user != null) opts.user(user);
            if (cwd != null) opts.cwd(cwd);
            if (!json) {
                opts.onStdout(s -> { out().print(s); out().flush(); });
                opts.onStderr(s -> { err().print(s); err().flush(); });
            }
            CommandHandle h = sbx.commands().start(cmd, opts);
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
                err().println("cove: " + r.error());
            }
            return r.exitCode() >= 0 && r.exitCode() <= 255 ? r.exitCode() : ExitCodes.EXEC_FAILED;
        } catch (CoveException e) {
            err().println("cove: " + e.getMessage());
            return ExitCodes.EXEC_FAILED;
        }
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
