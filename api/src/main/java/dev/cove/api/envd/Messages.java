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
final class Messages {
    private Messages() {}

    /** Any empty message ({@code UpdateResponse}, {@code SendInputResponse}, ...). */
    record Empty() {}

    // ------------------------------------------------------------------ process

    record PtySize(int cols, int rows) {}

    record Pty(PtySize size) {}

    record ProcessConfig(String cmd, List<String> args, Map<String, String> envs, String cwd) {}

    @JsonInclude(JsonInclude.Include.NON_NULL)
    record ProcessInfo(ProcessConfig config, int pid, String tag) {}

    record ListResponse(List<ProcessInfo> processes) {}

    record StartRequest(ProcessConfig process, Pty pty, String tag, Boolean stdin) {}

    record ProcessSelector(Integer pid, String tag) {}

    record ConnectRequest(ProcessSelector process) {}

    record UpdateRequest(ProcessSelector process, Pty pty) {}

    record ProcessInput(byte[] stdin, byte[] pty) {}

    record SendInputRequest(ProcessSelector process, ProcessInput input) {}

    record SendSignalRequest(ProcessSelector process, Signal signal) {}

    record CloseStdinRequest(ProcessSelector process) {}

    enum Signal {
        SIGNAL_UNSPECIFIED(0), SIGNAL_SIGTERM(15), SIGNAL_SIGKILL(9);

        final int number;

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
    record ProcessEvent(StartEvent start, DataEvent data, EndEvent end, KeepAlive keepalive) {
        static ProcessEvent started(int pid) { return new ProcessEvent(new StartEvent(pid), null, null, null); }
        static ProcessEvent data(DataEvent d) { return new ProcessEvent(null, d, null, null); }
        static ProcessEvent ended(EndEvent e) { return new ProcessEvent(null, null, e, null); }
        static final ProcessEvent KEEPALIVE = new ProcessEvent(null, null, null, new KeepAlive());
    }

    record StartEvent(int pid) {}

    @JsonInclude(JsonInclude.Include.NON_NULL)
    record DataEvent(byte[] stdout, byte[] stderr, byte[] pty) {}

    record EndEvent(@JsonAlias("exit_code") int exitCode, boolean exited, String status,
                    @JsonInclude(JsonInclude.Include.NON_NULL) String error) {}

    record KeepAlive() {}

    /** StartResponse and ConnectResponse. */
    record ProcessEventResponse(ProcessEvent event) {}

    // ------------------------------------------------------------------ filesystem

    enum FileType { FILE_TYPE_UNSPECIFIED, FILE_TYPE_FILE, FILE_TYPE_DIRECTORY, FILE_TYPE_SYMLINK }

    enum EventType {
        EVENT_TYPE_UNSPECIFIED, EVENT_TYPE_CREATE, EVENT_TYPE_WRITE, EVENT_TYPE_REMOVE, EVENT_TYPE_RENAME,
        EVENT_TYPE_CHMOD
    }

    record EntryInfo(String name, @JsonInclude(JsonInclude.Include.NON_NULL) FileType type, String path,
                     @JsonFormat(shape = JsonFormat.Shape.STRING) long size, int mode, String permissions,
                     String owner, String group,
                     @JsonAlias("modified_time") @JsonInclude(JsonInclude.Include.NON_NULL) String modifiedTime,
                     @JsonAlias("symlink_target") @JsonInclude(JsonInclude.Include.NON_NULL) String symlinkTarget,
                     Map<String, String> metadata) {}

    record PathRequest(String path) {}

    record EntryResponse(EntryInfo entry) {}

    record MoveRequest(String source, String destination) {}

    record ListDirRequest(String path, Integer depth) {}

    record ListDirResponse(List<EntryInfo> entries) {}

    record WatchDirRequest(String path, boolean recursive, @JsonAlias("include_entry") boolean includeEntry,
                           @JsonAlias("allow_network_mounts") boolean allowNetworkMounts) {}

    @JsonInclude(JsonInclude.Include.NON_NULL)
    record FilesystemEvent(String name, EventType type, EntryInfo entry) {}

    @JsonInclude(JsonInclude.Include.NON_NULL)
    record WatchDirResponse(Empty start, FilesystemEvent filesystem, KeepAlive keepalive) {}

    record CreateWatcherResponse(@JsonAlias("watcher_id") String watcherId) {}

    record WatcherRequest(@JsonAlias("watcher_id") String watcherId) {}

    record GetWatcherEventsResponse(List<FilesystemEvent> events) {}
}
