package dev.cove.it;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs a command inside a sandbox with the OCI runtime's own exec, as an operator could. Until the agent
 * API serves processes, this is how black-box tests look inside a sandbox without trusting Cove's code.
 */
final class SandboxExec {
    private SandboxExec() {}

    record Result(int exitCode, String output) {}

    static Result exec(Path dataDir, String prefix, String id, boolean asRoot, String... argv) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("runc", "--root", dataDir.resolve("runc").toString(), "exec"));
        if (!asRoot) cmd.addAll(List.of("--user", "1000:1000", "--cwd", "/home/user"));
        cmd.add(prefix + "-" + id);
        cmd.addAll(List.of(argv));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        return new Result(p.waitFor(), out);
    }

    static String sh(Path dataDir, String prefix, String id, String script) throws Exception {
        Result r = exec(dataDir, prefix, id, true, "/bin/sh", "-c", script);
        if (r.exitCode() != 0) throw new AssertionError("exit " + r.exitCode() + ": " + r.output());
        return r.output().strip();
    }

    /** Copies the edge's test server ({@code edge/src/test/resources/sandbox-server.py}) to /tmp/server.py in the sandbox. */
    static void installTestServer(Path dataDir, String prefix, String id) throws Exception {
        byte[] script = java.nio.file.Files.readAllBytes(Path.of("../edge/src/test/resources/sandbox-server.py"));
        sh(dataDir, prefix, id, "echo " + java.util.Base64.getEncoder().encodeToString(script) + " | base64 -d > /tmp/server.py");
    }

    /** Starts {@code argv} in the sandbox as user 'user', detached ({@code runc exec -d}): it outlives this call. */
    static void detached(Path dataDir, String prefix, String id, String... argv) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("runc", "--root", dataDir.resolve("runc").toString(), "exec", "-d",
                "--user", "1000:1000", prefix + "-" + id));
        cmd.addAll(List.of(argv));
        Process p = new ProcessBuilder(cmd).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        if (!p.waitFor(30, java.util.concurrent.TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new AssertionError("runc exec -d " + String.join(" ", argv) + " failed");
        }
    }

    /** Waits (20 s at most) until something listens on {@code port} in the sandbox (IPv4 or IPv6). */
    static void awaitListening(Path dataDir, String prefix, String id, int port) {
        String hex = String.format(":%04X", port);
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(20))
                .pollInterval(java.time.Duration.ofMillis(100)).until(() ->
                        sh(dataDir, prefix, id, "cat /proc/net/tcp /proc/net/tcp6").lines()
                                .map(l -> l.trim().split("\\s+"))
                                .anyMatch(f -> f.length > 3 && f[1].endsWith(hex) && f[3].equals("0A")));
    }
}
