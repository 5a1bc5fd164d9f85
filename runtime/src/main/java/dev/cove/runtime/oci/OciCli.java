package dev.cove.runtime.oci;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cove.runtime.host.Cmd;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The OCI runtime command line (runc or crun, same verbs). Its state lives in {@code root}, under the
 * node's data directory, so that containers of other tools and other nodes are never touched.
 *
 * <p>crun 1.8 refuses to run on a hybrid cgroup host whose v2 hierarchy holds a controller. On such a
 * host (only when crun was asked for explicitly) every crun call runs in a private mount namespace with
 * the v2 mount removed, which changes no host state.
 */
public final class OciCli {
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    private final String binary;
    private final Path root;
    private final List<String> wrapper;

    public OciCli(String binary, Path root, Path hideCgroup2Mount) {
        this.binary = binary;
        this.root = root;
        this.wrapper = hideCgroup2Mount == null ? List.of()
                : List.of("unshare", "-m", "--propagation", "private", "sh", "-c",
                        "umount " + hideCgroup2Mount + " && exec \"$0\" \"$@\"");
    }

    public String name() { return binary; }

    public Path root() { return root; }

    /**
     * What {@code run} and {@code exec} start with: the sandbox's limits set on the runtime's own process (lowering
     * only, allowed without privilege), so the container and every process it starts inherit them. The spec sets the
     * same limits; in a user namespace it cannot ({@link OciSpec#inSandbox}).
     */
    public static final List<String> LIMITS = List.of("prlimit", "--core=0:0",
            "--nofile=" + OciSpec.NOFILE + ":" + OciSpec.NOFILE, "--");

    private List<String> limited(String... args) {
        List<String> c = new ArrayList<>(LIMITS);
        c.addAll(cmd(args));
        return c;
    }

    private List<String> cmd(String... args) {
        List<String> c = new ArrayList<>(wrapper);
        c.add(binary);
        c.add("--root");
        c.add(root.toString());
        c.addAll(List.of(args));
        return c;
    }

    /** True when the runtime has state for {@code containerId}. */
    public boolean exists(String containerId) {
        return Files.isDirectory(root.resolve(containerId));
    }

    /**
     * {@code run -d}: creates and starts the container, returns once its init runs. The container's stdio
     * (and the runtime's own errors) go to {@code log}, never to a pipe this JVM holds.
     */
    public long run(String containerId, Path bundle, Path log) throws IOException {
        Path pidFile = bundle.resolve("init.pid");
        ProcessBuilder pb = new ProcessBuilder(limited("run", "-d", "--bundle", bundle.toString(),
                "--pid-file", pidFile.toString(), containerId));
        pb.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        pb.redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        pb.redirectError(ProcessBuilder.Redirect.appendTo(log.toFile()));
        Process p = pb.start();
        try {
            if (!p.waitFor(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                throw new IOException(binary + " run timed out after " + TIMEOUT.toSeconds() + " s");
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while starting the container", e);
        }
        if (p.exitValue() != 0) throw new IOException(binary + " run failed (exit " + p.exitValue() + "): " + tail(log));
        try {
            return Long.parseLong(Files.readString(pidFile, StandardCharsets.US_ASCII).strip());
        } catch (IOException | NumberFormatException e) {
            throw new IOException(binary + " run did not write the init pid: " + tail(log), e);
        }
    }

    /** {@code state}: null when the container does not exist. */
    public JsonNode state(String containerId) throws IOException {
        if (!exists(containerId)) return null;
        Cmd.Result r = Cmd.run(cmd("state", containerId), null, TIMEOUT);
        if (!r.ok()) return null;
        return OciSpec.JSON.readTree(r.stdout());
    }

    /** {@code delete --force}: kills and removes the container; a no-op when it does not exist. */
    public void deleteForce(String containerId) throws IOException {
        if (!exists(containerId)) return;
        Cmd.Result r = Cmd.run(cmd("delete", "--force", containerId), null, TIMEOUT);
        if (!r.ok() && exists(containerId))
            throw new IOException(binary + " delete " + containerId + " failed: " + r.message());
    }

    /** Container ids the runtime holds in its root. */
    public List<String> list() {
        if (!Files.isDirectory(root)) return List.of();
        try (var s = Files.list(root)) {
            return s.filter(Files::isDirectory).map(p -> p.getFileName().toString()).toList();
        } catch (IOException e) {
            return List.of();
        }
    }

    /** The command line of {@code exec --process <json>}; the exec'd process's host pid goes to {@code pidFile}. */
    public List<String> execCommand(String containerId, Path processJson, Path pidFile) {
        return limited("exec", "--process", processJson.toString(), "--pid-file", pidFile.toString(), containerId);
    }

    private static String tail(Path log) {
        try {
            String s = Files.readString(log, StandardCharsets.UTF_8).strip();
            return s.length() > 1500 ? "..." + s.substring(s.length() - 1500) : s;
        } catch (IOException e) {
            return "(no log)";
        }
    }
}
