package dev.cove.runtime.process;

import dev.cove.core.linux.Native;
import dev.cove.core.runtime.ProcessSpec;
import dev.cove.core.runtime.SandboxProcess;
import dev.cove.runtime.host.Sys;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.Pipe;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

/**
 * A process started by a sandbox's {@link Spawner}: pipes as stdio, the exit status exactly as the kernel reported
 * it to the spawner (a signal is a signal, not 128 + N), signals through its pidfd (never a recycled pid).
 */
final class SpawnerProcess implements SandboxProcess {
    private final Spawner spawner;
    private final long id;
    private final long hostPid;
    private final int pid;
    private final InputStream stdout;
    private final InputStream stderr;
    private final Object stdinLock = new Object();
    private int stdin; // guarded by stdinLock; -1 without stdin or once closed
    private final boolean hasStdin;
    private final CompletableFuture<Exit> exit = new CompletableFuture<>();
    private int pidfd; // guarded by this; -1 once closed

    SpawnerProcess(Spawner spawner, long id, int pidfd, long hostPid, int pid, InputStream stdout, InputStream stderr,
                   int stdin) {
        this.spawner = spawner;
        this.id = id;
        this.pidfd = pidfd;
        this.hostPid = hostPid;
        this.pid = pid;
        this.stdout = stdout;
        this.stderr = stderr;
        this.stdin = stdin;
        this.hasStdin = stdin >= 0;
    }

    /**
     * Our read end of a child's pipe as a stream: a platform thread reads the fd (closing it at the end) into a
     * NIO pipe, whose reads park a virtual thread instead of pinning its carrier.
     */
    static InputStream reader(int fd, String name) throws IOException {
        Pipe pipe;
        try {
            pipe = Pipe.open();
        } catch (IOException e) {
            Native.close(fd);
            throw e;
        }
        Thread.ofPlatform().daemon().name(name).start(() -> {
            try (Arena a = Arena.ofConfined(); var sink = pipe.sink()) {
                MemorySegment buf = a.allocate(64 * 1024);
                byte[] heap = new byte[64 * 1024];
                for (;;) {
                    int n = Sys.read(fd, buf, buf.byteSize());
                    if (n <= 0) break;
                    MemorySegment.copy(buf, ValueLayout.JAVA_BYTE, 0, heap, 0, n);
                    ByteBuffer bb = ByteBuffer.wrap(heap, 0, n);
                    while (bb.hasRemaining()) sink.write(bb);
                }
            } catch (IOException e) {
                // the consumer closed its end: stop reading (the child then gets SIGPIPE, as with exec)
            } finally {
                Native.close(fd);
            }
        });
        return Channels.newInputStream(pipe.source());
    }

    void ended(Exit e) {
        synchronized (this) {
            Native.close(pidfd);
            pidfd = -1;
        }
        closeStdin(); // nothing reads it any more
        exit.complete(e);
    }

    /**
     * The spawner died first, taking the exit status with it: once the process ends (its pidfd turns readable) it
     * is reported as killed, the one outcome the sandbox's root chose by killing the spawner.
     */
    void orphaned() {
        Thread.ofPlatform().daemon().name("cove-orphan-" + spawner.sandboxId() + "-" + pid).start(() -> {
            for (;;) {
                int fd;
                synchronized (this) {
                    fd = pidfd;
                }
                if (fd < 0) return;
                try {
                    if (Sys.pollIn(fd, 1000)) break;
                } catch (Native.Errno e) {
                    break;
                }
            }
            ended(new Exit(-1, 9));
        });
    }

    @Override public int pid() { return pid; }

    @Override public long hostPid() { return hostPid; }

    @Override public boolean pty() { return false; }

    @Override public InputStream stdout() { return stdout; }

    @Override public InputStream stderr() { return stderr; }

    @Override
    public void write(byte[] data) throws IOException {
        if (!hasStdin) throw new IOException("the process was started without stdin");
        synchronized (stdinLock) {
            if (stdin < 0) throw new IOException("stdin is closed");
            try (Arena a = Arena.ofConfined()) {
                MemorySegment buf = a.allocate(Math.max(1, data.length));
                MemorySegment.copy(data, 0, buf, ValueLayout.JAVA_BYTE, 0, data.length);
                long off = 0;
                while (off < data.length) {
                    long n = SpawnerNative.write(stdin, buf.asSlice(off), data.length - off);
                    if (n >= 0) {
                        off += n;
                    } else if (n == -SpawnerNative.EAGAIN) {
                        try {
                            Thread.sleep(1); // the process has not read yet: park, do not pin
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                            throw new InterruptedIOException("interrupted while writing stdin");
                        }
                    } else {
                        throw new IOException("cannot write to stdin: " + Native.strerror((int) -n));
                    }
                }
            }
        }
    }

    @Override
    public void closeStdin() {
        synchronized (stdinLock) {
            Native.close(stdin);
            stdin = -1;
        }
    }

    @Override
    public void resize(ProcessSpec.PtySize size) throws IOException {
        throw new IOException("the process has no terminal");
    }

    @Override
    public synchronized void signal(int signal) {
        if (pidfd < 0) return;
        SpawnerNative.pidfdSignal(pidfd, signal); // ESRCH: it has ended meanwhile
    }

    @Override
    public Exit waitFor() throws InterruptedException {
        try {
            return exit.get();
        } catch (ExecutionException e) {
            return new Exit(-1, 9);
        }
    }

    @Override public boolean isAlive() { return !exit.isDone(); }

    long id() { return id; }
}
