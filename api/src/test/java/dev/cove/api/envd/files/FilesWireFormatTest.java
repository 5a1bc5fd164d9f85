package dev.cove.api.envd.files;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The streaming multipart reader, the signature format, ranges and encodings of {@code /files}. No sandbox needed. */
class FilesWireFormatTest {

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
        assertThat(FileTransfers.sign("/a", "read", "", "tok", null)).startsWith("v1_").doesNotContain("=");
        assertThat(FileTransfers.sign("/a", "read", "", "tok", null)).isNotEqualTo(FileTransfers.sign("/a", "write", "", "tok", null));
        assertThat(DownloadHandler.parseRange("bytes=0-4", 10)).containsExactly(0, 4);
        assertThat(DownloadHandler.parseRange("bytes=-3", 10)).containsExactly(7, 9);
        assertThat(DownloadHandler.parseRange("bytes=8-", 10)).containsExactly(8, 9);
        assertThat(DownloadHandler.parseRange("bytes=10-", 10)).isNull();
        assertThat(DownloadHandler.parseRange("bytes=0-1,3-4", 10)).isEmpty();
        assertThat(DownloadHandler.encoding(null)).isEqualTo("identity");
        assertThat(DownloadHandler.encoding("gzip, deflate, br")).isEqualTo("gzip");
        assertThat(DownloadHandler.encoding("br")).isEqualTo("identity");
        assertThat(DownloadHandler.encoding("br, identity;q=0")).isNull();
        assertThat(FileTransfers.query("path=%2Fa%20b&signature=v1_a%2Bb&x")).containsEntry("path", "/a b")
                .containsEntry("signature", "v1_a+b").containsEntry("x", "");
    }
}
