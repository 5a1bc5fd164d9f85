package dev.cove.cli;

import dev.cove.sdk.CommandHandle;
import dev.cove.sdk.CommandResult;
import dev.cove.sdk.Pty;
import dev.cove.sdk.Sandbox;
import dev.cove.sdk.errors.CommandExitException;
import dev.cove.sdk.errors.CoveException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

@Command(name = "shell", mixinStandardHelpOptions = true,
        description = "Open an interactive terminal (bash) in a sandbox. Leave with `exit` or Ctrl-D.",
        footer = {"%nExamples:", "  cove shell <id>", "  cove shell --user root <id>",
                "%nExit code: the shell's; 125 when Cove could not open it."})
final class ShellCommand extends Base implements Callable<Integer> {
    @Parameters(paramLabel = "SANDBOX_ID")
    String id;

    @Option(names = {"-u", "--user"}, description = "user (default) or root.")
    String user;

    @Option(names = {"-w", "--cwd"}, description = "Working directory (default: the user's home).")
    String cwd;

    @Override
    public Integer call() {
        boolean tty = System.console() != null && System.console().isTerminal();
        String saved = tty ? stty("-g") : null;
        try {
            Sandbox sbx = Attach.to(id, config());
            int[] size = tty ? size() : new int[]{80, 24};
            PrintStream out = out();
            Pty.Options opts = new Pty.Options().size(size[0], size[1]).onData(bytes -> {
                out.write(bytes, 0, bytes.length);
                out.flush();
            });
            if (user != null) opts.user(user);
            if (cwd != null) opts.cwd(cwd);
            CommandHandle term = sbx.pty().create(opts);
            if (tty) {
                stty("raw", "-echo");
                Runtime.getRuntime().addShutdownHook(new Thread(() -> stty(saved)));
                onWindowChange(() -> {
                    int[] s = size();
                    try {
                        sbx.pty().resize(term.getPid(), s[0], s[1]);
                    } catch (CoveException e) {
                        // the terminal ended meanwhile
                    }
                });
            }
            pumpInput(sbx, term);
            CommandResult r;
            try {
                r = term.waitFor();
            } catch (CommandExitException e) {
                r = e.result();
            }
            return r.exitCode() >= 0 && r.exitCode() <= 255 ? r.exitCode() : ExitCodes.EXEC_FAILED;
        } catch (CoveException e) {
            err().println(Output.problem(e.getMessage()));
            return ExitCodes.EXEC_FAILED;
        } finally {
            if (saved != null) stty(saved);
        }
    }

    private static void pumpInput(Sandbox sbx, CommandHandle term) {
        Thread t = new Thread(() -> {
            byte[] buf = new byte[4096];
            try (InputStream in = System.in) {
                int n;
                while ((n = in.read(buf)) > 0 && term.isRunning()) sbx.pty().sendInput(term.getPid(), Arrays.copyOf(buf, n));
                if (term.isRunning()) sbx.pty().sendInput(term.getPid(), new byte[]{4}); // end of input: Ctrl-D
            } catch (IOException | CoveException e) {
                // the terminal ended
            }
        }, "cove-shell-input");
        t.setDaemon(true);
        t.start();
    }

    /** Columns and rows of the controlling terminal. */
    private static int[] size() {
        String s = stty("size");
        try {
            String[] p = s.strip().split("\\s+");
            return new int[]{Integer.parseInt(p[1]), Integer.parseInt(p[0])};
        } catch (RuntimeException e) {
            return new int[]{80, 24};
        }
    }

    /** Runs stty on /dev/tty (the JVM has no terminal API); returns its output. */
    private static String stty(String... args) {
        String[] cmd = new String[args.length + 1];
        cmd[0] = "stty";
        System.arraycopy(args, 0, cmd, 1, args.length);
        try {
            Process p = new ProcessBuilder(cmd).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/tty")))
                    .redirectError(ProcessBuilder.Redirect.DISCARD).start();
            ByteArrayOutputStream o = new ByteArrayOutputStream();
            p.getInputStream().transferTo(o);
            p.waitFor(5, TimeUnit.SECONDS);
            return o.toString(StandardCharsets.UTF_8).strip();
        } catch (IOException e) {
            return "";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "";
        }
    }

    /**
     * SIGWINCH through {@code sun.misc.Signal} (module jdk.unsupported), looked up reflectively so that the CLI
     * still runs, without resizing, on a JVM that lacks it.
     */
    private static void onWindowChange(Runnable action) {
        try {
            Class<?> signal = Class.forName("sun.misc.Signal");
            Class<?> handler = Class.forName("sun.misc.SignalHandler");
            Object winch = signal.getConstructor(String.class).newInstance("WINCH");
            InvocationHandler ih = (proxy, method, a) -> {
                if (method.getName().equals("handle")) action.run();
                return null;
            };
            Object h = Proxy.newProxyInstance(handler.getClassLoader(), new Class<?>[]{handler}, ih);
            signal.getMethod("handle", signal, handler).invoke(null, winch, h);
        } catch (ReflectiveOperationException | RuntimeException e) {
            // no resize support here
        }
    }
}
