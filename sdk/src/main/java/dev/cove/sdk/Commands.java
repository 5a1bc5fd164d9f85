package dev.cove.sdk;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cove.sdk.errors.CommandExitException;
import dev.cove.sdk.errors.NotFoundException;
import dev.cove.sdk.errors.SandboxEndedException;
import dev.cove.sdk.internal.Envd;
import dev.cove.sdk.internal.Json;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Processes in a sandbox, over the agent API's {@code process.Process} service. A command given as one string is
 * run as {@code /bin/bash -l -c <command>}, as E2B's SDKs do, so pipes, {@code &&} and variables work; one given as a
 * list is run as that argv exactly, with no shell to reinterpret its arguments.
 * <pre>{@code
 * CommandResult r = sbx.commands().run("python3 -c 'print(6*7)'");     // waits; non-zero exit throws
 * sbx.commands().run(List.of("python3", "-c", "print(6*7)"), new CommandOptions());  // argv, no shell
 * CommandHandle server = sbx.commands().start("python3 -m http.server 8000",
 *         new CommandOptions().onStdout(System.out::print));            // background
 * server.kill();
 * }</pre>
 */
public final class Commands {
    /** E2B's default limit of a foreground command. */
    public static final Duration DEFAULT_RUN_TIMEOUT = Duration.ofSeconds(60);

    private final Envd envd;
    private final String user;

    Commands(Envd envd, String user) {
        this.envd = envd;
        this.user = user;
    }

    /** Runs a command and waits for it (60 s limit). @throws CommandExitException on a non-zero exit code */
    public CommandResult run(String command) { return run(command, new CommandOptions()); }

    /** Runs a command and waits for it. @throws CommandExitException on a non-zero exit code */
    public CommandResult run(String command, CommandOptions options) {
        return run(List.of("/bin/bash", "-l", "-c", command), options);
    }

    /** Starts a command in the background (no time limit unless given) and returns at once. */
    public CommandHandle start(String command) { return start(command, new CommandOptions()); }

    public CommandHandle start(String command, CommandOptions options) {
        return start(command, options, options.timeout() != null ? options.timeout() : Duration.ZERO);
    }

    /**
     * Runs a program with exactly these arguments, no shell involved: spaces, quotes, {@code ;}, {@code $}, newlines
     * and empty strings reach it as given ({@code argv.get(0)} is looked up in {@code PATH}). Waits (60 s limit).
     * @throws CommandExitException on a non-zero exit code
     */
    public CommandResult run(List<String> argv, CommandOptions options) {
        Duration limit = options.timeout() != null ? options.timeout() : DEFAULT_RUN_TIMEOUT;
        try (CommandHandle h = start(argv, options, limit)) {
            if (limit.isZero()) return h.waitFor();
            // The agent ends the process at the limit; the margin lets its end event arrive first.
            return h.waitFor(limit.plusSeconds(5));
        }
    }

    /** Starts a program with exactly these arguments, no shell involved (see {@link #run(List, CommandOptions)}). */
    public CommandHandle start(List<String> argv, CommandOptions options) {
        return start(argv, options, options.timeout() != null ? options.timeout() : Duration.ZERO);
    }

    private CommandHandle start(String command, CommandOptions options, Duration limit) {
        return start(List.of("/bin/bash", "-l", "-c", command), options, limit);
    }

    private CommandHandle start(List<String> argv, CommandOptions options, Duration limit) {
        if (argv.isEmpty() || argv.get(0).isEmpty()) throw new IllegalArgumentException("no program to run: argv is empty");
        ObjectNode req = Json.object();
        ObjectNode process = req.putObject("process");
        process.put("cmd", argv.get(0));
        argv.subList(1, argv.size()).forEach(process.putArray("args")::add);
        if (!options.envs().isEmpty()) options.envs().forEach(process.putObject("envs")::put);
        if (options.cwd() != null) process.put("cwd", options.cwd());
        req.put("stdin", options.stdin());
        Envd.MessageStream stream = envd.stream("process.Process/Start", req, userOr(options.user()), limit);
        return CommandHandle.open(this, stream, options.onStdout(), options.onStderr(), null);
    }

    /** Attaches to a running process (output from now on). @throws NotFoundException when there is none */
    public CommandHandle connect(int pid) { return connect(pid, null, null); }

    public CommandHandle connect(int pid, Consumer<String> onStdout, Consumer<String> onStderr) {
        Envd.MessageStream stream = envd.stream("process.Process/Connect", selector(pid), user, Duration.ZERO);
        return CommandHandle.open(this, stream, onStdout, onStderr, null);
    }

    /** Processes the agent API started that still run. */
    public List<ProcessInfo> list() {
        JsonNode r = envd.unary("process.Process/List", Json.object(), user);
        List<ProcessInfo> out = new ArrayList<>();
        for (JsonNode p : r.path("processes")) {
            JsonNode c = p.path("config");
            List<String> args = new ArrayList<>();
            for (JsonNode a : c.path("args")) args.add(a.asText());
            Map<String, String> envs = Json.stringMap(c, "envs");
            out.add(new ProcessInfo(Json.integer(p, "pid", 0), Json.text(p, "tag"), Json.text(c, "cmd"),
                    List.copyOf(args), envs, Json.text(c, "cwd")));
        }
        return out;
    }

    /** SIGKILL: true when the process was running, false when there was none with this pid. */
    public boolean kill(int pid) {
        ObjectNode req = selector(pid);
        req.put("signal", "SIGNAL_SIGKILL");
        try {
            envd.unary("process.Process/SendSignal", req, user);
            return true;
        } catch (NotFoundException e) {
            if (e instanceof SandboxEndedException) throw e;
            return false;
        }
    }

    public void sendStdin(int pid, String data) { sendStdin(pid, data.getBytes(StandardCharsets.UTF_8)); }

    public void sendStdin(int pid, byte[] data) { sendInput(pid, "stdin", data); }

    public void closeStdin(int pid) { envd.unary("process.Process/CloseStdin", selector(pid), user); }

    /** The same commands run as another user ({@code user} or {@code root}). */
    public Commands asUser(String user) { return new Commands(envd, user); }

    void sendInput(int pid, String kind, byte[] data) {
        ObjectNode req = selector(pid);
        req.putObject("input").put(kind, Base64.getEncoder().encodeToString(data));
        envd.unary("process.Process/SendInput", req, user);
    }

    Envd envd() { return envd; }

    String userOr(String override) { return override != null ? override : user; }

    static ObjectNode selector(int pid) {
        ObjectNode req = Json.object();
        req.putObject("process").put("pid", pid);
        return req;
    }
}
