package dev.cove.core.runtime;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A process to start inside a sandbox through {@link SandboxRuntime#spawn}.
 *
 * @param user  {@code root} or {@code user}
 * @param argv  program and arguments (the program is looked up on the sandbox's PATH)
 * @param env   variables on top of the sandbox's own (these win)
 * @param cwd   absolute working directory inside the sandbox, or null for the user's home
 * @param pty   terminal size for a pseudo-terminal process, or null for plain pipes
 * @param stdin whether the process gets a writable stdin (false: /dev/null); ignored with a pty
 */
public record ProcessSpec(String user, List<String> argv, Map<String, String> env, String cwd, PtySize pty,
                          boolean stdin) {
    public ProcessSpec {
        Objects.requireNonNull(user, "user");
        argv = List.copyOf(argv);
        env = env == null ? Map.of() : Map.copyOf(env);
    }

    /** Terminal size in character cells. */
    public record PtySize(int cols, int rows) {}
}
