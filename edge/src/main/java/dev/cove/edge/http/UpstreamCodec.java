package dev.cove.edge.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.channel.CombinedChannelDuplexHandler;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpRequestEncoder;
import io.netty.handler.codec.http.HttpVersion;

import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.List;

/**
 * The upstream leg's HTTP/1.1 codec for an HTTP/1.1 client: requests go out through Netty's encoder as objects (the
 * edge rewrites their headers), responses come back as bytes for the client, not as objects. For each response it
 * hands on, in order:
 * <ol>
 *   <li>a {@link ResponseHead} (interim 1xx heads too, without the rest),</li>
 *   <li>the body as {@link ByteBuf}s already framed for the client: as they came for a length-delimited body,
 *       chunked for a chunked one (chunk lines normalised) or for one that runs until the upstream closes (the
 *       client connection then stays open), plain data for an HTTP/1.0 client, which knows no chunks,</li>
 *   <li>{@link #RESPONSE_END} after the last byte.</li>
 * </ol>
 * A response that is complete with its head (no body, or a short one that arrived with it) is one message: the
 * head, {@linkplain ResponseHead#complete() complete}, carrying its body; no parts and no end follow.
 * Heads are reference counted for the body they may carry.
 * After a 101 every further byte is handed on raw (the connection has become a tunnel). HTTP/2 client streams keep
 * Netty's {@code HttpClientCodec}: their responses become HTTP/2 frames, which need the headers as objects.
 */
public final class UpstreamCodec extends CombinedChannelDuplexHandler<UpstreamCodec.ResponseDecoder, UpstreamCodec.RequestEncoder> {
    /** Follows the last byte of a response's body (or its head, when it has none). */
    public static final Object RESPONSE_END = new Object() {
        @Override
        public String toString() { return "RESPONSE_END"; }
    };

    private static final int MAX_CHUNK_LINE = 4096;
    /** A body up to this long that has arrived with its head is written in one buffer with the head. */
    private static final int SHORT_BODY = 2048;
    private static final ByteBuf CRLF = constant("\r\n");
    private static final ByteBuf LAST_CHUNK = constant("0\r\n");
    private static final ByteBuf LAST_CHUNK_AND_END = constant("0\r\n\r\n");

    /** What the response to each request sent (and not yet answered) needs: was it HEAD, was the client HTTP/1.0. */
    private final ArrayDeque<Integer> awaiting = new ArrayDeque<>(2);
    private static final int HEAD = 1;
    private static final int HTTP_1_0 = 2;

    /** Requests go out as HTTP/1.1 whatever version the client spoke (see {@link #UpstreamCodec(int, boolean)}). */
    private final boolean speakHttp11;
    /** False once the connection must carry no further request (see {@link #reusable()}). */
    private boolean reusable = true;

    UpstreamCodec(int maxHeadSize) {
        this(maxHeadSize, false);
    }

    /**
     * @param speakHttp11 send every request as HTTP/1.1: for the control plane, whose server (Helidon) serves HTTP/1.1
     *                    only and closes on an HTTP/1.0 request, which the client would see as a 502. The response is
     *                    still framed for an HTTP/1.0 client as such (its version is noted before the request is
     *                    rewritten). Sandbox ports get the client's version, as any server there may care.
     */
    public UpstreamCodec(int maxHeadSize, boolean speakHttp11) {
        this.speakHttp11 = speakHttp11;
        init(new ResponseDecoder(maxHeadSize), new RequestEncoder());
    }

    /**
     * Whether the connection may carry another request. Not after a response to HEAD: the one response whose framing
     * depends on the request, which servers get wrong (a body behind the head, as the control plane's error answers
     * once had), and whose stray bytes would be read as the next response's head, failing a request that did nothing
     * wrong. Nor after a response followed by bytes nobody asked for. Such a connection is closed, not reused.
     */
    boolean reusable() { return reusable; }

    /** The codec of an upstream connection that has one (HTTP/2 client streams use Netty's codec instead): reusable? */
    public static boolean reusable(Channel upstream) {
        UpstreamCodec codec = upstream.pipeline().get(UpstreamCodec.class);
        return codec == null || codec.reusable;
    }

    private static ByteBuf constant(String text) {
        return Unpooled.unreleasableBuffer(Unpooled.directBuffer(text.length()).writeBytes(text.getBytes(StandardCharsets.US_ASCII))).asReadOnly();
    }

    /** Notes each request as it goes out, so the decoder knows what answers it. */
    final class RequestEncoder extends HttpRequestEncoder {
        @Override
        public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) throws Exception {
            if (msg instanceof HttpRequest request) {
                boolean http10 = request.protocolVersion().equals(HttpVersion.HTTP_1_0);
                awaiting.add((request.method().equals(HttpMethod.HEAD) ? HEAD : 0) | (http10 ? HTTP_1_0 : 0));
                // HTTP/1.1 defaults to keep-alive; the hop-by-hop Connection header is already gone, so the upstream
                // connection simply stays open for the next request while the client's closes as it asked.
                if (speakHttp11 && !request.protocolVersion().equals(HttpVersion.HTTP_1_1)) request.setProtocolVersion(HttpVersion.HTTP_1_1);
            }
            super.write(ctx, msg, promise);
        }
    }

    private enum State { HEAD, LENGTH, CHUNK_LINE, CHUNK_DATA, CHUNK_DATA_END, TRAILERS, UNTIL_CLOSE, UPGRADED, BROKEN }

    final class ResponseDecoder extends ByteToMessageDecoder {
        private final int maxHeadSize;
        private State state = State.HEAD;
        /** Bytes of the body (or chunk) still to come. */
        private long remaining;
        /** HTTP/1.0 client: chunk framing is taken off. */
        private boolean dechunk;
        /** How far a partial head has been searched for its end already. */
        private int searched;
        private int trailerBytes;

        ResponseDecoder(int maxHeadSize) {
            this.maxHeadSize = maxHeadSize;
        }

        @Override
        protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
            switch (state) {
                case HEAD -> {
                    if (awaiting.isEmpty()) throw unasked();
                    head(in, out);
                }
                case LENGTH -> {
                    if (passRemaining(in, out)) end(in, out);
                }
                case CHUNK_LINE -> chunkLine(in, out);
                case CHUNK_DATA -> {
                    if (passRemaining(in, out)) state = State.CHUNK_DATA_END;
                }
                case CHUNK_DATA_END -> chunkDataEnd(in, out);
                case TRAILERS -> trailers(in, out);
                case UNTIL_CLOSE -> untilClose(in, out);
                case UPGRADED -> out.add(in.readRetainedSlice(in.readableBytes()));
                case BROKEN -> in.skipBytes(in.readableBytes());
            }
        }

        @Override
        protected void decodeLast(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) throws Exception {
            super.decodeLast(ctx, in, out);
            if (state == State.UNTIL_CLOSE) { // the close is the body's end; any other state ends cut short
                if (!dechunk) out.add(LAST_CHUNK_AND_END.duplicate());
                end(in, out);
            }
        }

        /**
         * Bytes no request asked for (a body behind an answer to HEAD, say): the connection is out of step. Refused as
         * an invalid response (the upstream handler closes the connection), whether or not they look like a response.
         */
        private ResponseHead.InvalidResponse unasked() {
            reusable = false;
            return fail("a response nobody asked for");
        }

        private void head(ByteBuf in, List<Object> out) {
            int start = in.readerIndex();
            int end = headEnd(in, start);
            if (end < 0) {
                if (in.readableBytes() > maxHeadSize) throw fail("head larger than " + maxHeadSize + " bytes");
                return;
            }
            searched = 0;
            if (end - start > maxHeadSize) throw fail("head larger than " + maxHeadSize + " bytes");
            byte[] bytes = new byte[end - start];
            in.readBytes(bytes);
            ResponseHead head;
            try {
                head = ResponseHead.parse(bytes);
            } catch (ResponseHead.InvalidResponse invalid) {
                state = State.BROKEN;
                throw invalid;
            }
            if (head.status == 101) {
                awaiting.poll();
                out.add(head);
                out.add(RESPONSE_END);
                state = State.UPGRADED;
                return;
            }
            if (head.informational()) { // 100, 103: the final head is still to come
                out.add(head);
                return;
            }
            Integer request = awaiting.poll();
            if (request == null) throw unasked();
            dechunk = (request & HTTP_1_0) != 0;
            ResponseHead.Framing framing = head.upstreamFraming((request & HEAD) != 0);
            head.answering(framing, dechunk);
            long length = head.contentLength();
            if (framing == ResponseHead.Framing.NONE || (framing == ResponseHead.Framing.LENGTH && length == 0)) {
                head.complete(null);
            } else if (framing == ResponseHead.Framing.LENGTH && length <= SHORT_BODY && in.readableBytes() >= length) {
                head.complete(in.readRetainedSlice((int) length));
            }
            if ((request & HEAD) != 0) reusable = false;
            if (head.complete()) ended(in); // before the head goes on: the next request must not take this connection
            out.add(head);
            if (head.complete()) return; // state stays HEAD
            switch (framing) {
                case LENGTH -> {
                    remaining = length;
                    state = State.LENGTH;
                }
                case CHUNKED -> state = State.CHUNK_LINE;
                case UNTIL_CLOSE -> state = State.UNTIL_CLOSE;
                case NONE -> throw new IllegalStateException("complete above");
            }
        }

        /** The index just after the blank line that ends the head, or -1 while it has not arrived. */
        private int headEnd(ByteBuf in, int start) {
            int limit = in.writerIndex();
            int from = Math.max(start, start + searched - 3);
            while (from < limit) {
                int lf = in.indexOf(from, limit, (byte) '\n');
                if (lf < 0) break;
                // A blank line: LF right after the previous line's LF, or after its CR LF.
                if (lf > start && in.getByte(lf - 1) == '\n') return lf + 1;
                if (lf > start + 1 && in.getByte(lf - 1) == '\r' && in.getByte(lf - 2) == '\n') return lf + 1;
                from = lf + 1;
            }
            searched = in.readableBytes();
            return -1;
        }

        private void chunkLine(ByteBuf in, List<Object> out) {
            int start = in.readerIndex();
            int lf = in.indexOf(start, start + Math.min(in.readableBytes(), MAX_CHUNK_LINE), (byte) '\n');
            if (lf < 0) {
                if (in.readableBytes() >= MAX_CHUNK_LINE) throw fail("chunk size line too long");
                return;
            }
            int end = lf > start && in.getByte(lf - 1) == '\r' ? lf - 1 : lf;
            long size = 0;
            int i = start;
            for (; i < end; i++) {
                int digit = Character.digit(in.getByte(i), 16);
                if (digit < 0) break;
                if (size > (Long.MAX_VALUE >>> 5)) throw fail("chunk size too large");
                size = size * 16 + digit;
            }
            if (i == start) throw fail("bad chunk size");
            boolean plain = i == end && end == lf - 1; // hex digits and CRLF: forwarded as they are
            if (i < end) { // chunk extensions (ignored, as RFC 9112 §7.1.1 lets a recipient): ;name[=value] ...
                int c = i;
                while (c < end && (in.getByte(c) == ' ' || in.getByte(c) == '\t')) c++;
                if (c == end || in.getByte(c) != ';') throw fail("bad chunk size");
                for (; c < end; c++) {
                    int b = in.getByte(c) & 0xff;
                    if ((b < 0x20 && b != '\t') || b == 0x7f) throw fail("control character in a chunk extension");
                }
            }
            if (size == 0) {
                in.skipBytes(lf + 1 - start);
                trailerBytes = 0;
                if (!dechunk) out.add(LAST_CHUNK.duplicate());
                state = State.TRAILERS;
                return;
            }
            if (dechunk) {
                in.skipBytes(lf + 1 - start);
            } else if (plain) {
                out.add(in.readRetainedSlice(lf + 1 - start));
            } else {
                in.skipBytes(lf + 1 - start);
                out.add(in.alloc().buffer(18).writeBytes(Long.toHexString(size).getBytes(StandardCharsets.US_ASCII)).writeBytes(CRLF.duplicate()));
            }
            remaining = size;
            state = State.CHUNK_DATA;
        }

        private void chunkDataEnd(ByteBuf in, List<Object> out) {
            int first = in.getByte(in.readerIndex());
            if (first == '\n') {
                in.skipBytes(1);
                if (!dechunk) out.add(CRLF.duplicate());
            } else if (first == '\r') {
                if (in.readableBytes() < 2) return;
                if (in.getByte(in.readerIndex() + 1) != '\n') throw fail("chunk data not followed by CRLF");
                if (dechunk) in.skipBytes(2);
                else out.add(in.readRetainedSlice(2));
            } else {
                throw fail("chunk data not followed by CRLF");
            }
            state = State.CHUNK_LINE;
        }

        /** The trailer section after the last chunk: fields forwarded as they came (checked like a head's), then the end. */
        private void trailers(ByteBuf in, List<Object> out) {
            int start = in.readerIndex();
            int lf = in.indexOf(start, in.writerIndex(), (byte) '\n');
            if (lf < 0) {
                if (trailerBytes + in.readableBytes() > maxHeadSize) throw fail("trailers larger than " + maxHeadSize + " bytes");
                return;
            }
            int length = lf + 1 - start;
            trailerBytes += length;
            if (trailerBytes > maxHeadSize) throw fail("trailers larger than " + maxHeadSize + " bytes");
            int end = lf > start && in.getByte(lf - 1) == '\r' ? lf - 1 : lf;
            if (end == start) { // the blank line: the message is complete
                in.skipBytes(length);
                if (!dechunk) out.add(CRLF.duplicate());
                end(in, out);
                return;
            }
            byte[] line = new byte[end - start + 1]; // the field's text and LF, checked as a header line is
            in.getBytes(start, line, 0, end - start);
            line[line.length - 1] = '\n';
            try {
                ResponseHead.checkField(line);
            } catch (ResponseHead.InvalidResponse invalid) {
                throw fail("bad trailer field (" + invalid.getMessage() + ")");
            }
            if (dechunk) {
                in.skipBytes(length);
            } else if (end == lf - 1) {
                out.add(in.readRetainedSlice(length));
            } else {
                in.skipBytes(length);
                out.add(in.alloc().buffer(end - start + 2).writeBytes(line, 0, end - start).writeBytes(CRLF.duplicate()));
            }
        }

        private void untilClose(ByteBuf in, List<Object> out) {
            int n = in.readableBytes();
            if (n == 0) return;
            if (!dechunk) out.add(in.alloc().buffer(10).writeBytes(Integer.toHexString(n).getBytes(StandardCharsets.US_ASCII)).writeBytes(CRLF.duplicate()));
            out.add(in.readRetainedSlice(n));
            if (!dechunk) out.add(CRLF.duplicate());
        }

        /** Hands on what has arrived of the {@link #remaining} body (or chunk) bytes; true once they are all through. */
        private boolean passRemaining(ByteBuf in, List<Object> out) {
            int n = (int) Math.min(remaining, in.readableBytes());
            if (n == 0) return false;
            out.add(in.readRetainedSlice(n));
            remaining -= n;
            return remaining == 0;
        }

        private void end(ByteBuf in, List<Object> out) {
            ended(in);
            out.add(RESPONSE_END);
            state = State.HEAD;
        }

        /** A response is complete: bytes already behind it that no request asked for make the connection unusable. */
        private void ended(ByteBuf in) {
            if (in.isReadable() && awaiting.isEmpty()) reusable = false;
        }

        private ResponseHead.InvalidResponse fail(String why) {
            state = State.BROKEN;
            return new ResponseHead.InvalidResponse(why);
        }
    }
}
