package dev.cove.api.envd.files;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * A streaming {@code multipart/form-data} reader: parts come one after another, each body an {@link InputStream}
 * that ends at the next boundary, so a 100 MB upload is never held in memory.
 */
final class Multipart {
    private static final int BUF = 128 * 1024;
    private static final int MAX_HEADER_BYTES = 16 * 1024;

    private final InputStream in;
    private final byte[] delimiter; // CRLF "--" boundary
    private final byte[] buf = new byte[BUF];
    private int pos;
    private int lim;
    private boolean eof;
    private boolean finished;
    private PartStream current;

    Multipart(InputStream in, String boundary) {
        this.in = in;
        this.delimiter = ("\r\n--" + boundary).getBytes(StandardCharsets.ISO_8859_1);
        // the first boundary has no CRLF before it: pretend it had
        buf[0] = '\r';
        buf[1] = '\n';
        lim = 2;
    }

    /** The boundary parameter of a multipart Content-Type, or null. */
    static String boundary(String contentType) {
        for (String p : contentType.split(";")) {
            String t = p.strip();
            if (t.toLowerCase(Locale.ROOT).startsWith("boundary=")) {
                String b = t.substring(9);
                if (b.length() >= 2 && b.startsWith("\"") && b.endsWith("\"")) b = b.substring(1, b.length() - 1);
                return b.isEmpty() ? null : b;
            }
        }
        return null;
    }

    record Part(Map<String, String> headers, String name, String filename, InputStream body) {}

    /** The next part, or null after the last one. The previous part's body is skipped if unread. */
    Part next() throws IOException {
        if (finished) return null;
        if (current != null) {
            current.skipRest();
        } else {
            // preamble: skip to the first delimiter
            new PartStream().skipRest();
        }
        // after a delimiter: "--" ends the body, CRLF starts a part
        if (!fill(2)) throw new IOException("multipart body ends without a closing boundary");
        if (buf[pos] == '-' && buf[pos + 1] == '-') {
            finished = true;
            return null;
        }
        // transport padding, then CRLF
        while (fill(1) && (buf[pos] == ' ' || buf[pos] == '\t')) pos++;
        if (!fill(2) || buf[pos] != '\r' || buf[pos + 1] != '\n') throw new IOException("malformed multipart boundary line");
        pos += 2;
        Map<String, String> headers = new LinkedHashMap<>();
        int headerBytes = 0;
        for (;;) {
            String line = readLine();
            if (line == null) throw new IOException("multipart part headers end early");
            headerBytes += line.length();
            if (headerBytes > MAX_HEADER_BYTES) throw new IOException("multipart part headers are too large");
            if (line.isEmpty()) break;
            int colon = line.indexOf(':');
            if (colon > 0) headers.put(line.substring(0, colon).strip().toLowerCase(Locale.ROOT), line.substring(colon + 1).strip());
        }
        String disposition = headers.getOrDefault("content-disposition", "");
        current = new PartStream();
        return new Part(headers, param(disposition, "name"), param(disposition, "filename"), current);
    }

    private static String param(String header, String name) {
        for (String p : header.split(";")) {
            String t = p.strip();
            int eq = t.indexOf('=');
            if (eq < 0 || !t.substring(0, eq).strip().equalsIgnoreCase(name)) continue;
            String v = t.substring(eq + 1).strip();
            if (v.length() >= 2 && v.startsWith("\"") && v.endsWith("\"")) v = v.substring(1, v.length() - 1).replace("\\\"", "\"");
            return v;
        }
        return null;
    }

    private String readLine() throws IOException {
        StringBuilder sb = new StringBuilder();
        for (;;) {
            if (!fill(1)) return null;
            byte b = buf[pos++];
            if (b == '\n') {
                int n = sb.length();
                if (n > 0 && sb.charAt(n - 1) == '\r') sb.setLength(n - 1);
                return new String(sb.toString().getBytes(StandardCharsets.ISO_8859_1), StandardCharsets.UTF_8);
            }
            sb.append((char) (b & 0xff));
            if (sb.length() > MAX_HEADER_BYTES) throw new IOException("multipart header line too long");
        }
    }

    /** Ensures at least {@code n} bytes are buffered unless the input ends first. */
    private boolean fill(int n) throws IOException {
        if (lim - pos >= n) return true;
        if (pos > 0) {
            System.arraycopy(buf, pos, buf, 0, lim - pos);
            lim -= pos;
            pos = 0;
        }
        while (lim - pos < n && !eof) {
            int r = in.read(buf, lim, buf.length - lim);
            if (r < 0) eof = true;
            else lim += r;
        }
        return lim - pos >= n;
    }

    /** Index of the delimiter in buf[pos, lim), or -1. */
    private int find() {
        byte first = delimiter[0];
        outer:
        for (int i = pos; i <= lim - delimiter.length; i++) {
            if (buf[i] != first) continue;
            for (int k = 1; k < delimiter.length; k++) if (buf[i + k] != delimiter[k]) continue outer;
            return i;
        }
        return -1;
    }

    private final class PartStream extends InputStream {
        private boolean done;

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (done) return -1;
            if (len == 0) return 0;
            fill(delimiter.length);
            int at = find();
            int available;
            if (at >= 0) {
                available = at - pos;
                if (available == 0) {
                    pos += delimiter.length;
                    done = true;
                    return -1;
                }
            } else {
                if (eof && lim - pos < delimiter.length) throw new IOException("multipart body ends without a closing boundary");
                available = lim - pos - (delimiter.length - 1); // the tail may be the start of a delimiter
                if (available <= 0) {
                    // need more bytes; fill moved data to the front
                    if (!fill(lim - pos + 1)) throw new IOException("multipart body ends without a closing boundary");
                    return read(b, off, len);
                }
            }
            int n = Math.min(len, available);
            System.arraycopy(buf, pos, b, off, n);
            pos += n;
            return n;
        }

        void skipRest() throws IOException {
            byte[] sink = new byte[8192];
            while (read(sink, 0, sink.length) >= 0) {
                // discard
            }
        }
    }
}
