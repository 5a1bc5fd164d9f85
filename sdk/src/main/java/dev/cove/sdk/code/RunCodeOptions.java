package dev.cove.sdk.code;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * How to run code (E2B's {@code RunCodeOpts}): in a {@link #context(CodeContext) context} or a {@link #language(String)
 * language}'s default context (not both), with extra environment variables for this execution only, a time limit
 * ({@link CodeInterpreter#DEFAULT_TIMEOUT} unless set; the kernel is interrupted when it passes) and callbacks that
 * see output and results as they come.
 */
public final class RunCodeOptions {
    String language;
    CodeContext context;
    final Map<String, String> envs = new LinkedHashMap<>();
    Duration timeout = CodeInterpreter.DEFAULT_TIMEOUT;
    Consumer<OutputMessage> onStdout = m -> {};
    Consumer<OutputMessage> onStderr = m -> {};
    Consumer<Result> onResult = r -> {};
    Consumer<ExecutionError> onError = e -> {};

    /** {@code python} (the default), {@code javascript} ({@code js}) or {@code bash}. */
    public RunCodeOptions language(String language) { this.language = Objects.requireNonNull(language); return this; }

    public RunCodeOptions context(CodeContext context) { this.context = Objects.requireNonNull(context); return this; }

    public RunCodeOptions env(String name, String value) { envs.put(name, value); return this; }

    public RunCodeOptions envs(Map<String, String> vars) { envs.putAll(vars); return this; }

    /** The longest the execution may run; {@link Duration#ZERO} for no limit. */
    public RunCodeOptions timeout(Duration timeout) { this.timeout = Objects.requireNonNull(timeout); return this; }

    public RunCodeOptions onStdout(Consumer<OutputMessage> c) { this.onStdout = Objects.requireNonNull(c); return this; }

    public RunCodeOptions onStderr(Consumer<OutputMessage> c) { this.onStderr = Objects.requireNonNull(c); return this; }

    public RunCodeOptions onResult(Consumer<Result> c) { this.onResult = Objects.requireNonNull(c); return this; }

    public RunCodeOptions onError(Consumer<ExecutionError> c) { this.onError = Objects.requireNonNull(c); return this; }
}
