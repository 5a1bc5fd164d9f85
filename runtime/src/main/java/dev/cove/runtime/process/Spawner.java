package dev.cove.runtime.process;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cove.core.CoveException;
import dev.cove.core.linux.Native;
import dev.cove.core.runtime.SandboxProcess;
import dev.cove.runtime.host.Sys;
import dev.cove.runtime.oci.OciSpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntConsumer;

/**
 * One sandbox's process spawner, the sealed agent: {@code cove-spawner} (runtime/src/main/c), a static host binary
 * bind-mounted read-only at {@link OciSpec#SPAWNER_PATH} and started by that absolute path (never through the
 * sandbox's PATH, never with anything loaded from the sandbox's files), once, through the OCI runtime's
 * {@code exec}, so it lives in the sandbox's cgroup and namespaces under its seccomp filter, capability bounding set
 * and no_new_privs, as root. It is non-dumpable: nothing in the sandbox may ptrace it, read its memory or take its
 * descriptors. Every process it forks inherits all of that and drops to the requested user; a spawn then costs a
 * message and a fork instead of a runtime exec (tens of milliseconds).
 *
 * <p>The channel is one SOCK_SEQPACKET connection, made once: the host binds a listener in a fresh root-only (0700)
 * directory under the sandbox's {@code /run}, accepts exactly one connection whose peer is the spawner's pid (from
 * the runtime's pid file, checked with SO_PEERCRED) and which presents the random token the spawner read from its
 * stdin, then removes the socket and the directory. No socket stays reachable in the sandbox. Everything the
 * spawner sends is treated as untrusted (the sandbox's root can tamper with it): a process is known by the pidfd
 * it passes, its pids are read from the kernel's fdinfo of that pidfd, and signals go through the pidfd, so they
 * can only ever reach a process of this sandbox.
 *
 * <p>Requests carry the child's pipe ends (SCM_RIGHTS): its stdout and stderr are real pipes as with the runtime's
 * exec. When the spawner dies the connection ends: {@link #alive()} turns false and callers fall back to exec.
 */
final class Spawner implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Spawner.class);
    private static final long RESOLVE_NO_SYMLINKS = 0x04, RESOLVE_BENEATH = 0x08;
    /** Larger requests (huge environments) go through the runtime's exec. */
    static final int MAX_REQUEST = 192 * 1024;
    private static final int CONNECT_TIMEOUT_MS = 10_000;
    private static final long START_REPLY_TIMEOUT_MS = 30_000;
    private static final SecureRandom RANDOM = new SecureRandom();
    /** The request version this host writes; a spawner announces the newest it reads in its hello (absent: 1). */
    private static final int REQUEST_VERSION = 2;
    private static final int FLAG_NO_NEW_PRIVS = 1;

    private final String sandboxId;
    private final long uidBase;
    private final int protocol;
    private final int sock;
    private final AtomicLong ids = new AtomicLong();
    private final Map<Long, CompletableFuture<JsonNode>> starts = new ConcurrentHashMap<>();
    private final Map<Long, SpawnerProcess> running = new ConcurrentHashMap<>();
    private final Map<Long, JsonNode> earlyEnds = new ConcurrentHashMap<>();
    private volatile boolean alive = true;
    private volatile boolean closed;

    private Spawner(String sandboxId, long uidBase, int protocol, int sock) {
        this.sandboxId = sandboxId;
        this.uidBase = uidBase;
        this.protocol = protocol;
        this.sock = sock;
    }

    /** Thrown when the spawner cannot take a request; the caller uses the runtime's exec instead. */
    public static final class Unavailable extends Exception {
        Unavailable(String why) { super(why, null, false, false); }
    }

    /**
     * Starts the spawner of a running sandbox and returns once it is connected. Fails (IOException) when the
     * sandbox has no spawner mounted (made before the sealed agent) or its /run is unusable; the sandbox then keeps
     * using exec.
     *
     * @param workDir     host directory for the exec's process and pid files
     * @param execCommand the runtime's exec command line for {@code processFile} and {@code pidFile}
     * @param uidBase     host id of the sandbox's root (0: the sandbox has no user namespace)
     * @param mayGainPrivileges start it without no_new_privs, so that the processes it starts for a user allowed to
     *                    (sudo) may gain privileges; it sets no_new_privs per process as the host asks
     */
    public static Spawner start(String sandboxId, Path rootfs, Path workDir, ExecCommand execCommand, long uidBase,
                                boolean mayGainPrivileges) throws IOException {
        Files.createDirectories(workDir);
        long t0 = System.nanoTime();
        String name = "cove-spawner-" + HexFormat.of().formatHex(bytes(8));
        String token = HexFormat.of().formatHex(bytes(32));
        int rootFd = -1, runFd = -1, dirFd = -1, listenFd = -1, conn = -1;
        int protocol = 1;
        Path processFile = workDir.resolve(name + ".json");
        Path pidFile = workDir.resolve(name + ".pid");
        boolean madeDir = false;
        try {
            rootFd = Native.open(rootfs.toString(), Sys.O_PATH | Sys.O_DIRECTORY, 0);
            // /run inside the sandbox: the sandbox's root can change it, so no symlink is followed on the way
            runFd = Sys.openat2(rootFd, "run", Sys.O_PATH | Sys.O_DIRECTORY, 0,
                    RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | Sys.RESOLVE_NO_MAGICLINKS);
            Sys.mkdirat(runFd, name, 0700);
            madeDir = true;
            dirFd = Sys.openat2(runFd, name, Sys.O_PATH | Sys.O_DIRECTORY, 0, RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS);
            // the sandbox's root (host id uidBase) owns it: in a user namespace, root has no power over host root's files
            if (uidBase != 0) Sys.fchownat(dirFd, "", uidBase, uidBase, Sys.AT_EMPTY_PATH);
            Sys.Stat st = Sys.statx(dirFd, "");
            if (st.uid() != uidBase || (st.mode() & 0777) != 0700)
                throw new IOException("spawner directory is not the sandbox root's 0700");
            // through the directory's fd: a short path (sun_path holds 107 bytes) that no rename can redirect
            listenFd = SpawnerNative.listen("/proc/self/fd/" + dirFd + "/s");
            if (uidBase != 0) Sys.fchownat(dirFd, "s", uidBase, uidBase, Sys.AT_SYMLINK_NOFOLLOW);

            List<String> argv = List.of(OciSpec.SPAWNER_PATH, "/run/" + name + "/s");
            OciSpec.JSON.writeValue(processFile.toFile(), OciSpec.inSandbox(OciSpec.process(OciSpec.User.ROOT, argv,
                    List.of("PATH=" + OciSpec.PATH, "LANG=C.UTF-8"), "/", !mayGainPrivileges, null), uidBase != 0));
            // Not detached: the runtime reaps the first spawner process, which exits once it has connected and
            // forked the real one (adopted by the sandbox's init). A detached exec would leave it to the host's
            // init, whose late reaping keeps the sandbox's cgroup busy at destroy.
            ProcessBuilder pb = new ProcessBuilder(execCommand.of(processFile, pidFile))
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD);
            Process p = pb.start();
            try (OutputStream in = p.getOutputStream()) {
                in.write((token + "\n").getBytes(StandardCharsets.US_ASCII));
            } catch (IOException e) {
                // the runtime ended early; its exit status and stderr say why
            }
            try {
                if (!p.waitFor(CONNECT_TIMEOUT_MS, TimeUnit.MILLISECONDS)) {
                    p.destroyForcibly();
                    throw new IOException("exec of the spawner timed out");
                }
            } catch (InterruptedException e) {
                p.destroyForcibly();
                Thread.currentThread().interrupt();
                throw new IOException("interrupted", e);
            }
            if (p.exitValue() != 0) {
                String err = new String(p.getErrorStream().readNBytes(2000), StandardCharsets.UTF_8).strip();
                throw new IOException("exec of the spawner failed (exit " + p.exitValue() + "): " + err);
            }
            long hostPid = Long.parseLong(Files.readString(pidFile, StandardCharsets.US_ASCII).strip());
            long deadline = System.nanoTime() + CONNECT_TIMEOUT_MS * 1_000_000L;
            for (;;) {
                int left = (int) ((deadline - System.nanoTime()) / 1_000_000);
                if (left <= 0) throw new IOException("the spawner did not connect in time");
                if (!Sys.pollIn(listenFd, Math.min(left, 100))) {
                    // it connects before it exits: exited without a connection waiting means it failed
                    if (!ProcessHandle.of(hostPid).map(ProcessHandle::isAlive).orElse(false) && !Sys.pollIn(listenFd, 0))
                        throw new IOException("the spawner ended without connecting");
                    continue;
                }
                conn = SpawnerNative.accept(listenFd);
                // only the process the runtime started, and only with the token it was given
                if (SpawnerNative.peerPid(conn) == hostPid && Sys.pollIn(conn, Math.max(1, left))) {
                    SpawnerNative.Message hello = SpawnerNative.receive(conn, 4096);
                    for (int fd : hello.fds()) Native.close(fd);
                    JsonNode h = hello.data().length == 0 ? null : OciSpec.JSON.readTree(hello.data());
                    if (h != null && MessageDigest.isEqual(
                            token.getBytes(StandardCharsets.US_ASCII),
                            h.path("hello").asText().getBytes(StandardCharsets.US_ASCII))) {
                        protocol = Math.min(REQUEST_VERSION, Math.max(1, h.path("v").asInt(1)));
                        break;
                    }
                }
                log.warn("sandbox {}: refused a connection to the spawner socket that was not the spawner", sandboxId);
                Native.close(conn);
                conn = -1;
            }
            SpawnerNative.setSendBuffer(conn, MAX_REQUEST + 4096);
            Spawner s = new Spawner(sandboxId, uidBase, protocol, conn);
            conn = -1;
            Thread.ofPlatform().daemon().name("cove-spawner-" + sandboxId).start(s::readLoop);
            log.debug("sandbox {}: spawner up in {} ms (host pid {})", sandboxId, (System.nanoTime() - t0) / 1_000_000,
                    hostPid);
            return s;
        } catch (RuntimeException e) {
            throw new IOException(e.toString(), e);
        } finally {
            Native.close(conn);
            Native.close(listenFd);
            if (dirFd >= 0) {
                try {
                    Sys.unlinkat(dirFd, "s", 0);
                } catch (Native.Errno ignored) {
                    // never bound
                }
            }
            if (madeDir) {
                try {
                    Sys.unlinkat(runFd, name, Sys.AT_REMOVEDIR);
                } catch (Native.Errno e) {
                    log.debug("sandbox {}: cannot remove /run/{}: {}", sandboxId, name, e.getMessage());
                }
            }
            Native.close(dirFd);
            Native.close(runFd);
            Native.close(rootFd);
            Files.deleteIfExists(processFile);
            Files.deleteIfExists(pidFile);
        }
    }

    /** The runtime's exec command line for a process file and a pid file. */
    @FunctionalInterface
    public interface ExecCommand {
        List<String> of(Path processFile, Path pidFile);
    }

    private static byte[] bytes(int n) {
        byte[] b = new byte[n];
        RANDOM.nextBytes(b);
        return b;
    }

    boolean alive() { return alive && !closed; }

    /**
     * Starts a process with pipes as stdio.
     *
     * @throws Unavailable   the spawner is gone or the request is too large: use the runtime's exec
     * @throws CoveException the process could not be started (no such program, ...), as exec would report it
     */
    public SandboxProcess spawn(List<String> argv, List<String> env, String cwd, OciSpec.User user, boolean stdin,
                                boolean noNewPrivileges) throws Unavailable {
        if (!alive()) throw new Unavailable("spawner gone");
        long id = ids.incrementAndGet();
        // a spawner of the first protocol always keeps no_new_privs: a process that may gain privileges uses exec
        if (protocol < 2 && !noNewPrivileges) throw new Unavailable("this spawner keeps no_new_privs");
        byte[] data = request(protocol, id, argv, env, cwd, user, noNewPrivileges);

        int[] out = null, err = null, in = null;
        InputStream stdoutStream = null, stderrStream = null;
        int stdinFd = -1;
        CompletableFuture<JsonNode> reply = new CompletableFuture<>();
        try {
            out = SpawnerNative.pipe();
            err = SpawnerNative.pipe();
            in = SpawnerNative.pipe(); // without stdin the process reads end-of-file: the pipe's writer is closed below
            // as runc does: the user owns its stdio (it may reopen /dev/stdout); host ids in a user namespace
            for (int fd : new int[] {out[1], err[1], in[0]})
                Sys.fchownat(fd, "", uidBase + user.uid(), uidBase + user.gid(), Sys.AT_EMPTY_PATH);
            // our ends: read by platform threads (a blocking read of a virtual thread would pin its carrier)
            stdoutStream = SpawnerProcess.reader(out[0], "cove-spawned-out");
            out[0] = -1; // owned by the reader now
            stderrStream = SpawnerProcess.reader(err[0], "cove-spawned-err");
            err[0] = -1;
            // a pipe reopened through /proc is the same pipe, here with O_NONBLOCK on our side only: a full pipe
            // then makes a writer park instead of pinning a carrier
            if (stdin) stdinFd = Native.open("/proc/self/fd/" + in[1], Sys.O_WRONLY | Sys.O_NONBLOCK, 0);
            starts.put(id, reply);
            if (!alive()) throw new Unavailable("spawner gone");
            try {
                SpawnerNative.send(sock, data, out[1], err[1], in[0]);
            } catch (Native.Errno ex) {
                throw new Unavailable("spawner gone: " + ex.getMessage());
            }
        } catch (IOException ex) {
            starts.remove(id);
            closeQuietly(stdoutStream, stderrStream); Native.close(stdinFd);
            if (ex instanceof Native.Errno) throw new Unavailable(ex.getMessage());
            throw new CoveException(500, "internal", "could not start a process: " + ex.getMessage(), ex);
        } catch (Unavailable ex) {
            starts.remove(id);
            closeQuietly(stdoutStream, stderrStream); Native.close(stdinFd);
            throw ex;
        } finally {
            for (int[] p : new int[][] {out, err, in}) {
                if (p != null) {
                    Native.close(p[0]);
                    Native.close(p[1]);
                }
            }
        }

        JsonNode r;
        try {
            r = reply.get(START_REPLY_TIMEOUT_MS, TimeUnit.MILLISECONDS);
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            starts.remove(id);
            closeQuietly(stdoutStream, stderrStream); Native.close(stdinFd);
            throw new CoveException(500, "internal", "interrupted while starting a process", ex);
        } catch (ExecutionException | TimeoutException ex) {
            starts.remove(id);
            closeQuietly(stdoutStream, stderrStream); Native.close(stdinFd);
            throw new CoveException(500, "internal", "the sandbox's process spawner did not answer", ex);
        }
        if (r.has("errno")) {
            closeQuietly(stdoutStream, stderrStream); Native.close(stdinFd);
            throw new CoveException(400, "invalid_argument", "could not start the process: "
                    + startError(r.path("stage").asText(), r.path("errno").asInt(), argv.get(0), cwd));
        }
        int pidfd = r.path("pidfd").asInt(-1);
        long[] pids = pidfdPids(pidfd, r.path("pid").asInt(-1));
        if (pids == null) {
            Native.close(pidfd);
            closeQuietly(stdoutStream, stderrStream); Native.close(stdinFd);
            throw new CoveException(500, "internal", "the sandbox's process spawner sent no valid process handle");
        }
        SpawnerProcess proc = new SpawnerProcess(this, id, pidfd, pids[0], (int) pids[1], stdoutStream, stderrStream,
                stdinFd);
        JsonNode early;
        synchronized (running) { // the end may have been read before we got here
            running.put(id, proc);
            early = earlyEnds.remove(id);
        }
        if (early != null) ended(early);
        return proc;
    }

    /**
     * The request (cove-spawner.c, read_request): version, id, uid, gid, groups, argv, env, cwd; little-endian
     * u32/u64, strings as u32 length + bytes.
     */
    static byte[] request(int version, long id, List<String> argv, List<String> env, String cwd, OciSpec.User user,
                          boolean noNewPrivileges) throws Unavailable {
        if (argv.isEmpty()) throw new CoveException(400, "invalid_argument", "could not start the process: no command");
        ByteArrayOutputStream b = new ByteArrayOutputStream(1024);
        ByteBuffer n = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        IntConsumer u32 = v -> b.write(n.clear().putInt(v).array(), 0, 4);
        u32.accept(version);
        b.write(n.clear().putLong(id).array(), 0, 8);
        u32.accept(user.uid());
        u32.accept(user.gid());
        if (version >= 2) u32.accept(noNewPrivileges ? FLAG_NO_NEW_PRIVS : 0);
        u32.accept(user.additionalGids().size());
        user.additionalGids().forEach(u32::accept);
        for (List<String> list : List.of(argv, env)) {
            u32.accept(list.size());
            for (String item : list) string(b, u32, item);
        }
        string(b, u32, cwd);
        if (b.size() > MAX_REQUEST) throw new Unavailable("request too large");
        return b.toByteArray();
    }

    private static void string(ByteArrayOutputStream b, IntConsumer u32, String s) {
        if (s.indexOf('\0') >= 0) {
            throw new CoveException(400, "invalid_argument", "could not start the process: an argument, variable or"
                    + " the working directory holds a NUL byte");
        }
        byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
        u32.accept(bytes.length);
        b.write(bytes, 0, bytes.length);
    }

    /** What a failed start says, in the words the runtime's exec (and E2B's envd) would use. */
    static String startError(String stage, int errno, String program, String cwd) {
        String why = Native.strerror(errno);
        return switch (stage) {
            case "exec" -> errno == Sys.ENOENT && program.indexOf('/') < 0
                    ? "exec: \"" + program + "\": executable file not found in $PATH"
                    : program + ": " + why;
            case "cwd" -> cwd + ": " + why;
            default -> stage + ": " + why;
        };
    }

    /**
     * {host pid, pid in the sandbox} of a pidfd from the kernel's fdinfo; null when it is no pidfd of a child
     * namespace. A process that has already ended and been reaped has no pids left: then {-1, claimed}.
     */
    static long[] pidfdPids(int pidfd, int claimed) {
        if (pidfd < 0) return null;
        try {
            long host = -2;
            long ns = -1;
            int levels = 0;
            for (String line : Files.readAllLines(Path.of("/proc/self/fdinfo/" + pidfd))) {
                if (line.startsWith("Pid:")) host = Long.parseLong(line.substring(4).strip());
                if (line.startsWith("NSpid:")) {
                    String[] f = line.substring(6).strip().split("\\s+");
                    levels = f.length;
                    ns = Long.parseLong(f[f.length - 1]);
                }
            }
            // a process of the sandbox is seen from here through at least one more pid namespace
            if (host == -1 && claimed > 0) return new long[] {-1, claimed};
            return host > 0 && levels >= 2 ? new long[] {host, ns} : null;
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    private void readLoop() {
        try {
            for (;;) {
                SpawnerNative.Message m = SpawnerNative.receive(sock, 64 * 1024);
                if (m.data().length == 0) break;
                JsonNode msg;
                try {
                    msg = OciSpec.JSON.readTree(m.data());
                } catch (IOException e) {
                    for (int fd : m.fds()) Native.close(fd);
                    log.warn("sandbox {}: unreadable message from the spawner", sandboxId);
                    continue;
                }
                long id = msg.path("id").asLong(-1);
                if (msg.has("pid") || msg.has("errno")) {
                    CompletableFuture<JsonNode> f = starts.remove(id);
                    int pidfd = m.fds().length > 0 ? m.fds()[0] : -1;
                    for (int i = 1; i < m.fds().length; i++) Native.close(m.fds()[i]);
                    if (f == null || msg.has("errno")) {
                        Native.close(pidfd);
                        if (f != null) f.complete(msg);
                        continue;
                    }
                    ((ObjectNode) msg).put("pidfd", pidfd);
                    f.complete(msg);
                } else {
                    for (int fd : m.fds()) Native.close(fd);
                    synchronized (running) {
                        if (!running.containsKey(id)) {
                            // only for a start in flight: a tampered spawner must not grow this map
                            if (starts.containsKey(id) || id > 0 && id <= ids.get() && earlyEnds.size() < 1024)
                                earlyEnds.put(id, msg);
                            continue;
                        }
                    }
                    ended(msg);
                }
            }
        } catch (Native.Errno e) {
            if (!closed) log.debug("sandbox {}: spawner connection: {}", sandboxId, e.getMessage());
        } catch (RuntimeException e) {
            log.warn("sandbox {}: spawner reader failed: {}", sandboxId, e.toString());
        } finally {
            alive = false;
            if (!closed) log.info("sandbox {}: the process spawner is gone; new processes use {}", sandboxId, "exec");
            starts.values().forEach(f -> f.completeExceptionally(new IOException("spawner gone")));
            starts.clear();
            // Processes it started run on, their exit status lost with it: report them ended once they end.
            for (SpawnerProcess p : running.values()) p.orphaned();
            running.clear();
            Native.close(sock);
        }
    }

    private boolean ended(JsonNode msg) {
        SpawnerProcess p = running.remove(msg.path("id").asLong(-1));
        if (p == null) return false;
        if (msg.has("signal")) p.ended(new SandboxProcess.Exit(-1, msg.path("signal").asInt()));
        else p.ended(new SandboxProcess.Exit(msg.path("exit").asInt(), 0));
        return true;
    }

    String sandboxId() { return sandboxId; }

    /**
     * Drops the connection: the spawner exits (the processes it started live on, and are reported as ended with
     * signal 9 once they end, their status being unknown).
     */
    @Override
    public void close() {
        if (closed) return;
        closed = true;
        SpawnerNative.shutdown(sock);
    }

    private static void closeQuietly(AutoCloseable... cs) {
        for (AutoCloseable c : cs) {
            if (c == null) continue;
            try {
                c.close();
            } catch (Exception ignored) {
                // closing anyway
            }
        }
    }
}
