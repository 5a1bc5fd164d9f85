package dev.cove.api.envd;

import dev.cove.api.envd.Messages.DataEvent;
import dev.cove.api.envd.Messages.EndEvent;
import dev.cove.api.envd.Messages.EntryInfo;
import dev.cove.api.envd.Messages.FileType;
import dev.cove.api.envd.Messages.ProcessEvent;
import dev.cove.api.envd.Messages.ProcessEventResponse;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Proto3 JSON as protojson writes it, the streaming multipart reader, and the signature format. No sandbox needed. */
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

    /** Delivers at most {@code max} bytes per read, so boundaries straddle reads. */
    private static InputStream trickle(byte[] data, int max) {
        return new FilterInputStream(new ByteArrayInputStream(data)) {
            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                return super.read(b, off, Math.min(len, max));
            }
        };
    }

    @Test
    void multipartPartsAreStreamedWhateverTheReadSizes() throws IOException {
        byte[] binary = new byte[300_000];
        new Random(7).nextBytes(binary);
        // a body that contains almost-boundaries
        String tricky = "line\r\n--bound\r\n--boundar\r\n-- boundary";
        String head = "preamble\r\n--boundary\r\nContent-Disposition: form-data; name=\"file\"; filename=\"/a b.txt\"\r\n\r\n";
        String mid = "\r\n--boundary\r\nContent-Disposition: form-data; name=\"file\"; filename=\"bin\"\r\n"
                + "Content-Type: application/octet-stream\r\n\r\n";
        String tail = "\r\n--boundary--\r\nepilogue";
        byte[] all = concat(head.getBytes(), tricky.getBytes(), mid.getBytes(), binary, tail.getBytes());
        for (int step : new int[] {1, 7, 70, 4096, 1 << 20}) {
            Multipart mp = new Multipart(trickle(all, step), "boundary");
            List<byte[]> bodies = new ArrayList<>();
            List<String> names = new ArrayList<>();
            Multipart.Part p;
            while ((p = mp.next()) != null) {
                names.add(p.filename());
                bodies.add(p.body().readAllBytes());
            }
            assertThat(names).as("step " + step).containsExactly("/a b.txt", "bin");
            assertThat(new String(bodies.get(0))).isEqualTo(tricky);
            assertThat(bodies.get(1)).isEqualTo(binary);
        }
        assertThat(Multipart.boundary("multipart/form-data; boundary=\"abc\"")).isEqualTo("abc");
        Multipart truncated = new Multipart(new ByteArrayInputStream((head + "no end").getBytes()), "boundary");
        assertThatThrownBy(() -> truncated.next().body().readAllBytes()).isInstanceOf(IOException.class);
    }

    private static byte[] concat(byte[]... parts) {
        int n = 0;
        for (byte[] p : parts) n += p.length;
        byte[] out = new byte[n];
        int off = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, out, off, p.length);
            off += p.length;
        }
        return out;
    }

    @Test
    void signatureAndRangeAndEncodingRules() {
        // v1_ + unpadded standard base64 of SHA-256("path:op:user:token"), as E2B's SDKs compute it
        assertThat(EnvdServer.sign("/a", "read", "", "tok", null)).startsWith("v1_").doesNotContain("=");
        assertThat(EnvdServer.sign("/a", "read", "", "tok", null)).isNotEqualTo(EnvdServer.sign("/a", "write", "", "tok", null));
        assertThat(FilesHandler.parseRange("bytes=0-4", 10)).containsExactly(0, 4);
        assertThat(FilesHandler.parseRange("bytes=-3", 10)).containsExactly(7, 9);
        assertThat(FilesHandler.parseRange("bytes=8-", 10)).containsExactly(8, 9);
        assertThat(FilesHandler.parseRange("bytes=10-", 10)).isNull();
        assertThat(FilesHandler.parseRange("bytes=0-1,3-4", 10)).isEmpty();
        assertThat(FilesHandler.encoding(null)).isEqualTo("identity");
        assertThat(FilesHandler.encoding("gzip, deflate, br")).isEqualTo("gzip");
        assertThat(FilesHandler.encoding("br")).isEqualTo("identity");
        assertThat(FilesHandler.encoding("br, identity;q=0")).isNull();
        assertThat(EnvdServer.query("path=%2Fa%20b&signature=v1_a%2Bb&x")).containsEntry("path", "/a b")
                .containsEntry("signature", "v1_a+b").containsEntry("x", "");
    }
}
