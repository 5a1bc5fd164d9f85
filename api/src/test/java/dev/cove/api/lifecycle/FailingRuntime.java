package dev.cove.api.lifecycle;

import dev.cove.core.runtime.ExecResult;
import dev.cove.core.runtime.Progress;
import dev.cove.core.runtime.RuntimeSandbox;
import dev.cove.core.runtime.SandboxRuntime;
import dev.cove.core.runtime.SandboxSpec;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Supplier;

/**
 * The real runtime, except that {@code create} fails on demand: after really creating the sandbox (so cleanup
 * has something to undo) or before. For proving that a failed create leaves nothing behind.
 */
final class FailingRuntime implements SandboxRuntime {
    private final SandboxRuntime real;
    final List<String> attempted = new CopyOnWriteArrayList<>();
    volatile Supplier<RuntimeException> failAfterCreate;
    volatile Supplier<RuntimeException> failBeforeCreate;

    FailingRuntime(SandboxRuntime real) { this.real = real; }

    @Override public RuntimeSandbox create(SandboxSpec spec) {
        attempted.add(spec.id());
        if (failBeforeCreate != null) throw failBeforeCreate.get();
        RuntimeSandbox made = real.create(spec);
        if (failAfterCreate != null) throw failAfterCreate.get();
        return made;
    }

    @Override public void ensureTemplate(String template, Progress progress) { real.ensureTemplate(template, progress); }
    @Override public boolean knowsTemplate(String template) { return real.knowsTemplate(template); }
    @Override public void destroy(String id) { real.destroy(id); }
    @Override public RuntimeSandbox get(String id) { return real.get(id); }
    @Override public Set<String> recover(Set<String> keep) { return real.recover(keep); }
    @Override public List<String> list() { return real.list(); }
    @Override public ExecResult exec(String id, String user, List<String> argv, Duration timeout) {
        return real.exec(id, user, argv, timeout);
    }
    @Override public void close() { real.close(); }
}
