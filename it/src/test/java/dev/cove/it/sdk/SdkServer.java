package dev.cove.it.sdk;

import dev.cove.it.CoveServerProcess;
import dev.cove.it.HostResources;
import dev.cove.sdk.CoveConfig;
import dev.cove.sdk.Sandbox;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * One real {@code cove server} child process for a test class of the SDK (or CLI) suite, with the suite's own
 * resource prefix {@code covesdk} and pool subnets, and a check at the end that no sandbox left anything behind.
 */
public final class SdkServer implements AutoCloseable {
    public static final String PREFIX = "covesdk";
    public final CoveServerProcess process;
    public final Path dataDir;
    private final String prefix;
    private final List<String> created = new ArrayList<>();

    private SdkServer(CoveServerProcess process, Path dataDir, String prefix) {
        this.process = process;
        this.dataDir = dataDir;
        this.prefix = prefix;
    }

    public static SdkServer start(String name, String... extraArgs) throws Exception {
        return startOwn(PREFIX, "10.214.0.0/16", "fd63:6f84::/32", name, extraArgs);
    }

    /** With a suite's own prefix and pools (a suite that may run beside the others, e.g. the code interpreter's). */
    public static SdkServer startOwn(String prefix, String pool4, String pool6, String name, String... extraArgs)
            throws Exception {
        Path dataDir = Files.createTempDirectory("cove-it-" + name);
        List<String> args = new ArrayList<>(List.of("--default-pids", "128"));
        args.addAll(List.of(extraArgs));
        CoveServerProcess p = new CoveServerProcess(dataDir, prefix, pool4, pool6, args.toArray(String[]::new)).start();
        return new SdkServer(p, dataDir, prefix);
    }

    /** The SDK configured as a user outside the machine would: domain with port, key, and Cove's CA. */
    public CoveConfig config() {
        return CoveConfig.builder()
                .domain(CoveServerProcess.DOMAIN + ":" + process.httpsPort)
                .apiKey(CoveServerProcess.API_KEY)
                .caCert(process.caCert())
                .build();
    }

    public String domain() { return CoveServerProcess.DOMAIN + ":" + process.httpsPort; }

    /** Remembers a sandbox so that {@link #close()} kills it should a test fail half-way. */
    public Sandbox track(Sandbox s) {
        synchronized (created) { created.add(s.getSandboxId()); }
        return s;
    }

    public String track(String id) {
        synchronized (created) { created.add(id); }
        return id;
    }

    @Override
    public void close() throws Exception {
        // Short calls: if the server broke, cleaning up must not take a minute per sandbox.
        CoveConfig config = config().toBuilder().requestTimeout(java.time.Duration.ofSeconds(10)).build();
        synchronized (created) {
            for (String id : created) {
                try {
                    Sandbox.kill(id, config);
                } catch (RuntimeException e) {
                    // the server may be gone already; the leak check below tells
                }
            }
        }
        process.close();
        assertThat(HostResources.allLeftovers(prefix, dataDir)).as("nothing of any sandbox outlives the tests").isEmpty();
        HostResources.removeEmptyCgroupParents(prefix);
        HostResources.deleteTree(dataDir);
    }
}
