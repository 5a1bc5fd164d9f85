package dev.cove.api.templates;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;

/**
 * Splits a build step's output (what the sandbox writes: hostile data) into log lines of at most {@link #MAX_BYTES}
 * bytes each. A longer line is cut there, its rest read and dropped up to its newline, so no output, however long and
 * whatever its newlines, holds more than one bounded line in the server's memory ({@code BufferedReader.readLine}
 * would keep a line without a newline whole, and one such line fills the heap).
 */
final class OutputLines {
    /** The longest line a log entry keeps, in bytes (E2B's logs are for people; a longer line is noise). */
    static final int MAX_BYTES = 4096;
    static final String CUT = " …(line cut)";

    private OutputLines() {}

    /** Hands each line of {@code in} (without its newline, UTF-8 decoded) to {@code line} until the end. */
    static void read(InputStream in, Consumer<String> line) throws IOException {
        byte[] buf = new byte[MAX_BYTES];
        byte[] chunk = new byte[8192];
        int len = 0;
        boolean cut = false;
        int r;
        while ((r = in.read(chunk)) > 0) {
            for (int i = 0; i < r; i++) {
                byte b = chunk[i];
                if (b == '\n') {
                    line.accept(text(buf, len, cut));
                    len = 0;
                    cut = false;
                } else if (len < MAX_BYTES) {
                    buf[len++] = b;
                } else {
                    cut = true;
                }
            }
        }
        if (len > 0 || cut) line.accept(text(buf, len, cut));
    }

    private static String text(byte[] buf, int len, boolean cut) {
        if (len > 0 && buf[len - 1] == '\r') len--;
        String s = new String(buf, 0, len, StandardCharsets.UTF_8);
        return cut ? s + CUT : s;
    }
}
