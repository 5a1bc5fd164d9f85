package dev.cove.runtime.pause;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cove.core.runtime.PauseState;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * {@code dataDir/sandboxes/<id>/pause.json}: that the sandbox was paused, and how. Written before the pause acts
 * and removed after a resume has, so a restart in between finds the intent; {@code OciRuntime.recover} then
 * trusts the kernel for a container that still exists (frozen or not) and this record for one that is gone (a
 * stopped sandbox has no other trace than its kept directory). No file: the sandbox is meant to run.
 *
 * @param state          {@link PauseState#FROZEN} or {@link PauseState#STOPPED}
 * @param pausedAtMillis when it was paused (epoch milliseconds)
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record PauseRecord(PauseState state, long pausedAtMillis) {
    public static final String FILE = "pause.json";
    private static final ObjectMapper JSON = new ObjectMapper();

    public void write(Path sandboxDir) throws IOException {
        Path tmp = sandboxDir.resolve(FILE + ".tmp");
        JSON.writeValue(tmp.toFile(), this);
        Files.move(tmp, sandboxDir.resolve(FILE), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    /**
     * The record in {@code sandboxDir}; null when there is none. An unreadable one still says the sandbox was
     * paused: it reads as {@link PauseState#STOPPED}, so the sandbox's files are kept rather than swept.
     */
    public static PauseRecord read(Path sandboxDir) {
        Path file = sandboxDir.resolve(FILE);
        if (!Files.exists(file)) return null;
        try {
            PauseRecord r = JSON.readValue(file.toFile(), PauseRecord.class);
            if (r.state() == PauseState.FROZEN || r.state() == PauseState.STOPPED) return r;
        } catch (IOException e) {
            // fall through
        }
        return new PauseRecord(PauseState.STOPPED, 0);
    }

    public static void delete(Path sandboxDir) throws IOException {
        Files.deleteIfExists(sandboxDir.resolve(FILE));
    }
}
