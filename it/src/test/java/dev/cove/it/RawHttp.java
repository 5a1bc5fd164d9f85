package dev.cove.it;

import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * One exchange of raw bytes with the edge over a socket of our own, plain or TLS: no HTTP client in between, so the
 * bytes a fuzz case builds (bad framing, bare LF, NUL, huge heads) reach the server exactly as written, and whatever
 * comes back is read as it is, response after response, without trusting it to be well formed.
 */
final class RawHttp {
    private RawHttp() {}

    /** How a connection ended from our side's point of view. */
    enum End {
        /** read every response the case asked for; the connection may still be open */
        DONE,
        /** the server closed (FIN, or a TLS close) */
        EOF,
        /** the server reset the connection */
        RESET,
        /** nothing more arrived within the read timeout while the connection stayed open: a hang */
        TIMEOUT,
        /** the TLS handshake failed (the server refused or closed during it) */
        TLS_FAILED,
        /** the server did not take the request bytes (closed or reset while we wrote) and sent nothing readable */
        WRITE_FAILED,
        /** the case went past its hard deadline (a blocked write or a server dripping bytes) and was cut */
        DEADLINE
    }

    /**
     * One response as read.
     *
     * @param status     status code, or -1 when the bytes that came back are not an HTTP/1.x status line
     * @param statusLine the status line (escaped), or the first bytes of a non-HTTP answer
     * @param headers    header fields, lower-case names, first value wins
     * @param bodyStart  the first bytes of the body (at most {@link #BODY_KEPT}), for error codes and reports
     * @param complete   the body ended as its framing said (false: cut off by close, reset or timeout)
     */
    record Response(int status, String statusLine, Map<String, String> headers, String bodyStart, boolean complete) {
        String header(String name) { return headers.get(name); }
    }

    record Exchange(List<Response> responses, End end, String detail, long millis) {}

    static final int BODY_KEPT = 16 * 1024;
    private static final int MAX_LINE = 16 * 1024;
    private static final int MAX_HEAD = 128 * 1024;
    /** Bodies are drained up to this, then the exchange stops (a bounded client, whatever the server sends). */
    private static final long MAX_BODY = 4L << 20;

    /**
     * Sends {@code request} and reads responses until {@code expected} final responses arrived, the server closed,
     * or nothing arrived for {@code readTimeoutMs}.
     *
     * @param sni        the TLS server name to send, or null for none
     * @param methods    the method of each request in order, so a HEAD answer is read without a body
     * @param halfClose  shut our sending side after the request (a client that stops mid-way, or sends garbage)
     * @param watchdog   closes the socket at the hard deadline, so a write the server never reads cannot block us
     */
    static Exchange exchange(int port, SSLContext tls, String sni, byte[] request, List<String> methods, int expected,
                             boolean halfClose, int readTimeoutMs, long hardDeadlineMs, ScheduledExecutorService watchdog) {
        long start = System.nanoTime();
        List<Response> responses = new ArrayList<>();
        Socket plain = new Socket();
        boolean[] cut = {false};
        ScheduledFuture<?> guard = watchdog.schedule(() -> {
            cut[0] = true;
            closeQuietly(plain);
        }, hardDeadlineMs, TimeUnit.MILLISECONDS);
        try {
            plain.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), readTimeoutMs);
            plain.setTcpNoDelay(true);
            plain.setSoTimeout(readTimeoutMs);
            Socket socket = plain;
            if (tls != null) {
                SSLSocket ssl = (SSLSocket) tls.getSocketFactory().createSocket(plain, "localhost", port, true);
                SSLParameters params = ssl.getSSLParameters();
                params.setApplicationProtocols(new String[] {"http/1.1"}); // HTTP/2 is not what this suite fuzzes
                if (sni != null) {
                    try {
                        params.setServerNames(List.of(new SNIHostName(sni)));
                    } catch (IllegalArgumentException notAHostName) {
                        // Fuzzed hosts are often not valid DNS names; such a client sends no server name at all.
                    }
                }
                ssl.setSSLParameters(params);
                try {
                    ssl.startHandshake();
                } catch (IOException e) {
                    return new Exchange(responses, cut[0] ? End.DEADLINE : End.TLS_FAILED, e.toString(), millis(start));
                }
                socket = ssl;
            }
            OutputStream out = socket.getOutputStream();
            String writeError = null;
            try {
                out.write(request);
                out.flush();
                if (halfClose) shutdownOutput(socket);
            } catch (IOException e) {
                // The server may answer (431, 414, 400) and close before it read everything we sent; its answer can
                // still be in our receive buffer, so read on.
                writeError = e.toString();
            }
            End end = readResponses(socket.getInputStream(), methods, expected, responses);
            if (cut[0]) end = End.DEADLINE;
            if (writeError != null && responses.isEmpty() && end != End.TIMEOUT && end != End.DEADLINE) {
                return new Exchange(responses, End.WRITE_FAILED, writeError, millis(start));
            }
            return new Exchange(responses, end, writeError, millis(start));
        } catch (IOException e) {
            return new Exchange(responses, cut[0] ? End.DEADLINE : End.RESET, e.toString(), millis(start));
        } finally {
            guard.cancel(false);
            closeQuietly(plain);
        }
    }

    private static void shutdownOutput(Socket socket) throws IOException {
        try {
            socket.shutdownOutput(); // TLS: a close_notify, then the FIN
        } catch (UnsupportedOperationException notForThisSocket) {
            // Nothing else says "no more bytes" on this socket; the read timeout bounds the wait instead.
        }
    }

    private static End readResponses(InputStream raw, List<String> methods, int expected, List<Response> responses) {
        Input in = new Input(raw);
        try {
            while (responses.size() < expected) {
                if (!in.hasMore()) return End.EOF;
                Response r = readOne(in, methodOf(methods, responses.size()));
                if (r == null) continue; // an interim 1xx answer: the final one follows
                responses.add(r);
                if (r.status() < 0 || !r.complete()) return in.lastEnd();
                if (r.status() == 101) return End.DONE; // another protocol follows: nothing more to read as HTTP/1
                if (methodOf(methods, responses.size() - 1).equals("CONNECT") && r.status() / 100 == 2) return End.DONE;
            }
            return End.DONE;
        } catch (SocketTimeoutException e) {
            return End.TIMEOUT;
        } catch (EOFException e) {
            return End.EOF;
        } catch (SSLException e) {
            return End.EOF; // a TLS close without close_notify: the server closed
        } catch (SocketException e) {
            return End.RESET;
        } catch (IOException e) {
            return End.RESET;
        }
    }

    private static String methodOf(List<String> methods, int i) { return i < methods.size() ? methods.get(i) : "GET"; }

    /** Reads one response; null for an interim (1xx other than 101) response. */
    private static Response readOne(Input in, String method) throws IOException {
        byte[] first = in.peek(5);
        if (first.length < 5 || !new String(first, StandardCharsets.ISO_8859_1).equals("HTTP/")) {
            // Not HTTP/1.x: an HTTP/2 frame (h2c prior knowledge), a TLS alert on the plain port, or junk.
            byte[] rest = in.readAvailable(64);
            return new Response(-1, escape(rest, 64), Map.of(), "", true);
        }
        String statusLine = in.line();
        String[] parts = statusLine.split(" ", 3);
        int status;
        try {
            status = parts.length >= 2 && parts[1].length() == 3 ? Integer.parseInt(parts[1]) : -1;
        } catch (NumberFormatException e) {
            status = -1;
        }
        Map<String, String> headers = new LinkedHashMap<>();
        int headBytes = statusLine.length();
        for (String line; !(line = in.line()).isEmpty(); ) {
            headBytes += line.length();
            if (headBytes > MAX_HEAD) throw new IOException("response head over " + MAX_HEAD + " bytes");
            int colon = line.indexOf(':');
            if (colon > 0) headers.putIfAbsent(line.substring(0, colon).trim().toLowerCase(Locale.ROOT), line.substring(colon + 1).trim());
        }
        String escapedLine = escape(statusLine.getBytes(StandardCharsets.ISO_8859_1), 200);
        if (status < 0) return new Response(-1, escapedLine, headers, "", true);
        if (status >= 100 && status < 200 && status != 101) return null;
        boolean noBody = method.equals("HEAD") || status == 101 || status == 204 || status == 304
                || (method.equals("CONNECT") && status / 100 == 2);
        ByteArrayOutputStream kept = new ByteArrayOutputStream();
        boolean complete = true;
        if (!noBody) {
            String te = headers.getOrDefault("transfer-encoding", "").toLowerCase(Locale.ROOT);
            String cl = headers.get("content-length");
            if (te.endsWith("chunked")) {
                complete = readChunked(in, kept);
            } else if (cl != null) {
                long length;
                try {
                    length = Long.parseLong(cl);
                } catch (NumberFormatException e) {
                    length = -1;
                }
                complete = length >= 0 ? in.drain(Math.min(length, MAX_BODY), kept) : in.drainToEof(kept);
            } else {
                complete = in.drainToEof(kept); // delimited by the close
            }
        }
        return new Response(status, escapedLine, headers, kept.toString(StandardCharsets.ISO_8859_1), complete);
    }

    private static boolean readChunked(Input in, ByteArrayOutputStream kept) throws IOException {
        long total = 0;
        while (true) {
            String sizeLine = in.line();
            int semi = sizeLine.indexOf(';');
            long size;
            try {
                size = Long.parseLong((semi >= 0 ? sizeLine.substring(0, semi) : sizeLine).trim(), 16);
            } catch (NumberFormatException e) {
                return false;
            }
            if (size == 0) {
                while (!in.line().isEmpty()) { /* trailers */ }
                return true;
            }
            total += size;
            if (total > MAX_BODY || !in.drain(size, kept)) return false;
            in.line();
        }
    }

    /** Request or response bytes as one printable line: CR, LF, tab, NUL and anything not printable ASCII escaped. */
    static String escape(byte[] bytes, int max) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < Math.min(bytes.length, max); i++) {
            int c = bytes[i] & 0xff;
            switch (c) {
                case '\r' -> b.append("\\r");
                case '\n' -> b.append("\\n");
                case '\t' -> b.append("\\t");
                case '\\' -> b.append("\\\\");
                default -> {
                    if (c >= 0x20 && c < 0x7f) b.append((char) c);
                    else b.append(String.format("\\x%02x", c));
                }
            }
        }
        if (bytes.length > max) b.append("…(").append(bytes.length).append(" bytes)");
        return b.toString();
    }

    private static long millis(long startNanos) { return (System.nanoTime() - startNanos) / 1_000_000; }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // closing is all that is left to do
        }
    }

    /** A small buffered reader of raw bytes that remembers whether the stream ended. */
    private static final class Input {
        private final InputStream in;
        private final byte[] buf = new byte[16 * 1024];
        private int pos;
        private int lim;
        private End lastEnd = End.DONE;

        Input(InputStream in) { this.in = in; }

        End lastEnd() { return lastEnd; }

        private boolean fill() throws IOException {
            if (pos < lim) return true;
            int n = in.read(buf, 0, buf.length);
            if (n < 0) {
                lastEnd = End.EOF;
                return false;
            }
            pos = 0;
            lim = n;
            return true;
        }

        boolean hasMore() throws IOException { return fill(); }

        byte[] peek(int n) throws IOException {
            if (!fill()) return new byte[0];
            // The status line's first bytes nearly always arrive in one segment; a short peek just reads as non-HTTP.
            if (lim - pos < n && pos > 0) {
                System.arraycopy(buf, pos, buf, 0, lim - pos);
                lim -= pos;
                pos = 0;
            }
            while (lim - pos < n) {
                int r = in.read(buf, lim, buf.length - lim);
                if (r < 0) break;
                lim += r;
            }
            byte[] out = new byte[Math.min(n, lim - pos)];
            System.arraycopy(buf, pos, out, 0, out.length);
            return out;
        }

        byte[] readAvailable(int max) {
            int n = Math.min(max, lim - pos);
            byte[] out = new byte[n];
            System.arraycopy(buf, pos, out, 0, n);
            pos += n;
            return out;
        }

        /** A line without its LF (and without a CR before it); a line ended by EOF is returned as is. */
        String line() throws IOException {
            StringBuilder b = new StringBuilder();
            while (true) {
                if (!fill()) {
                    if (b.isEmpty()) throw new EOFException();
                    return b.toString();
                }
                int c = buf[pos++] & 0xff;
                if (c == '\n') {
                    if (!b.isEmpty() && b.charAt(b.length() - 1) == '\r') b.setLength(b.length() - 1);
                    return b.toString();
                }
                b.append((char) c);
                if (b.length() > MAX_LINE) throw new IOException("response line over " + MAX_LINE + " bytes");
            }
        }

        boolean drain(long n, ByteArrayOutputStream kept) throws IOException {
            while (n > 0) {
                if (!fill()) return false;
                int take = (int) Math.min(n, lim - pos);
                keep(kept, take);
                pos += take;
                n -= take;
            }
            return true;
        }

        boolean drainToEof(ByteArrayOutputStream kept) throws IOException {
            long total = 0;
            while (fill()) {
                int take = lim - pos;
                keep(kept, take);
                pos += take;
                total += take;
                if (total > MAX_BODY) return false;
            }
            return true;
        }

        private void keep(ByteArrayOutputStream kept, int take) {
            int room = BODY_KEPT - kept.size();
            if (room > 0) kept.write(buf, pos, Math.min(room, take));
        }
    }
}
