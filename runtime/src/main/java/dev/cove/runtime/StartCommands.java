package dev.cove.runtime;

import dev.cove.core.CoveException;
import dev.cove.core.runtime.ProcessSpec;
import dev.cove.core.runtime.SandboxProcess;
import dev.cove.core.runtime.StartCommand;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A template's start command at a create: started in the background (a process of the sandbox, as the template's
 * user, in its working directory, with its variables), then its ready check run until it passes. The create returns
 * only then; a start command that ends with an error first, or a check that never passes, fails it with the command,
 * its exit and the tail of its output. The command's output is read for as long as it runs (a full pipe would stall
 * it); only the tail is kept.
 */
final class StartCommands {
    private static final Logger log = LoggerFactory.getLogger(OciRuntime.class);
    /** Pause between two ready checks (E2B's envd checks about as often). */
    private static final long CHECK_EVERY_MS = 100;
    /** One check that takes longer (a curl with no timeout, say) is killed and counts as not ready. */
    private static final Duration CHECK_TIMEOUT = Duration.ofSeconds(10);
    private static final int TAIL_BYTES = 4096;

    /** Where a sandbox keeps its start command, for a resume after a stop ({@code memory: false}) to run it again. */
    static final String FILE = "start.json";
    private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();

    private final Processes processes;

    StartCommands(Processes processes) { this.processes = processes; }

    /** Keeps {@code start} in the sandbox directory, readable by its owner only. */
    static void save(Path dir, StartCommand start) throws IOException {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("command", start.command());
        m.put("readyCommand", start.readyCommand());
        m.put("user", start.user());
        m.put("workdir", start.workdir());
        m.put("env", start.env());
        m.put("readyTimeoutMillis", start.readyTimeout().toMillis());
        // owner-only: the variables may carry the sandbox's agent token (SandboxSpec.agentToken)
        Path file = dir.resolve(FILE);
        Files.deleteIfExists(file);
        Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        JSON.writeValue(file.toFile(), m);
    }

    /** The start command kept in {@code dir}, or null (none, or unreadable). */
    static StartCommand load(Path dir) {
        Path f = dir.resolve(FILE);
        if (!Files.isRegularFile(f)) return null;
        try {
            var n = JSON.readTree(f.toFile());
            Map<String, String> env = new LinkedHashMap<>();
            n.path("env").fields().forEachRemaining(e -> env.put(e.getKey(), e.getValue().asText()));
            return new StartCommand(n.path("command").asText(), n.path("readyCommand").asText(null),
                    n.path("user").asText(null), n.path("workdir").asText(null), env,
                    Duration.ofMillis(n.path("readyTimeoutMillis").asLong(0)));
        } catch (IOException | RuntimeException e) {
            log.warn("unreadable {}: {}", f, e.getMessage());
            return null;
        }
    }

    /** Starts {@code start} in sandbox {@code id} and waits until it is ready; throws (and leaves it running) if not. */
    void run(String id, StartCommand start) {
        long t0 = System.nanoTime();
        SandboxProcess p = processes.spawn(id, spec(start, start.command()));
        Tail output = Tail.follow(p);
        long deadline = t0 + start.readyTimeout().toNanos();
        int checks = 0;
        try {
            while (true) {
                if (!p.isAlive()) {
                    SandboxProcess.Exit exit = p.waitFor();
                    output.awaitEnd();
                    if (!exit.exited() || exit.exitCode() != 0)
                        throw failed(start, "exited with " + describe(exit) + " before the sandbox was ready", output);
                    if (start.readyCommand() == null) break;
                }
                if (start.readyCommand() == null) break;
                checks++;
                if (check(id, start)) break;
                if (System.nanoTime() > deadline)
                    throw failed(start, "did not become ready: the ready check `" + start.readyCommand()
                            + "` did not pass in " + start.readyTimeout().toSeconds() + " s (" + checks + " tries)", output);
                Thread.sleep(CHECK_EVERY_MS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CoveException(500, "sandbox_start_failed", "interrupted while waiting for the start command");
        }
        log.debug("sandbox {}: start command ready in {} ms ({} checks)", id, Node.ms(System.nanoTime() - t0), checks);
    }

    /** One run of the ready check: true when it exited 0 in time. */
    private boolean check(String id, StartCommand start) throws InterruptedException {
        SandboxProcess c = processes.spawn(id, spec(start, start.readyCommand()));
        Tail out = Tail.follow(c);
        Thread waiter = Thread.ofVirtual().start(() -> {
            try {
                c.waitFor();
            } catch (InterruptedException ignored) {
                // the check is killed below
            }
        });
        if (!waiter.join(CHECK_TIMEOUT)) {
            c.signal(9);
            return false;
        }
        out.awaitEnd();
        SandboxProcess.Exit exit = c.waitFor();
        return exit.exited() && exit.exitCode() == 0;
    }

    private static ProcessSpec spec(StartCommand start, String script) {
        // not a login shell: Debian's /etc/profile would reset the PATH the template set
        return new ProcessSpec(start.user(), List.of("/bin/bash", "-c", script), start.env(), start.workdir(), null,
                false);
    }

    private static String describe(SandboxProcess.Exit exit) {
        return exit.exited() ? "exit code " + exit.exitCode() : "signal " + exit.signal();
    }

    private static CoveException failed(StartCommand start, String what, Tail output) {
        String tail = output.text();
        return new CoveException(500, "sandbox_start_failed", "the template's start command `" + start.command() + "` "
                + what + (tail.isBlank() ? "; it wrote no output" : "; its output ends with:\n" + tail));
    }

    /** The last {@link #TAIL_BYTES} of a process's stdout and stderr (interleaved as they come). */
    static final class Tail {
        private final byte[] ring = new byte[TAIL_BYTES];
        private long written;
        private final List<Thread> readers;

        private Tail(SandboxProcess p) {
            this.readers = List.of(reader(p.stdout()), reader(p.stderr()));
        }

        static Tail follow(SandboxProcess p) { return new Tail(p); }

        private Thread reader(InputStream in) {
            return Thread.ofVirtual().start(() -> {
                if (in == null) return;
                byte[] buf = new byte[8192];
                try (in) {
                    int n;
                    while ((n = in.read(buf)) > 0) append(buf, n);
                } catch (IOException ignored) {
                    // the sandbox went: nothing more to read
                }
            });
        }

        private synchronized void append(byte[] buf, int n) {
            for (int i = 0; i < n; i++) ring[(int) ((written + i) % ring.length)] = buf[i];
            written += n;
        }

        /** Waits (briefly) until both streams ended, so the tail holds what the process wrote last. */
        void awaitEnd() throws InterruptedException {
            for (Thread t : readers) t.join(Duration.ofSeconds(2));
        }

        synchronized String text() {
            int len = (int) Math.min(written, ring.length);
            byte[] out = new byte[len];
            long from = written - len;
            for (int i = 0; i < len; i++) out[i] = ring[(int) ((from + i) % ring.length)];
            String s = new String(out, StandardCharsets.UTF_8).strip();
            return written > ring.length ? "…" + s : s;
        }
    }
}
