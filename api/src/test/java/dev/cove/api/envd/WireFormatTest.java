package dev.cove.api.envd;

import dev.cove.api.envd.Messages.DataEvent;
import dev.cove.api.envd.Messages.EndEvent;
import dev.cove.api.envd.Messages.EntryInfo;
import dev.cove.api.envd.Messages.FileType;
import dev.cove.api.envd.Messages.ProcessEvent;
import dev.cove.api.envd.Messages.ProcessEventResponse;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Proto3 JSON as protojson writes it. No sandbox needed. */
class WireFormatTest {

    private static String json(Object o) { return new String(EnvdJson.write(o), StandardCharsets.UTF_8); }

    @Test
    void proto3JsonRules() {
        assertThat(json(new ProcessEventResponse(ProcessEvent.started(42)))).isEqualTo("{\"event\":{\"start\":{\"pid\":42}}}");
        assertThat(json(new ProcessEventResponse(ProcessEvent.KEEPALIVE))).isEqualTo("{\"event\":{\"keepalive\":{}}}");
        assertThat(json(new ProcessEventResponse(ProcessEvent.data(new DataEvent("hi\n".getBytes(), null, null)))))
                .isEqualTo("{\"event\":{\"data\":{\"stdout\":\"aGkK\"}}}");
        assertThat(json(new ProcessEventResponse(ProcessEvent.ended(new EndEvent(0, true, "exit status 0", null)))))
                .isEqualTo("{\"event\":{\"end\":{\"exited\":true,\"status\":\"exit status 0\"}}}");
        assertThat(json(new ProcessEventResponse(ProcessEvent.ended(new EndEvent(-1, false, "signal: killed", null)))))
                .isEqualTo("{\"event\":{\"end\":{\"exitCode\":-1,\"status\":\"signal: killed\"}}}");
        assertThat(json(new EntryInfo("a", FileType.FILE_TYPE_FILE, "/a", 5, 0644, "-rw-r--r--", "user", "user",
                "2026-01-01T00:00:00Z", null, null)))
                .isEqualTo("{\"name\":\"a\",\"type\":\"FILE_TYPE_FILE\",\"path\":\"/a\",\"size\":\"5\",\"mode\":420,"
                        + "\"permissions\":\"-rw-r--r--\",\"owner\":\"user\",\"group\":\"user\",\"modifiedTime\":\"2026-01-01T00:00:00Z\"}");
        assertThat(json(new Messages.Empty())).isEqualTo("{}");
        assertThat(json(new Messages.ListDirResponse(List.of()))).isEqualTo("{}");
        // input: snake_case names, unknown fields, numeric enums
        Messages.WatchDirRequest w = EnvdJson.read("{\"path\":\"/x\",\"include_entry\":true,\"future\":1}".getBytes(),
                Messages.WatchDirRequest.class);
        assertThat(w.includeEntry()).isTrue();
        assertThat(EnvdJson.read("{\"signal\":9}".getBytes(), Messages.SendSignalRequest.class).signal())
                .isEqualTo(Messages.Signal.SIGNAL_SIGKILL);
        assertThat(EnvdJson.read("{\"signal\":\"SIGNAL_SIGTERM\"}".getBytes(), Messages.SendSignalRequest.class).signal())
                .isEqualTo(Messages.Signal.SIGNAL_SIGTERM);
        assertThatThrownBy(() -> EnvdJson.read("{".getBytes(), Messages.PathRequest.class))
                .hasMessageContaining("cannot parse");
    }
}
