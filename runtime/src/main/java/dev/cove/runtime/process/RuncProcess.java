package dev.cove.runtime.process;

import dev.cove.core.CoveException;
import dev.cove.core.linux.Native;
import dev.cove.core.runtime.ProcessSpec;
import dev.cove.core.runtime.SandboxProcess;
import dev.cove.runtime.host.Sys;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.Pipe;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A process started with {@code runc exec --process <json>} (not detached): runc stays its parent, so its exit
 * status is runc's, and the process lives in the container's namespaces, cgroup, seccomp filter and capability
 * set. Plain processes get pipes as stdio. Terminal processes get a host pseudo-terminal as runc's stdio: runc then
 * makes the container's own terminal and copies between the two, and a SIGWINCH to runc copies our size to it.
 */
public final class RuncProcess implements SandboxProcess {
    private static final Logger log = LoggerFactory.getLogger(RuncProcess.class);
    private static final File DEV_NULL = new File("/dev/null");
    private static final int SIGWINCH = 28;

    private final Process runc;
    private final long hostPid;
    private final int pid;
    private final Sys.Pty pty;
    private final InputStream stdout;
    private final InputStream stderr;
    private final OutputStream stdin;
    private final Set<Integer> signalsSent = ConcurrentHashMap.newKeySet();
    private volatile boolean stdinClosed;
    private final AtomicBoolean ptyClosed;

    private RuncProcess(Process runc, long hostPid, int pid, Sys.Pty pty, InputStream stdout, InputStream stderr,
                        OutputStream stdin, AtomicBoolean ptyClosed) {
        this.ptyClosed = ptyClosed;
        this.runc = runc;
        this.hostPid = hostPid;
        this.pid = pid;
        this.pty = pty;
        this.stdout = stdout;
        this.stderr = stderr;
        this.stdin = stdin;
    }

    /**
     * Starts it and returns once its pid is known.
     *
     * @param command    the runtime's exec command line (with --process and --pid-file)
     * @param pidFile    where runc writes the host pid
     */
    public static RuncProcess start(List<String> command, Path pidFile, ProcessSpec spec) throws IOException {
        Sys.Pty pty = null;
        Process p;
        ProcessBuilder pb = new ProcessBuilder(command);
        if (spec.pty() != null) {
            pty = Sys.openPty();
            try {
                Sys.setWindowSize(pty.master(), spec.pty().cols(), spec.pty().rows());
                File slave = new File(pty.slavePath());
                pb.redirectInput(slave).redirectOutput(slave).redirectError(slave);
                p = pb.start();
            } catch (IOException | RuntimeException e) {
                Native.close(pty.master());
                throw e;
            }
        } else {
            if (!spec.stdin()) pb.redirectInput(DEV_NULL);
            p = pb.start();
        }
        long hostPid = awaitPid(p, pidFile);
        if (hostPid <= 0) {
            String why = failure(p, pty);
            if (pty != null) Native.close(pty.master());
            throw new CoveException(400, "invalid_argument", "could not start the process: " + why);
        }
        int nsPid = namespacePid(hostPid);
        var closed = new AtomicBoolean();
        InputStream out;
        if (pty != null) {
            out = ptyReader(pty.master(), closed);
        } else {
            out = p.getInputStream();
        }
        return new RuncProcess(p, hostPid, nsPid, pty, out, pty != null ? null : p.getErrorStream(),
                pty != null ? null : spec.stdin() ? p.getOutputStream() : null, closed);
    }

    /** The host pid from runc's pid file, or 0 when runc ended first. */
    private static long awaitPid(Process p, Path pidFile) {
        long deadline = System.nanoTime() + 30_000_000_000L;
        int spins = 0;
        while (System.nanoTime() < deadline) {
            try {
                String s = Files.readString(pidFile, StandardCharsets.US_ASCII).strip();
                if (!s.isEmpty()) return Long.parseLong(s);
            } catch (IOException | NumberFormatException notYet) {
                // runc writes it (atomically) once the process runs
            }
            if (!p.isAlive()) {
                try {
                    String s = Files.readString(pidFile, StandardCharsets.US_ASCII).strip();
                    if (!s.isEmpty()) return Long.parseLong(s);
                } catch (IOException | NumberFormatException ignored) {
                    // never started
                }
                return 0;
            }
            spins++;
            try {
                if (spins < 50) Thread.sleep(0, 200_000); else Thread.sleep(1);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                p.destroyForcibly();
                return 0;
            }
        }
        p.destroyForcibly();
        return 0;
    }

    private static String failure(Process p, Sys.Pty pty) {
        try {
            p.waitFor();
            byte[] msg;
            if (pty != null) {
                try (Arena a = Arena.ofConfined()) {
                    MemorySegment buf = a.allocate(4096);
                    int n = Sys.pollIn(pty.master(), 100) ? Sys.read(pty.master(), buf, 4096) : 0;
                    msg = buf.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE);
                } catch (IOException e) {
                    msg = new byte[0];
                }
            } else {
                msg = p.getErrorStream().readNBytes(4096);
            }
            String text = new String(msg, StandardCharsets.UTF_8).strip();
            // runc's own log lines: keep the message part
            int m = text.lastIndexOf("msg=\"");
            if (m >= 0) text = text.substring(m + 5).replaceAll("\"\\s*$", "");
            return text.isEmpty() ? "the runtime exited with " + p.exitValue() : text;
        } catch (IOException | InterruptedException e) {
            return e.toString();
        }
    }

    /** NSpid's last field in /proc/&lt;pid&gt;/status: the pid inside the sandbox. */
    static int namespacePid(long hostPid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(hostPid), "status"))) {
                if (line.startsWith("NSpid:")) {
                    String[] f = line.substring(6).strip().split("\\s+");
                    return Integer.parseInt(f[f.length - 1]);
                }
            }
        } catch (IOException | RuntimeException ignored) {
            // exited already
        }
        return (int) hostPid;
    }

    /** Terminal output through a pipe, read from the master by a platform thread (native reads would pin a carrier). */
    private static InputStream ptyReader(int master, AtomicBoolean closed) throws IOException {
        Pipe pipe = Pipe.open();
        Thread.ofPlatform().daemon().name("cove-pty-" + master).start(() -> {
            try (Arena a = Arena.ofConfined(); var sink = pipe.sink()) {
                MemorySegment buf = a.allocate(32 * 1024);
                byte[] heap = new byte[32 * 1024];
                for (;;) {
                    int n;
                    try {
                        n = Sys.read(master, buf, buf.byteSize());
                    } catch (Native.Errno e) {
                        if (e.errno == Sys.EIO) break; // every slave fd closed: the terminal's end of file
                        throw e;
                    }
                    if (n == 0) break;
                    MemorySegment.copy(buf, ValueLayout.JAVA_BYTE, 0, heap, 0, n);
                    ByteBuffer bb = ByteBuffer.wrap(heap, 0, n);
                    while (bb.hasRemaining()) sink.write(bb);
                }
            } catch (IOException e) {
                log.debug("pty reader ended: {}", e.toString());
            } finally {
                synchronized (closed) {
                    closed.set(true);
                    Native.close(master);
                }
            }
        });
        return Channels.newInputStream(pipe.source());
    }

    @Override public int pid() { return pid; }

    @Override public long hostPid() { return hostPid; }

    @Override public boolean pty() { return pty != null; }

    @Override public InputStream stdout() { return stdout; }

    @Override public InputStream stderr() { return stderr; }

    @Override
    public void write(byte[] data) throws IOException {
        if (pty != null) {
            try (Arena a = Arena.ofConfined()) {
                MemorySegment buf = a.allocate(Math.max(1, data.length));
                MemorySegment.copy(data, 0, buf, ValueLayout.JAVA_BYTE, 0, data.length);
                synchronized (ptyClosed) {
                    if (ptyClosed.get() || !runc.isAlive()) throw new IOException("the terminal is closed");
                    Sys.writeFully(pty.master(), buf, data.length);
                }
            }
            return;
        }
        if (stdin == null) throw new IOException("the process was started without stdin");
        if (stdinClosed) throw new IOException("stdin is closed");
        synchronized (stdin) {
            stdin.write(data);
            stdin.flush();
        }
    }

    @Override
    public void closeStdin() throws IOException {
        if (pty != null) throw new IOException("a terminal has no separate stdin; send Ctrl-D (0x04) instead");
        if (stdin == null) return;
        stdinClosed = true;
        synchronized (stdin) {
            stdin.close();
        }
    }

    @Override
    public void resize(ProcessSpec.PtySize size) throws IOException {
        if (pty == null) throw new IOException("the process has no terminal");
        synchronized (ptyClosed) {
            if (ptyClosed.get()) throw new IOException("the terminal is closed");
            Sys.setWindowSize(pty.master(), size.cols(), size.rows());
        }
        // runc copies our size to the container's terminal when it gets SIGWINCH, but later, on its own time: a
        // client that resizes and then asks `stty size` could see the old size. So the size is also set on the
        // container's terminal itself (the process's stdin, reopened through /proc; the kernel signals SIGWINCH to
        // its foreground group), before this returns. O_NONBLOCK: whatever the process put on fd 0 cannot hold us.
        try {
            int fd = Native.open("/proc/" + hostPid + "/fd/0", Sys.O_RDWR | Sys.O_NOCTTY | Sys.O_NONBLOCK | Sys.O_CLOEXEC, 0);
            try {
                Sys.setWindowSize(fd, size.cols(), size.rows());
            } finally {
                Native.close(fd);
            }
        } catch (Native.Errno notATerminal) {
            // gone, or fd 0 is no terminal any more: runc's copy below is all there is
        }
        Sys.kill(runc.pid(), SIGWINCH);
    }

    @Override
    public void signal(int signal) {
        if (!runc.isAlive()) return;
        signalsSent.add(signal);
        Sys.kill(hostPid, signal);
    }

    @Override
    public Exit waitFor() throws InterruptedException {
        int code = runc.waitFor();
        // runc reports a process killed by signal N as 128 + N; a signal we sent ourselves is known for sure
        if (code > 128 && code < 128 + 65 && (signalsSent.contains(code - 128) || code - 128 == 9))
            return new Exit(-1, code - 128);
        return new Exit(code, 0);
    }

    @Override public boolean isAlive() { return runc.isAlive(); }
}
