package dev.cove.runtime;

import dev.cove.core.CoveException;
import dev.cove.core.runtime.ExecResult;
import dev.cove.core.runtime.ProcessSpec;
import dev.cove.core.runtime.SandboxProcess;
import dev.cove.runtime.host.Cmd;
import dev.cove.runtime.journal.SandboxJournal;
import dev.cove.runtime.oci.OciCli;
import dev.cove.runtime.oci.OciSpec;
import dev.cove.runtime.process.RuncProcess;
import dev.cove.runtime.process.SpawnerPool;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Lock;

/**
 * Processes in a held sandbox: {@link #exec} (run and wait) and {@link #spawn} (start and return), each holding the
 * sandbox's gate shared until the process has started, so a pause waits for the start and never catches it half-way.
 */
final class Processes {
    private static final Duration DEFAULT_EXEC_TIMEOUT = Duration.ofSeconds(60);

    private final Node node;

    Processes(Node node) { this.node = node; }

    /**
     * Runs {@code argv} in the sandbox as {@code root} or {@code user} (cwd = the user's home, env = PATH, HOME,
     * USER, LANG and the sandbox's variables). On timeout the process and its descendants are killed and the
     * result has exit code 124 (as {@code timeout(1)}) with a note on stderr.
     */
    ExecResult exec(String id, String user, List<String> argv, Duration timeout) {
        HeldSandbox h = node.held(id);
        OciSpec.User u = OciSpec.User.byName(user);
        if (u == null) throw CoveException.badRequest("unknown user '" + user + "': use root or user");
        if (argv == null || argv.isEmpty()) throw CoveException.badRequest("no command given");
        Duration limit = timeout == null || timeout.isZero() || timeout.isNegative() ? DEFAULT_EXEC_TIMEOUT : timeout;
        SandboxJournal j = h.journal;
        Path dir = node.dir(id);
        String token = UUID.randomUUID().toString().substring(0, 13);
        Path processFile = dir.resolve("exec-" + token + ".json");
        Path pidFile = dir.resolve("exec-" + token + ".pid");
        boolean noNewPrivs = !(node.config.userSudo() && u.uid() != 0);
        Pausing.requireRunning(id, h); // without touching the gate: a paused sandbox answers at once
        // held until the command runs in the sandbox, not while it runs (a pause must not wait for it)
        Lock gate = h.gate.readLock();
        gate.lock();
        boolean gated = true;
        try {
            Pausing.requireRunning(id, h);
            OciSpec.JSON.writeValue(processFile.toFile(),
                    OciSpec.inSandbox(OciSpec.process(u, argv, j.env(), noNewPrivs), j.hasUserNamespace()));
            ProcessBuilder pb = new ProcessBuilder(node.cli(j.ociRuntime()).execCommand(j.containerId(), processFile, pidFile));
            pb.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
            Process p = pb.start();
            Cmd.Capture out = Cmd.Capture.start(p.getInputStream());
            Cmd.Capture err = Cmd.Capture.start(p.getErrorStream());
            awaitStarted(p, pidFile, limit);
            gate.unlock();
            gated = false;
            boolean finished = p.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS);
            if (!finished) {
                killTree(pidFile);
                if (!p.waitFor(2, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    p.waitFor(2, TimeUnit.SECONDS);
                }
            }
            String stdout = out.text(Duration.ofSeconds(finished ? 5 : 1));
            String stderr = err.text(Duration.ofSeconds(finished ? 5 : 1));
            if (!finished)
                return new ExecResult(124, stdout, stderr + "cove: command timed out after " + limit.toMillis()
                        + " ms and was killed\n");
            return new ExecResult(p.exitValue(), stdout, stderr);
        } catch (IOException e) {
            throw new CoveException(500, "exec_failed", "could not run the command in sandbox '" + id + "': "
                    + e.getMessage(), e);
        } catch (InterruptedException e) {
            killTree(pidFile);
            Thread.currentThread().interrupt();
            throw new CoveException(500, "exec_failed", "interrupted while running a command in sandbox '" + id + "'", e);
        } finally {
            if (gated) gate.unlock();
            try {
                Files.deleteIfExists(processFile);
                Files.deleteIfExists(pidFile);
            } catch (IOException ignored) {
                // the sandbox directory is deleted with the sandbox anyway
            }
        }
    }

    /**
     * Waits until the runtime's exec has started the command in the sandbox (it writes the pid file then) or has
     * ended, at most {@code limit}: a freeze or stop after that finds the command inside, not the runtime half-way
     * into the container (runc refuses to enter a paused one).
     */
    private static void awaitStarted(Process exec, Path pidFile, Duration limit) throws InterruptedException {
        long deadline = System.nanoTime() + limit.toNanos();
        while (exec.isAlive() && System.nanoTime() < deadline) {
            try {
                if (Files.size(pidFile) > 0) return;
            } catch (IOException notYet) {
                // not written yet
            }
            Thread.sleep(1);
        }
    }

    /** SIGKILL to the exec'd process (host pid from the runtime's pid file) and everything below it. */
    private static void killTree(Path pidFile) {
        try {
            long pid = Long.parseLong(Files.readString(pidFile, StandardCharsets.US_ASCII).strip());
            ProcessHandle.of(pid).ifPresent(root -> {
                // Parents before children, from a snapshot taken first: a shell whose child dies before it does runs
                // its next command in between (`sleep 31; echo never` printed "never"), and a child whose parent
                // died first is no longer found among the root's descendants.
                List<ProcessHandle> tree = new ArrayList<>();
                tree.add(root);
                for (int i = 0; i < tree.size(); i++) tree.get(i).children().forEach(tree::add);
                tree.forEach(ProcessHandle::destroyForcibly);
            });
        } catch (IOException | RuntimeException ignored) {
            // not started yet or already gone
        }
    }

    /**
     * {@code runc exec} (not detached) with a process spec of the requested user, environment and working
     * directory; the container's capabilities, no_new_privs and seccomp filter apply as to every process in it.
     * Processes without a terminal come from the sandbox's spawner instead when it is up (same isolation, a fork
     * instead of a runtime exec; see {@link SpawnerPool}); it sets no_new_privs per process as exec would.
     */
    SandboxProcess spawn(String id, ProcessSpec spec) {
        HeldSandbox h = node.held(id);
        OciSpec.User u = OciSpec.User.byName(spec.user());
        if (u == null) throw new CoveException(401, "unauthenticated", "invalid username: '" + spec.user() + "'");
        if (spec.argv().isEmpty()) throw new CoveException(400, "invalid_argument", "no command given");
        SandboxJournal j = h.journal;
        Map<String, String> env = new LinkedHashMap<>();
        for (String kv : OciSpec.environment(u, j.env())) {
            int eq = kv.indexOf('=');
            env.put(kv.substring(0, eq), kv.substring(eq + 1));
        }
        for (var e : spec.env().entrySet()) {
            if (e.getKey().isEmpty() || e.getKey().indexOf('=') >= 0 || e.getKey().indexOf('\0') >= 0
                    || e.getValue().indexOf('\0') >= 0)
                throw new CoveException(400, "invalid_argument", "invalid environment variable name '" + e.getKey() + "'");
            env.put(e.getKey(), e.getValue());
        }
        List<String> envList = new ArrayList<>(env.size());
        env.forEach((k, v) -> envList.add(k + "=" + v));
        String cwd = spec.cwd() == null || spec.cwd().isEmpty() ? u.home() : spec.cwd();
        Pausing.requireRunning(id, h); // without touching the gate: a paused sandbox answers at once
        Lock gate = h.gate.readLock();
        gate.lock();
        try {
            Pausing.requireRunning(id, h);
            return start(j, spec, u, envList, cwd);
        } finally {
            gate.unlock();
        }
    }

    private SandboxProcess start(SandboxJournal j, ProcessSpec spec, OciSpec.User u, List<String> envList, String cwd) {
        String id = j.id();
        Path dir = node.dir(id);
        String token = UUID.randomUUID().toString().replace("-", "").substring(0, 16);
        Path processFile = dir.resolve("exec-" + token + ".json");
        Path pidFile = dir.resolve("exec-" + token + ".pid");
        boolean noNewPrivs = !(node.config.userSudo() && u.uid() != 0);
        if (spec.pty() == null) {
            // the spawner runs with no_new_privs, so only processes that keep it can come from there
            SandboxProcess fast = node.spawners.spawn(spawnerTarget(j), spec.argv(), envList, cwd, u, spec.stdin(),
                    noNewPrivs);
            if (fast != null) return fast;
        }
        int[] console = spec.pty() == null ? null
                : new int[] {Math.max(1, spec.pty().cols()), Math.max(1, spec.pty().rows())};
        try {
            OciSpec.JSON.writeValue(processFile.toFile(), OciSpec.inSandbox(
                    OciSpec.process(u, spec.argv(), envList, cwd, noNewPrivs, console), j.hasUserNamespace()));
            return RuncProcess.start(node.cli(j.ociRuntime()).execCommand(j.containerId(), processFile, pidFile), pidFile, spec);
        } catch (IOException e) {
            throw new CoveException(500, "internal", "could not start a process in sandbox '" + id + "': "
                    + e.getMessage(), e);
        } finally {
            try {
                Files.deleteIfExists(processFile);
                Files.deleteIfExists(pidFile);
            } catch (IOException ignored) {
                // deleted with the sandbox
            }
        }
    }

    private SpawnerPool.Target spawnerTarget(SandboxJournal j) {
        OciCli cli = node.cli(j.ociRuntime());
        // its exec files live outside the sandbox directory, which a destroy may be deleting meanwhile
        return new SpawnerPool.Target(j.id(), Path.of(j.rootfs()), node.config.dataDir().resolve("spawner"),
                (process, pidFile) -> cli.execCommand(j.containerId(), process, pidFile), j.uidBase(),
                node.config.userSudo());
    }
}
