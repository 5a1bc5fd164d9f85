package dev.cove.core.runtime;

import java.time.Duration;
import java.util.Map;

/**
 * A template's start command: run in the background in every sandbox made from the template, which is handed over
 * only once {@code readyCommand} succeeds (E2B's {@code setStartCmd(cmd, ready)}). The ready check is a shell
 * command, run again and again until it exits 0, as E2B's {@code waitForPort}, {@code waitForURL},
 * {@code waitForTimeout} and friends are ({@link #waitForPort} and the others make the same commands). A start command
 * that exits non-zero before the sandbox is ready, or a ready check that does not pass in {@code readyTimeout}, fails
 * the create with the command's exit and the tail of its output.
 *
 * @param command      shell command ({@code bash -l -c}), run as {@code user} in {@code workdir}
 * @param readyCommand shell command that exits 0 once the sandbox is ready; null: ready once started
 * @param user         {@code root} or {@code user}; null: {@code user}
 * @param workdir      absolute directory, or null for the user's home
 * @param env          variables on top of the sandbox's own
 * @param readyTimeout how long the ready check may take; null: {@link #DEFAULT_READY_TIMEOUT}
 */
public record StartCommand(String command, String readyCommand, String user, String workdir,
                           Map<String, String> env, Duration readyTimeout) {
    public static final Duration DEFAULT_READY_TIMEOUT = Duration.ofMinutes(2);

    public StartCommand {
        if (command == null || command.isBlank()) throw new IllegalArgumentException("a start command needs a command");
        env = env == null ? Map.of() : Map.copyOf(env);
        user = user == null || user.isBlank() ? "user" : user;
        workdir = workdir == null || workdir.isBlank() ? null : workdir;
        readyTimeout = readyTimeout == null || readyTimeout.isZero() || readyTimeout.isNegative()
                ? DEFAULT_READY_TIMEOUT : readyTimeout;
    }

    /** {@code command} as {@code user} in the home directory, ready once {@code readyCommand} succeeds. */
    public static StartCommand of(String command, String readyCommand) {
        return new StartCommand(command, readyCommand, null, null, Map.of(), null);
    }

    /** Ready once something listens on TCP or UDP {@code port} (E2B's {@code waitForPort}). */
    public static String waitForPort(int port) {
        return "[ -n \"$(ss -Htuln sport = :" + port + ")\" ]";
    }

    /** Ready once {@code url} answers with {@code status} (E2B's {@code waitForURL}, with curl). */
    public static String waitForUrl(String url, int status) {
        return "curl -s -o /dev/null -w \"%{http_code}\" '" + url.replace("'", "'\\''") + "' | grep -q \"" + status + "\"";
    }

    /** Ready after {@code timeout} (E2B's {@code waitForTimeout}: whole seconds, at least one). */
    public static String waitForTimeout(Duration timeout) {
        return "sleep " + Math.max(1, timeout.toSeconds());
    }

    public StartCommand withEnv(Map<String, String> env) {
        return new StartCommand(command, readyCommand, user, workdir, env, readyTimeout);
    }
}
