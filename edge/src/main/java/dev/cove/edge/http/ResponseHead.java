package dev.cove.edge.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.codec.DecoderException;
import io.netty.util.AbstractReferenceCounted;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * An upstream response's head, parsed in place: the status, each header line as offsets into the head's bytes, and
 * what decides the body's framing. The head the client gets is copied from the same bytes (runs of kept lines in one
 * copy each), minus the hop-by-hop headers (RFC 9110 §7.6.1), plus the edge's own framing and connection headers.
 * No header object is made per line: turning each head into a header map and back was most of the relay's work.
 *
 * <p>Parsing is strict where a lenient reading could let the client and the edge see different framing (a response
 * smuggled into the next one on a shared client connection): obs-fold, bare CR, control characters, a malformed or
 * conflicting Content-Length, and anything but {@code HTTP/1.0} or {@code HTTP/1.1} are refused.
 */
public final class ResponseHead extends AbstractReferenceCounted {
    /** The framing of the body as the upstream sends it. */
    public enum Framing { NONE, LENGTH, CHUNKED, UNTIL_CLOSE }

    private static final byte CR = '\r';
    private static final byte LF = '\n';
    private static final byte[] HTTP_1_1 = "HTTP/1.1 ".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] HTTP_1_0 = "HTTP/1.0 ".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] COLON_SPACE = ": ".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] CHUNKED_LINE = "transfer-encoding: chunked\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] CLOSE_LINE = "connection: close\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] KEEP_ALIVE_LINE = "connection: keep-alive\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] SET_COOKIE_PREFIX = "set-cookie: ".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] UPGRADE_LINES = "connection: upgrade\r\nupgrade: ".getBytes(StandardCharsets.US_ASCII);
    /** Per header: line start, colon, value start, value end (trailing whitespace excluded), next line's start, {@link Name}. */
    private static final int SPAN = 6;
    private static final Name[] NAMES = Name.values();

    private final byte[] bytes;
    public final int status;
    /** Where the status code begins (after the version) and where the status line's text ends. */
    private final int codeStart;
    private final int statusLineEnd;
    private int[] spans = new int[SPAN * 16];
    private int count;
    /** Dropped header lines, one bit per header (heads with more than 64 headers keep a second word per 64). */
    private long[] dropped = new long[1];
    /** Every line ended in CRLF: runs of kept lines can be copied as they are. */
    private boolean crlf = true;
    private long contentLength = -1;
    private boolean transferEncoding;
    private boolean chunked;
    private int upgradeIndex = -1;
    private boolean connectionHeader;
    private boolean setCookie;
    /** Set-Cookie values that replace dropped lines ({@link #rewriteSetCookies}); null when none. */
    private List<String> replacedSetCookies;

    /** Set by the decoder once it knows the request this head answers. */
    private Framing framing = Framing.NONE;
    private boolean clientHttp10;
    /** The whole response came with its head: no body parts and no end follow ({@link #body} holds a short body). */
    private boolean complete;
    private ByteBuf body;

    private ResponseHead(byte[] bytes, int status, int codeStart, int statusLineEnd) {
        this.bytes = bytes;
        this.status = status;
        this.codeStart = codeStart;
        this.statusLineEnd = statusLineEnd;
    }

    /** A response that is not valid HTTP/1.x; the upstream connection is closed and the client told (502) or cut off. */
    public static final class InvalidResponse extends DecoderException {
        InvalidResponse(String message) {
            super(message);
        }

        @Override
        public synchronized Throwable fillInStackTrace() { return this; } // a reason, not a bug: no trace to fill
    }

    /** Character classes for the one pass over a head: name characters (RFC 9110 tchar), field text. */
    private static final byte TOKEN = 1;
    private static final byte TEXT = 2;
    private static final byte[] CHAR_CLASS = new byte[256];

    static {
        for (int c = 0; c < 256; c++) {
            // Field values and reason phrases: visible characters, space, tab and obs-text; no CR, LF, NUL, other controls.
            boolean text = (c >= 0x20 && c != 0x7f) || c == '\t';
            boolean token = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
            CHAR_CLASS[c] = (byte) ((token ? TOKEN : 0) | (text ? TEXT : 0));
        }
    }

    /**
     * Parses a head, in one pass: {@code bytes} holds exactly the status line, the header lines and the blank line
     * ending them, each line ended by CRLF or a bare LF.
     */
    public static ResponseHead parse(byte[] bytes) {
        int length = bytes.length;
        // HTTP/1.x SP 3DIGIT [SP reason]
        if (length < 14 || !startsWithVersion(bytes) || bytes[8] != ' ') throw new InvalidResponse("bad status line");
        int status = 0;
        for (int i = 9; i < 12; i++) {
            byte d = bytes[i];
            if (d < '0' || d > '9') throw new InvalidResponse("bad status code");
            status = status * 10 + (d - '0');
        }
        if (status < 100 || status > 599) throw new InvalidResponse("bad status code");
        int lineEnd = bytes[12] == ' ' ? textEnd(bytes, 13, "status line") : 12;
        if (bytes[lineEnd] != CR && bytes[lineEnd] != LF) throw new InvalidResponse("bad status code");
        ResponseHead head = new ResponseHead(bytes, status, 9, lineEnd);
        int next = head.nextLine(lineEnd);
        while (true) {
            int start = next;
            if (start >= length) throw new InvalidResponse("unterminated head");
            byte first = bytes[start];
            if (first == CR || first == LF) { // the blank line
                if (first == CR && (start + 1 >= length || bytes[start + 1] != LF)) throw new InvalidResponse("control character in the head");
                if (head.nextLine(start) != length) throw new InvalidResponse("bytes after the head");
                break;
            }
            int colon = fieldColon(bytes, start);
            int valueStart = colon + 1;
            while (valueStart < length && (bytes[valueStart] == ' ' || bytes[valueStart] == '\t')) valueStart++;
            int end = textEnd(bytes, valueStart, "header value");
            int valueEnd = end;
            while (valueEnd > valueStart && (bytes[valueEnd - 1] == ' ' || bytes[valueEnd - 1] == '\t')) valueEnd--;
            next = head.nextLine(end);
            head.addHeader(start, colon, valueStart, valueEnd, next);
        }
        head.dropConnectionNamedHeaders();
        if (head.transferEncoding && head.contentLength >= 0) {
            // RFC 9112 §6.3: Transfer-Encoding overrides Content-Length, and an intermediary removes the latter.
            head.contentLength = -1;
            head.dropAll(Name.CONTENT_LENGTH);
        }
        return head;
    }

    /**
     * Checks one field line (a header or a trailer) that ends with LF in {@code b}: a name of token characters, a
     * colon, then text; no obs-fold. The same rules for both, so a trailer cannot carry what a header could not.
     *
     * @return the index of the colon (see {@link #checkField} for the whole line)
     */
    private static int fieldColon(byte[] b, int start) {
        if (b[start] == ' ' || b[start] == '\t') throw new InvalidResponse("obsolete line folding");
        int colon = start;
        while (colon < b.length && (CHAR_CLASS[b[colon] & 0xff] & TOKEN) != 0) colon++;
        if (colon == start || colon >= b.length || b[colon] != ':') throw new InvalidResponse("bad header name");
        return colon;
    }

    /** Checks a field line on its own ({@code line}: the line's text, then LF): its name, colon and value. */
    static void checkField(byte[] line) {
        textEnd(line, fieldColon(line, 0) + 1, "trailer value");
    }

    private static boolean startsWithVersion(byte[] b) {
        return b[0] == 'H' && b[1] == 'T' && b[2] == 'T' && b[3] == 'P' && b[4] == '/' && b[5] == '1' && b[6] == '.'
                && (b[7] == '1' || b[7] == '0');
    }

    /**
     * Where the text from {@code i} ends: at its line's CR LF, or bare LF. A control character, a CR not followed by
     * LF among them, is refused.
     */
    private static int textEnd(byte[] b, int i, String what) {
        int length = b.length;
        while (i < length) {
            byte c = b[i];
            if ((CHAR_CLASS[c & 0xff] & TEXT) == 0) {
                if (c == LF || (c == CR && i + 1 < length && b[i + 1] == LF)) return i;
                throw new InvalidResponse("control character in " + what);
            }
            i++;
        }
        throw new InvalidResponse("unterminated head");
    }

    /** The start of the next line, given where this one's terminator begins; notes a bare LF. */
    private int nextLine(int terminator) {
        if (bytes[terminator] == CR) return terminator + 2;
        crlf = false;
        return terminator + 1;
    }

    private void addHeader(int start, int colon, int valueStart, int valueEnd, int next) {
        int index = count++;
        if (spans.length < count * SPAN) spans = Arrays.copyOf(spans, spans.length * 2);
        if (dropped.length * 64 < count) dropped = Arrays.copyOf(dropped, dropped.length * 2);
        int at = index * SPAN;
        spans[at] = start;
        spans[at + 1] = colon;
        spans[at + 2] = valueStart;
        spans[at + 3] = valueEnd;
        spans[at + 4] = next;
        Name name = Name.of(bytes, start, colon - start);
        spans[at + 5] = name.ordinal();
        switch (name) {
            case CONTENT_LENGTH -> {
                long value = parseLength(valueStart, valueEnd);
                if (contentLength >= 0 && contentLength != value) throw new InvalidResponse("conflicting Content-Length");
                contentLength = value;
            }
            case TRANSFER_ENCODING -> {
                transferEncoding = true;
                chunked = lastTokenIsChunked(valueStart, valueEnd);
                drop(index);
            }
            case UPGRADE -> {
                upgradeIndex = index;
                drop(index);
            }
            case CONNECTION -> {
                connectionHeader = true;
                drop(index);
            }
            case KEEP_ALIVE, PROXY_CONNECTION, TE -> drop(index);
            case SET_COOKIE -> setCookie = true;
            case OTHER -> { }
        }
    }

    private long parseLength(int from, int to) {
        if (from == to || to - from > 18) throw new InvalidResponse("bad Content-Length");
        long value = 0;
        for (int i = from; i < to; i++) {
            byte d = bytes[i];
            if (d < '0' || d > '9') throw new InvalidResponse("bad Content-Length");
            value = value * 10 + (d - '0');
        }
        return value;
    }

    /** Whether the last transfer coding is chunked (only then is the body chunked; otherwise it runs until close). */
    private boolean lastTokenIsChunked(int from, int to) {
        int comma = to;
        while (comma > from && bytes[comma - 1] != ',') comma--;
        int start = comma;
        while (start < to && (bytes[start] == ' ' || bytes[start] == '\t')) start++;
        return to - start == 7 && Name.equalsIgnoreCase(bytes, start, "chunked");
    }

    /** Drops the headers a Connection header names (never Host or Content-Length: see {@link ProxyHeaders}). */
    private void dropConnectionNamedHeaders() {
        if (!connectionHeader) return;
        for (int c = 0; c < count; c++) {
            int at = c * SPAN;
            if (NAMES[spans[at + 5]] != Name.CONNECTION) continue;
            int to = spans[at + 3];
            int token = spans[at + 2];
            while (token < to) {
                int end = token;
                while (end < to && bytes[end] != ',') end++;
                int s = token;
                int e = end;
                while (s < e && (bytes[s] == ' ' || bytes[s] == '\t')) s++;
                while (e > s && (bytes[e - 1] == ' ' || bytes[e - 1] == '\t')) e--;
                // close and keep-alive (the usual tokens) name no header still kept; Content-Length and Host stay.
                if (e > s && !Name.equalsIgnoreCase(bytes, s, "close", e - s) && !Name.equalsIgnoreCase(bytes, s, "keep-alive", e - s)
                        && !Name.equalsIgnoreCase(bytes, s, "content-length", e - s) && !Name.equalsIgnoreCase(bytes, s, "host", e - s)) {
                    for (int h = 0; h < count; h++) {
                        int hs = h * SPAN;
                        if (spans[hs + 1] - spans[hs] == e - s && Name.regionEqualsIgnoreCase(bytes, spans[hs], bytes, s, e - s)) drop(h);
                    }
                }
                token = end + 1;
            }
        }
    }

    private void dropAll(Name name) {
        for (int h = 0; h < count; h++) {
            int at = h * SPAN;
            if (NAMES[spans[at + 5]] == name) drop(h);
        }
    }

    private void drop(int index) { dropped[index >>> 6] |= 1L << index; }

    private boolean isDropped(int index) { return (dropped[index >>> 6] & (1L << index)) != 0; }

    public boolean hasSetCookie() { return setCookie; }

    /**
     * Passes each Set-Cookie value through {@code rewrite}, which returns it (the same instance) to keep the line as it
     * is, another value to send instead, or null to drop it. Replacements go out after the kept lines.
     */
    public void rewriteSetCookies(UnaryOperator<String> rewrite) {
        for (int h = 0; h < count; h++) {
            int at = h * SPAN;
            if (NAMES[spans[at + 5]] != Name.SET_COOKIE || isDropped(h)) continue;
            String value = new String(bytes, spans[at + 2], spans[at + 3] - spans[at + 2], StandardCharsets.ISO_8859_1);
            String out = rewrite.apply(value);
            if (out == value) continue;
            drop(h);
            if (out != null) {
                if (replacedSetCookies == null) replacedSetCookies = new ArrayList<>(2);
                replacedSetCookies.add(out);
            }
        }
    }

    // ---- facts for the decoder and the relay --------------------------------------------------------------------

    public boolean informational() { return status < 200; }

    long contentLength() { return contentLength; }

    /** The upstream's body framing, for a response to a request of this kind (RFC 9112 §6.3). */
    Framing upstreamFraming(boolean headRequest) {
        if (headRequest || status < 200 || status == 204 || status == 304) return Framing.NONE;
        if (transferEncoding) return chunked ? Framing.CHUNKED : Framing.UNTIL_CLOSE;
        if (contentLength >= 0) return Framing.LENGTH;
        return Framing.UNTIL_CLOSE;
    }

    /** What the decoder found: how the body comes, and whether the client speaks HTTP/1.0 (no chunked coding). */
    public void answering(Framing framing, boolean clientHttp10) {
        this.framing = framing;
        this.clientHttp10 = clientHttp10;
    }

    /**
     * The response is complete with this head: no body parts and no {@link UpstreamCodec#RESPONSE_END} follow. A short
     * body (null for none) is written with the head, in one buffer: one write instead of three messages per response.
     */
    void complete(ByteBuf body) {
        this.complete = true;
        this.body = body;
    }

    public boolean complete() { return complete; }

    /** The length of the body that comes with the head (0 for none). */
    public int bodyBytes() { return body == null ? 0 : body.readableBytes(); }

    @Override
    protected void deallocate() {
        if (body != null) {
            body.release();
            body = null;
        }
    }

    @Override
    public ResponseHead touch(Object hint) {
        if (body != null) body.touch(hint);
        return this;
    }

    /** The client's body is delimited by closing its connection: an HTTP/1.0 client and a body of unknown length. */
    public boolean closesClient() {
        return clientHttp10 && (framing == Framing.CHUNKED || framing == Framing.UNTIL_CLOSE);
    }

    /** The client's body is sent chunked: an HTTP/1.1 client and a body of unknown length. */
    boolean chunkedForClient() {
        return !clientHttp10 && (framing == Framing.CHUNKED || framing == Framing.UNTIL_CLOSE);
    }

    /** The Upgrade header's value, or null. */
    public String upgrade() {
        if (upgradeIndex < 0) return null;
        int at = upgradeIndex * SPAN;
        return new String(bytes, spans[at + 2], spans[at + 3] - spans[at + 2], StandardCharsets.ISO_8859_1);
    }

    /**
     * The head for the client, followed by the body that came with it (see {@link #complete(ByteBuf)}).
     *
     * @param keepAlive  whether the client connection stays open after this response
     * @param switchTo   for a 101: the protocol the connection switches to (its Connection/Upgrade pair), else null
     */
    public ByteBuf encode(ByteBufAllocator alloc, boolean keepAlive, String switchTo) {
        ByteBuf out = alloc.buffer(bytes.length + 64 + bodyBytes() + (switchTo == null ? 0 : switchTo.length()));
        out.writeBytes(clientHttp10 ? HTTP_1_0 : HTTP_1_1);
        out.writeBytes(bytes, codeStart, statusLineEnd - codeStart).writeByte(CR).writeByte(LF);
        if (crlf) {
            int run = count == 0 ? 0 : spans[0];
            for (int h = 0; h < count; h++) {
                int at = h * SPAN;
                if (!isDropped(h)) continue;
                if (spans[at] > run) out.writeBytes(bytes, run, spans[at] - run);
                run = spans[at + 4];
            }
            if (count > 0 && spans[(count - 1) * SPAN + 4] > run) out.writeBytes(bytes, run, spans[(count - 1) * SPAN + 4] - run);
        } else {
            for (int h = 0; h < count; h++) {
                if (isDropped(h)) continue;
                int at = h * SPAN;
                out.writeBytes(bytes, spans[at], spans[at + 1] - spans[at]).writeBytes(COLON_SPACE)
                        .writeBytes(bytes, spans[at + 2], spans[at + 3] - spans[at + 2]).writeByte(CR).writeByte(LF);
            }
        }
        if (replacedSetCookies != null) {
            for (String value : replacedSetCookies) {
                out.writeBytes(SET_COOKIE_PREFIX).writeCharSequence(value, StandardCharsets.ISO_8859_1);
                out.writeByte(CR).writeByte(LF);
            }
        }
        if (switchTo != null) {
            out.writeBytes(UPGRADE_LINES).writeCharSequence(switchTo, StandardCharsets.ISO_8859_1);
            out.writeByte(CR).writeByte(LF);
        } else {
            if (chunkedForClient()) out.writeBytes(CHUNKED_LINE);
            if (!keepAlive && !clientHttp10) out.writeBytes(CLOSE_LINE);
            if (keepAlive && clientHttp10) out.writeBytes(KEEP_ALIVE_LINE);
        }
        out.writeByte(CR).writeByte(LF);
        if (body != null) out.writeBytes(body, body.readerIndex(), body.readableBytes());
        return out;
    }

    /** The header names the relay acts on, matched without regard to case; by length first. */
    enum Name {
        CONTENT_LENGTH, TRANSFER_ENCODING, CONNECTION, KEEP_ALIVE, PROXY_CONNECTION, TE, UPGRADE, SET_COOKIE, OTHER;

        static Name of(byte[] b, int start, int length) {
            return switch (length) {
                case 2 -> equalsIgnoreCase(b, start, "te") ? TE : OTHER;
                case 7 -> equalsIgnoreCase(b, start, "upgrade") ? UPGRADE : OTHER;
                case 10 -> equalsIgnoreCase(b, start, "connection") ? CONNECTION
                        : equalsIgnoreCase(b, start, "keep-alive") ? KEEP_ALIVE
                        : equalsIgnoreCase(b, start, "set-cookie") ? SET_COOKIE : OTHER;
                case 14 -> equalsIgnoreCase(b, start, "content-length") ? CONTENT_LENGTH : OTHER;
                case 16 -> equalsIgnoreCase(b, start, "proxy-connection") ? PROXY_CONNECTION : OTHER;
                case 17 -> equalsIgnoreCase(b, start, "transfer-encoding") ? TRANSFER_ENCODING : OTHER;
                default -> OTHER;
            };
        }

        /** Whether the bytes at {@code start} spell {@code lower} (lower case ASCII), in any case. */
        static boolean equalsIgnoreCase(byte[] b, int start, String lower) {
            for (int i = 0; i < lower.length(); i++) {
                if ((b[start + i] | 0x20) != lower.charAt(i)) return false;
            }
            return true;
        }

        static boolean equalsIgnoreCase(byte[] b, int start, String lower, int length) {
            return length == lower.length() && equalsIgnoreCase(b, start, lower);
        }

        static boolean regionEqualsIgnoreCase(byte[] a, int aStart, byte[] b, int bStart, int length) {
            for (int i = 0; i < length; i++) {
                int x = a[aStart + i];
                int y = b[bStart + i];
                if (x != y && ((x | 0x20) != (y | 0x20) || (x | 0x20) < 'a' || (x | 0x20) > 'z')) return false;
            }
            return true;
        }
    }
}
