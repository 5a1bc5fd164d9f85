package dev.cove.api.testing;

import dev.cove.core.runtime.SandboxRuntime;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

/**
 * One real runtime and one real control plane per test class; every sandbox is killed after each test and the
 * runtime closed after the class.
 */
public abstract class ApiTest {
    @TempDir
    protected static Path dir;
    protected static SandboxRuntime runtime;
    protected static TestPlane api;

    @BeforeAll
    static void startPlane() {
        runtime = TestRuntimes.open(dir.resolve("runtime"));
        api = TestPlane.start(dir.resolve("api"), runtime);
    }

    @AfterEach
    void killSandboxes() {
        api.killAll();
    }

    @AfterAll
    static void stopPlane() {
        try {
            if (api != null) api.close();
        } finally {
            if (runtime != null) runtime.close();
        }
    }
}
