package dev.cove.sdk;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;

/**
 * How to run a command: environment, working directory, user, time limit and output callbacks.
 * <pre>{@code
 * sbx.commands().run("make test", new CommandOptions().cwd("/home/user/app").env("CI", "1")
 *         .timeout(Duration.ofMinutes(5)).onStdout(System.out::print));
 * }</pre>
 */
public final class CommandOptions {
    private final Map<String, String> envs = new LinkedHashMap<>();
    private String cwd;
    private String user;
    private Duration timeout;
    private Consumer<String> onStdout;
    private Consumer<String> onStderr;
    private boolean stdin;

    public CommandOptions env(String name, String value) { envs.put(name, value); return this; }

    public CommandOptions envs(Map<String, String> vars) { envs.putAll(vars); return this; }

    /** Working directory (default: the user's home). */
    public CommandOptions cwd(String cwd) { this.cwd = cwd; return this; }

    /** {@code user} (default) or {@code root}. */
    public CommandOptions user(String user) { this.user = user; return this; }

    /**
     * How long the process may live; it is killed after that. {@link Duration#ZERO} means no limit (until killed or
     * the sandbox ends). Default: 60 s for {@code run}, no limit for {@code start}.
     */
    public CommandOptions timeout(Duration timeout) { this.timeout = timeout; return this; }

    /** Called with each chunk of standard output as it arrives (on a reader thread). */
    public CommandOptions onStdout(Consumer<String> onStdout) { this.onStdout = onStdout; return this; }

    /** Called with each chunk of standard error as it arrives (on a reader thread). */
    public CommandOptions onStderr(Consumer<String> onStderr) { this.onStderr = onStderr; return this; }

    /** Keep standard input open for {@link CommandHandle#sendStdin(String)} (default: closed, as E2B). */
    public CommandOptions stdin(boolean open) { this.stdin = open; return this; }

    Map<String, String> envs() { return envs; }

    String cwd() { return cwd; }

    String user() { return user; }

    Duration timeout() { return timeout; }

    Consumer<String> onStdout() { return onStdout; }

    Consumer<String> onStderr() { return onStderr; }

    boolean stdin() { return stdin; }
}
