package dev.cove.api.envd;

import com.fasterxml.jackson.annotation.JsonAlias;
import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonFormat;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonValue;

import java.util.List;
import java.util.Map;

/**
 * The messages of E2B's {@code process.Process} and {@code filesystem.Filesystem} services as typed records
 * (the contract is {@code src/main/proto/*.proto}; field names are the proto JSON names). Oneof holders include
 * only their set member ({@code NON_NULL}), so an empty member such as {@code keepalive} is still written as
 * {@code {}}.
 */
public final class Messages {
    private Messages() {}

    /** Any empty message ({@code UpdateResponse}, {@code SendInputResponse}, ...). */
    public record Empty() {}

    // ------------------------------------------------------------------ process

    public record PtySize(int cols, int rows) {}

    public record Pty(PtySize size) {}

    public record ProcessConfig(String cmd, List<String> args, Map<String, String> envs, String cwd) {}

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record ProcessInfo(ProcessConfig config, int pid, String tag) {}

    public record ListResponse(List<ProcessInfo> processes) {}

    public record StartRequest(ProcessConfig process, Pty pty, String tag, Boolean stdin) {}

    public record ProcessSelector(Integer pid, String tag) {}

    public record ConnectRequest(ProcessSelector process) {}

    public record UpdateRequest(ProcessSelector process, Pty pty) {}

    public record ProcessInput(byte[] stdin, byte[] pty) {}

    public record SendInputRequest(ProcessSelector process, ProcessInput input) {}

    public record SendSignalRequest(ProcessSelector process, Signal signal) {}

    public record CloseStdinRequest(ProcessSelector process) {}

    public enum Signal {
        SIGNAL_UNSPECIFIED(0), SIGNAL_SIGTERM(15), SIGNAL_SIGKILL(9);

        public final int number;

        Signal(int number) { this.number = number; }

        @JsonValue
        String json() { return name(); }

        /** protojson accepts enum names and numbers. */
        @JsonCreator
        static Signal of(Object value) {
            if (value instanceof Number n) {
                for (Signal s : values()) if (s.number == n.intValue()) return s;
                return SIGNAL_UNSPECIFIED;
            }
            String text = String.valueOf(value);
            for (Signal s : values()) if (s.name().equals(text)) return s;
            try {
                return of(Integer.parseInt(text));
            } catch (NumberFormatException e) {
                return SIGNAL_UNSPECIFIED;
            }
        }
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record ProcessEvent(StartEvent start, DataEvent data, EndEvent end, KeepAlive keepalive) {
        public static ProcessEvent started(int pid) { return new ProcessEvent(new StartEvent(pid), null, null, null); }
        public static ProcessEvent data(DataEvent d) { return new ProcessEvent(null, d, null, null); }
        public static ProcessEvent ended(EndEvent e) { return new ProcessEvent(null, null, e, null); }
        public static final ProcessEvent KEEPALIVE = new ProcessEvent(null, null, null, new KeepAlive());
    }

    public record StartEvent(int pid) {}

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record DataEvent(byte[] stdout, byte[] stderr, byte[] pty) {}

    public record EndEvent(@JsonAlias("exit_code") int exitCode, boolean exited, String status,
                    @JsonInclude(JsonInclude.Include.NON_NULL) String error) {}

    public record KeepAlive() {}

    /** StartResponse and ConnectResponse. */
    public record ProcessEventResponse(ProcessEvent event) {}

    // ------------------------------------------------------------------ filesystem

    public enum FileType { FILE_TYPE_UNSPECIFIED, FILE_TYPE_FILE, FILE_TYPE_DIRECTORY, FILE_TYPE_SYMLINK }

    public enum EventType {
        EVENT_TYPE_UNSPECIFIED, EVENT_TYPE_CREATE, EVENT_TYPE_WRITE, EVENT_TYPE_REMOVE, EVENT_TYPE_RENAME,
        EVENT_TYPE_CHMOD
    }

    public record EntryInfo(String name, @JsonInclude(JsonInclude.Include.NON_NULL) FileType type, String path,
                     @JsonFormat(shape = JsonFormat.Shape.STRING) long size, int mode, String permissions,
                     String owner, String group,
                     @JsonAlias("modified_time") @JsonInclude(JsonInclude.Include.NON_NULL) String modifiedTime,
                     @JsonAlias("symlink_target") @JsonInclude(JsonInclude.Include.NON_NULL) String symlinkTarget,
                     Map<String, String> metadata) {}

    public record PathRequest(String path) {}

    public record EntryResponse(EntryInfo entry) {}

    public record MoveRequest(String source, String destination) {}

    public record ListDirRequest(String path, Integer depth) {}

    public record ListDirResponse(List<EntryInfo> entries) {}

    public record WatchDirRequest(String path, boolean recursive, @JsonAlias("include_entry") boolean includeEntry,
                           @JsonAlias("allow_network_mounts") boolean allowNetworkMounts) {}

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record FilesystemEvent(String name, EventType type, EntryInfo entry) {}

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record WatchDirResponse(Empty start, FilesystemEvent filesystem, KeepAlive keepalive) {}

    public record CreateWatcherResponse(@JsonAlias("watcher_id") String watcherId) {}

    public record WatcherRequest(@JsonAlias("watcher_id") String watcherId) {}

    public record GetWatcherEventsResponse(List<FilesystemEvent> events) {}
}
