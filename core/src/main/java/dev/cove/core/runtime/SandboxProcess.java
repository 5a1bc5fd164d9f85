package dev.cove.core.runtime;

import java.io.IOException;
import java.io.InputStream;

/**
 * A process running inside a sandbox, started by {@link SandboxRuntime#spawn}. Its output streams must be read
 * (a full pipe stalls the process); with a pty, {@link #stdout()} carries the terminal output and
 * {@link #stderr()} is null.
 */
public interface SandboxProcess {
    /** Pid inside the sandbox's pid namespace (what {@code ps} in the sandbox shows). */
    int pid();

    /** Pid on the host. */
    long hostPid();

    boolean pty();

    InputStream stdout();

    /** Null for a pty process. */
    InputStream stderr();

    /** Writes to stdin (or the terminal); throws when stdin is closed or was not requested. */
    void write(byte[] data) throws IOException;

    /** Closes stdin (EOF for the process). */
    void closeStdin() throws IOException;

    /** Sets the terminal size; only for pty processes. */
    void resize(ProcessSpec.PtySize size) throws IOException;

    /** Sends a signal (9 = SIGKILL, 15 = SIGTERM, ...) to the process. No-op once it ended. */
    void signal(int signal);

    /** Blocks until the process has ended. */
    Exit waitFor() throws InterruptedException;

    boolean isAlive();

    /**
     * How a process ended.
     *
     * @param exitCode exit status when it exited, -1 when a signal killed it
     * @param signal   the signal that killed it, 0 when it exited
     */
    record Exit(int exitCode, int signal) {
        public boolean exited() { return signal == 0; }
    }
}
