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
}
