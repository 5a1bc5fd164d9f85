package dev.cove.sdk;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cove.sdk.internal.Envd;
import dev.cove.sdk.internal.Json;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Interactive terminals: an interactive login bash ({@code /bin/bash -i -l}) on a pseudo-terminal, with
 * {@code TERM=xterm-256color} and a UTF-8 locale, as E2B's {@code pty.create}.
 * <pre>{@code
 * CommandHandle term = sbx.pty().create(new Pty.Options().size(120, 40).onData(bytes -> System.out.write(bytes, 0, bytes.length)));
 * sbx.pty().sendInput(term.getPid(), "ls\n".getBytes());
 * sbx.pty().resize(term.getPid(), 100, 30);
 * }</pre>
 */
public final class Pty {
    private final Envd envd;
    private final Commands commands;

    Pty(Envd envd) {
        this.envd = envd;
        this.commands = new Commands(envd, null);
    }

    /** What a new terminal looks like. */
    public static final class Options {
        private int cols = 80;
        private int rows = 24;
        private Consumer<byte[]> onData;
        private final Map<String, String> envs = new LinkedHashMap<>();
        private String cwd;
        private String user;
        private Duration timeout = Duration.ZERO;

        public Options size(int cols, int rows) { this.cols = cols; this.rows = rows; return this; }

        /** Called with each chunk the terminal prints (raw bytes, escape sequences included). */
        public Options onData(Consumer<byte[]> onData) { this.onData = onData; return this; }

        public Options env(String name, String value) { envs.put(name, value); return this; }

        public Options cwd(String cwd) { this.cwd = cwd; return this; }

        public Options user(String user) { this.user = user; return this; }

        /** How long the terminal may live (default: no limit). */
        public Options timeout(Duration timeout) { this.timeout = timeout; return this; }
    }

    /** Opens a terminal; its output goes to {@code onData} and to {@link CommandHandle#stdout()}. */
    public CommandHandle create(Options options) {
        ObjectNode req = Json.object();
        ObjectNode process = req.putObject("process");
        process.put("cmd", "/bin/bash");
        process.putArray("args").add("-i").add("-l");
        ObjectNode envs = process.putObject("envs");
        envs.put("TERM", "xterm-256color");
        envs.put("LANG", "C.UTF-8");
        envs.put("LC_ALL", "C.UTF-8");
        options.envs.forEach(envs::put);
        if (options.cwd != null) process.put("cwd", options.cwd);
        size(req.putObject("pty"), options.cols, options.rows);
        Envd.MessageStream stream = envd.stream("process.Process/Start", req, options.user, options.timeout);
        return CommandHandle.open(commands, stream, null, null, options.onData);
    }

    /** Attaches to a running terminal (output from now on). */
    public CommandHandle connect(int pid, Consumer<byte[]> onData) {
        Envd.MessageStream stream = envd.stream("process.Process/Connect", Commands.selector(pid), null, Duration.ZERO);
        return CommandHandle.open(commands, stream, null, null, onData);
    }

    /** Types into the terminal (keys as bytes; Ctrl-D is {@code 0x04}). */
    public void sendInput(int pid, byte[] data) { commands.sendInput(pid, "pty", data); }

    public void resize(int pid, int cols, int rows) {
        ObjectNode req = Commands.selector(pid);
        size(req.putObject("pty"), cols, rows);
        envd.unary("process.Process/Update", req, null);
    }

    /** SIGKILL: true when it was running. */
    public boolean kill(int pid) { return commands.kill(pid); }

    private static void size(ObjectNode pty, int cols, int rows) {
        ObjectNode size = pty.putObject("size");
        size.put("cols", cols);
        size.put("rows", rows);
    }
}
