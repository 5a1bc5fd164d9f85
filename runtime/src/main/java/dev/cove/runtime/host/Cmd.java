package dev.cove.runtime.host;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs host commands (ip, runc, mount helpers) and collects their output. */
public final class Cmd {
    private static final File DEV_NULL = new File("/dev/null");
    /** Output beyond this is dropped, so a chatty process cannot fill the JVM heap. */
    public static final int MAX_CAPTURE = 8 << 20;

    private Cmd() {}

    public record Result(int exitCode, String stdout, String stderr, boolean timedOut) {
        public boolean ok() { return exitCode == 0 && !timedOut; }

        /** stderr, else stdout, trimmed: what to show when the command failed. */
        public String message() {
            String m = stderr.isBlank() ? stdout : stderr;
            m = m.strip();
            return m.length() > 2000 ? m.substring(0, 2000) + "..." : m;
        }
    }

    /** Runs {@code argv} with {@code stdin} (null: /dev/null), waits at most {@code timeout}, kills it after that. */
    public static Result run(List<String> argv, String stdin, Duration timeout) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(argv);
        pb.environment().put("LC_ALL", "C");
        if (stdin == null) pb.redirectInput(ProcessBuilder.Redirect.from(DEV_NULL));
        Process process = pb.start();
        Capture out = Capture.start(process.getInputStream());
        Capture err = Capture.start(process.getErrorStream());
        if (stdin != null) {
            try (OutputStream os = process.getOutputStream()) {
                os.write(stdin.getBytes(StandardCharsets.UTF_8));
            } catch (IOException ignored) {
                // the process exited before reading all of it; its exit code tells
            }
        }
        boolean finished;
        try {
            finished = process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
            if (!finished) {
                process.destroyForcibly();
                process.waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while running " + argv.getFirst(), e);
        }
        return new Result(finished ? process.exitValue() : -1, out.text(Duration.ofSeconds(2)),
                err.text(Duration.ofSeconds(2)), !finished);
    }

    /** Like {@link #run} but throws with the command's own message when it fails. */
    public static Result check(List<String> argv, String stdin, Duration timeout) throws IOException {
        Result r = run(argv, stdin, timeout);
        if (r.timedOut()) throw new IOException(String.join(" ", argv.subList(0, Math.min(3, argv.size())))
                + " timed out after " + timeout.toMillis() + " ms");
        if (r.exitCode() != 0) throw new IOException(argv.getFirst() + " failed (exit " + r.exitCode() + "): " + r.message());
        return r;
    }

    /** Reads a stream to its end on a virtual thread, keeping at most {@link #MAX_CAPTURE} bytes. */
    public static final class Capture {
        private final ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        private final Thread thread;
        private final InputStream in;
        private boolean truncated;

        private Capture(InputStream in) {
            this.in = in;
            this.thread = Thread.ofVirtual().name("cmd-capture").start(this::pump);
        }

        public static Capture start(InputStream in) { return new Capture(in); }

        private void pump() {
            byte[] chunk = new byte[8192];
            try (in) {
                int n;
                while ((n = in.read(chunk)) >= 0) {
                    synchronized (buffer) {
                        int room = MAX_CAPTURE - buffer.size();
                        if (room > 0) buffer.write(chunk, 0, Math.min(room, n));
                        if (n > room) truncated = true;
                    }
                }
            } catch (IOException ignored) {
                // stream closed under us (process killed): keep what we have
            }
        }

        /** Waits up to {@code wait} for the end of the stream, then returns what was read. */
        public String text(Duration wait) {
            try {
                if (!thread.join(wait)) {
                    try { in.close(); } catch (IOException ignored) { }
                    thread.join(Duration.ofMillis(200));
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            synchronized (buffer) {
                String s = buffer.toString(StandardCharsets.UTF_8);
                return truncated ? s + "\n[output truncated at " + MAX_CAPTURE + " bytes]" : s;
            }
        }
    }
}
