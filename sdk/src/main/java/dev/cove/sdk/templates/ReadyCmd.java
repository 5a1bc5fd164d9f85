package dev.cove.sdk.templates;

import java.time.Duration;

/** A ready check: a shell command that exits 0 once a sandbox's start command is ready (E2B's, the same commands). */
public record ReadyCmd(String command) {
    /** Something listens on {@code port}. */
    public static ReadyCmd waitForPort(int port) { return new ReadyCmd("[ -n \"$(ss -Htuln sport = :" + port + ")\" ]"); }

    /** {@code url} answers {@code status}. */
    public static ReadyCmd waitForUrl(String url, int status) {
        return new ReadyCmd("curl -s -o /dev/null -w \"%{http_code}\" " + Template.quote(url) + " | grep -q \"" + status + "\"");
    }

    public static ReadyCmd waitForUrl(String url) { return waitForUrl(url, 200); }

    /** A process named {@code name} runs. */
    public static ReadyCmd waitForProcess(String name) { return new ReadyCmd("pgrep " + Template.quote(name) + " > /dev/null"); }

    /** {@code path} exists. */
    public static ReadyCmd waitForFile(String path) { return new ReadyCmd("[ -f " + Template.quote(path) + " ]"); }

    /** After {@code timeout} (whole seconds, at least one). */
    public static ReadyCmd waitForTimeout(Duration timeout) { return new ReadyCmd("sleep " + Math.max(1, timeout.toSeconds())); }
}
