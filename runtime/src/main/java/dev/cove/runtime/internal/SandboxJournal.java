package dev.cove.runtime.internal;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;

/**
 * {@code dataDir/sandboxes/<id>/runtime.json}: written before anything of the sandbox is created, it lists
 * every host resource the sandbox will own, so a destroy or a restart can free them even when the create
 * died half-way. Not fsync'ed on purpose: every resource listed (netns, mounts, cgroups, processes) dies
 * with the machine too, and the page cache survives a JVM crash.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record SandboxJournal(int version, String id, String template, String templateRootfs, int slot,
                             String netns, String hostVeth, String sandboxVeth, String hostIpv4, String ipv4,
                             String hostIpv6, String ipv6, String rootfs, String upperDir, String workDir,
                             String cgroupsPath, String containerId, String ociRuntime, String ociRoot,
                             Map<String, String> env, int cpuCount, int memoryMB, int pidsLimit, long createdAtMillis) {

    public static final String FILE = "runtime.json";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    public SandboxJournal {
        env = env == null ? Map.of() : Map.copyOf(env);
    }

    public String netnsPath() { return "/run/netns/" + netns; }

    /** mount(2) data of the sandbox's overlay root: the template read-only below its own upper layer. */
    public String overlayOptions() { return "lowerdir=" + templateRootfs + ",upperdir=" + upperDir + ",workdir=" + workDir; }

    public void write(Path sandboxDir) throws IOException {
        Path tmp = sandboxDir.resolve(FILE + ".tmp");
        JSON.writeValue(tmp.toFile(), this);
        Files.move(tmp, sandboxDir.resolve(FILE), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    /** The journal in {@code sandboxDir}, or null when it is missing or unreadable. */
    public static SandboxJournal read(Path sandboxDir) {
        Path file = sandboxDir.resolve(FILE);
        if (!Files.isRegularFile(file)) return null;
        try {
            return JSON.readValue(file.toFile(), SandboxJournal.class);
        } catch (IOException e) {
            return null;
        }
    }
}
