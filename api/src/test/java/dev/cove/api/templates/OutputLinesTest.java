package dev.cove.api.templates;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A build step's output is the sandbox's: a line without end must not become one unbounded log entry. */
class OutputLinesTest {

    /** {@code n} bytes of 'a' with no newline, made as read (never held whole). */
    private static InputStream endlessLine(long n) {
        return new InputStream() {
            long left = n;

            @Override
            public int read() {
                return left-- > 0 ? 'a' : -1;
            }

            @Override
            public int read(byte[] b, int off, int len) {
                if (left <= 0) return -1;
                int k = (int) Math.min(len, left);
                java.util.Arrays.fill(b, off, off + k, (byte) 'a');
                left -= k;
                return k;
            }
        };
    }

    @Test
    void aHugeLineIsCutAndTheNextLineStillArrives() throws IOException {
        InputStream out = new SequenceInputStream(endlessLine(64L << 20),
                new ByteArrayInputStream("\nnext line\r\nlast".getBytes(StandardCharsets.UTF_8)));
        List<String> lines = new ArrayList<>();
        OutputLines.read(out, lines::add);
        assertEquals(3, lines.size(), "the long line, then the two after it");
        assertTrue(lines.get(0).length() <= OutputLines.MAX_BYTES + OutputLines.CUT.length(),
                "a 64 MiB line is kept as at most " + OutputLines.MAX_BYTES + " bytes, got " + lines.get(0).length());
        assertTrue(lines.get(0).endsWith(OutputLines.CUT), "a cut line says so");
        assertEquals("next line", lines.get(1));
        assertEquals("last", lines.get(2));
    }

    @Test
    void ordinaryLinesArriveAsWritten() throws IOException {
        List<String> lines = new ArrayList<>();
        OutputLines.read(new ByteArrayInputStream("é one\n\ntwo\n".getBytes(StandardCharsets.UTF_8)), lines::add);
        assertEquals(List.of("é one", "", "two"), lines);
    }
}
