package dev.cove.sdk;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cove.sdk.errors.CommandExitException;
import dev.cove.sdk.errors.CoveException;
import dev.cove.sdk.errors.CoveTimeoutException;
import dev.cove.sdk.internal.Envd;
import dev.cove.sdk.internal.Json;
import dev.cove.sdk.internal.Utf8Chunks;

import java.time.Duration;
import java.util.Base64;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

/**
 * A process running in a sandbox (started in the background, connected to by pid, or a terminal). Output arrives
 * on a reader thread: callbacks see each chunk, {@link #stdout()} and {@link #stderr()} hold everything so far.
 * {@link #disconnect()} stops listening without stopping the process; {@link #kill()} stops it.
 */
public final class CommandHandle implements AutoCloseable {
    private final Commands commands;
    private final int pid;
    private final Envd.MessageStream stream;
    private final Consumer<String> onStdout;
    private final Consumer<String> onStderr;
    private final Consumer<byte[]> onPty;
    private final StringBuilder stdout = new StringBuilder();
    private final StringBuilder stderr = new StringBuilder();
    private final Utf8Chunks stdoutText = new Utf8Chunks();
    private final Utf8Chunks stderrText = new Utf8Chunks();
    private final CompletableFuture<CommandResult> done = new CompletableFuture<>();
    private volatile boolean disconnected;

    private CommandHandle(Commands commands, int pid, Envd.MessageStream stream, Consumer<String> onStdout,
                          Consumer<String> onStderr, Consumer<byte[]> onPty) {
        this.commands = commands;
        this.pid = pid;
        this.stream = stream;
        this.onStdout = onStdout;
        this.onStderr = onStderr;
        this.onPty = onPty;
    }

    /** Reads the stream's first event (the pid, as the SDKs do) here, then the rest on a daemon thread. */
    static CommandHandle open(Commands commands, Envd.MessageStream stream, Consumer<String> onStdout,
                              Consumer<String> onStderr, Consumer<byte[]> onPty) {
        int pid = -1;
        JsonNode event;
        while ((event = stream.next()) != null) {
            JsonNode start = event.path("event").get("start");
            if (start != null) {
                pid = Json.integer(start, "pid", -1);
                break;
            }
        }
        if (pid < 0) {
            stream.close();
            throw new CoveException(0, "no_start", "the process stream ended before the process started");
        }
        CommandHandle h = new CommandHandle(commands, pid, stream, onStdout, onStderr, onPty);
        Thread reader = new Thread(h::readEvents, "cove-process-" + pid);
        reader.setDaemon(true);
        reader.start();
        return h;
    }

    private void readEvents() {
        try {
            JsonNode event;
            while ((event = stream.next()) != null) {
                JsonNode e = event.path("event");
                JsonNode data = e.get("data");
                if (data != null) {
                    onData(data);
                    continue;
                }
                JsonNode end = e.get("end");
                if (end != null) {
                    finish(end);
                    stream.close();
                    return;
                }
                // start (again) or keepalive: nothing to do
            }
            done.completeExceptionally(new CoveException(0, "no_result", "Process exited without a result"));
        } catch (CoveException ex) {
            done.completeExceptionally(disconnected
                    ? new CoveException(0, "disconnected", "disconnected from process " + pid + " (it may still run)")
                    : ex);
        } catch (RuntimeException ex) {
            done.completeExceptionally(ex);
        }
    }

    private void onData(JsonNode data) {
        String out = Json.text(data, "stdout");
        String err = Json.text(data, "stderr");
        String pty = Json.text(data, "pty");
        if (out != null) {
            String text = stdoutText.feed(Base64.getDecoder().decode(out));
            synchronized (stdout) { stdout.append(text); }
            if (onStdout != null && !text.isEmpty()) onStdout.accept(text);
        }
        if (err != null) {
            String text = stderrText.feed(Base64.getDecoder().decode(err));
            synchronized (stderr) { stderr.append(text); }
            if (onStderr != null && !text.isEmpty()) onStderr.accept(text);
        }
        if (pty != null) {
            byte[] bytes = Base64.getDecoder().decode(pty);
            String text = stdoutText.feed(bytes);
            synchronized (stdout) { stdout.append(text); }
            if (onPty != null) onPty.accept(bytes);
        }
    }

    private void finish(JsonNode end) {
        String tailOut = stdoutText.finish();
        String tailErr = stderrText.finish();
        synchronized (stdout) { stdout.append(tailOut); }
        synchronized (stderr) { stderr.append(tailErr); }
        int exitCode = Json.integer(end, "exitCode", Json.integer(end, "exit_code", 0));
        String error = Json.text(end, "error");
        done.complete(new CommandResult(exitCode, stdout(), stderr(), error == null || error.isEmpty() ? null : error));
    }

    /** The process id inside the sandbox. */
    public int getPid() { return pid; }

    /** Standard output so far (for a terminal: everything it printed). */
    public String stdout() { synchronized (stdout) { return stdout.toString(); } }

    /** Standard error so far. */
    public String stderr() { synchronized (stderr) { return stderr.toString(); } }

    /** True until the end of the process (or of this handle's connection) has been seen. */
    public boolean isRunning() { return !done.isDone(); }

    /** The exit code once it ended, else null. */
    public Integer exitCode() {
        CommandResult r = done.getNow(null);
        return r == null ? null : r.exitCode();
    }

    /**
     * Waits for the end. @throws CommandExitException when the exit code is not zero (it carries the result)
     */
    public CommandResult waitFor() {
        try {
            return check(done.get());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CoveException(0, "interrupted", "interrupted while waiting for process " + pid, e);
        } catch (ExecutionException e) {
            throw rethrow(e);
        }
    }

    /** As {@link #waitFor()}, but gives up after {@code timeout}. @throws CoveTimeoutException then (the process goes on) */
    public CommandResult waitFor(Duration timeout) {
        try {
            return check(done.get(timeout.toMillis(), TimeUnit.MILLISECONDS));
        } catch (TimeoutException e) {
            throw new CoveTimeoutException(0, "wait_timeout", "process " + pid + " still runs after " + timeout);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CoveException(0, "interrupted", "interrupted while waiting for process " + pid, e);
        } catch (ExecutionException e) {
            throw rethrow(e);
        }
    }

    private static CommandResult check(CommandResult r) {
        if (r.exitCode() != 0) throw new CommandExitException(r);
        return r;
    }

    private static RuntimeException rethrow(ExecutionException e) {
        Throwable c = e.getCause();
        if (c instanceof CoveException) return (CoveException) c;
        return c instanceof RuntimeException ? (RuntimeException) c : new CoveException(0, null, String.valueOf(c), c);
    }

    /** Kills the process (SIGKILL): true when it was running, false when it was gone already. */
    public boolean kill() { return commands.kill(pid); }

    /** Writes to its standard input (it must have been started with {@code stdin(true)}). */
    public void sendStdin(String data) { commands.sendStdin(pid, data); }

    public void sendStdin(byte[] data) { commands.sendStdin(pid, data); }

    /** Closes its standard input (end of file for the process). */
    public void closeStdin() { commands.closeStdin(pid); }

    /** Stops receiving its output; the process keeps running (reconnect with {@code commands().connect(pid)}). */
    public void disconnect() {
        disconnected = true;
        stream.close();
    }

    /** Same as {@link #disconnect()}. */
    @Override
    public void close() { disconnect(); }
}
