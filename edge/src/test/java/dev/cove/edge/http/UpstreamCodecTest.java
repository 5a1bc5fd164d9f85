package dev.cove.edge.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.ReferenceCountUtil;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The relay's response framing on bytes written by hand: what the client receives for each way an upstream can frame
 * a response, fed whole and one byte at a time, and the responses it refuses (the proxy tests cover it on the wire).
 */
class UpstreamCodecTest {
    private static final int MAX_HEAD = 64 * 1024;

    /** An upstream connection with its requests sent: {@code head} marks a HEAD request. */
    private static EmbeddedChannel upstream(HttpVersion version, HttpMethod... methods) {
        EmbeddedChannel channel = new EmbeddedChannel(new UpstreamCodec(MAX_HEAD));
        for (HttpMethod method : methods) {
            channel.writeOutbound(new DefaultFullHttpRequest(version, method, "/"));
            ReferenceCountUtil.release(channel.readOutbound());
        }
        return channel;
    }

    private static EmbeddedChannel upstream(HttpMethod... methods) {
        return upstream(HttpVersion.HTTP_1_1, methods);
    }

    private static ByteBuf bytes(String text) {
        return Unpooled.copiedBuffer(text, StandardCharsets.ISO_8859_1);
    }

    /** Feeds the upstream's bytes all at once, or one byte per read. */
    private static void feed(EmbeddedChannel channel, String response, boolean byteByByte) {
        if (!byteByByte) {
            channel.writeInbound(bytes(response));
            return;
        }
        for (int i = 0; i < response.length(); i++) channel.writeInbound(bytes(response.substring(i, i + 1)));
    }

    /** What the client would be sent, as the edge writes it (heads with keep-alive), with a | after each response's end. */
    private static String relayed(EmbeddedChannel channel) {
        StringBuilder client = new StringBuilder();
        Object msg;
        while ((msg = channel.readInbound()) != null) {
            switch (msg) {
                case ResponseHead head -> {
                    ByteBuf encoded = head.encode(ByteBufAllocator.DEFAULT, !head.closesClient(), null);
                    client.append(encoded.toString(StandardCharsets.ISO_8859_1));
                    encoded.release();
                    if (head.complete()) client.append('|'); // its body (if any) came with it, and nothing follows
                    head.release();
                }
                case ByteBuf body -> {
                    client.append(body.toString(StandardCharsets.ISO_8859_1));
                    body.release();
                }
                default -> {
                    assertThat(msg).isSameAs(UpstreamCodec.RESPONSE_END);
                    client.append('|');
                }
            }
        }
        return client.toString();
    }

    @ParameterizedTest(name = "byte by byte: {0}")
    @ValueSource(booleans = {false, true})
    void lengthDelimitedBodiesPassAsTheyCame(boolean byteByByte) {
        EmbeddedChannel channel = upstream(HttpMethod.GET, HttpMethod.GET);
        feed(channel, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\nConnection: keep-alive\r\nKeep-Alive: timeout=5\r\n\r\nhello"
                + "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n", byteByByte);

        assertThat(relayed(channel)).isEqualTo("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\nhello|"
                + "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n|");
        assertThat(channel.finish()).isFalse();
    }

    @ParameterizedTest(name = "byte by byte: {0}")
    @ValueSource(booleans = {false, true})
    void chunkedBodiesStayChunkedWithTheirFramingNormalised(boolean byteByByte) {
        EmbeddedChannel channel = upstream(HttpMethod.GET);
        // Extensions, bare LFs and a trailer: the client gets plain CRLF chunk lines and the trailer.
        feed(channel, "HTTP/1.1 200 OK\nTransfer-Encoding: chunked\n\n5;ext=1\r\nhello\n6\r\n world\r\n0\r\nX-Checksum: abc\r\n\r\n", byteByByte);

        assertThat(relayed(channel)).isEqualTo("HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n"
                + "5\r\nhello\r\n6\r\n world\r\n0\r\nX-Checksum: abc\r\n\r\n|");
        assertThat(channel.finish()).isFalse();
    }

    @Test
    void anHttp10ClientGetsChunkedBodiesAsPlainDataAndAClose() {
        EmbeddedChannel channel = upstream(HttpVersion.HTTP_1_0, HttpMethod.GET);
        channel.writeInbound(bytes("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n"));
        ResponseHead head = channel.readInbound();
        assertThat(head.closesClient()).isTrue();
        ByteBuf encoded = head.encode(ByteBufAllocator.DEFAULT, false, null);
        assertThat(encoded.toString(StandardCharsets.ISO_8859_1)).isEqualTo("HTTP/1.0 200 OK\r\n\r\n");
        encoded.release();
        head.release();
        assertThat(relayed(channel)).isEqualTo("hello|");
        assertThat(channel.finish()).isFalse();
    }

    @Test
    void aBodyThatRunsUntilCloseIsChunkedSoTheClientConnectionStays() {
        EmbeddedChannel channel = upstream(HttpMethod.GET);
        channel.writeInbound(bytes("HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nsome"));
        channel.writeInbound(bytes(" more"));
        assertThat(relayed(channel)).isEqualTo("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\ntransfer-encoding: chunked\r\n\r\n"
                + "4\r\nsome\r\n5\r\n more\r\n");
        channel.close(); // the upstream's close is the body's end
        assertThat(relayed(channel)).isEqualTo("0\r\n\r\n|");
    }

    /** A short body that came with its head is one message with it; a long one, or one still coming, streams. */
    @Test
    void shortBodiesComeWithTheirHeadAndLongOnesStream() {
        EmbeddedChannel channel = upstream(HttpMethod.GET, HttpMethod.GET, HttpMethod.GET);
        String big = "b".repeat(5000);
        channel.writeInbound(bytes("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello"));
        channel.writeInbound(bytes("HTTP/1.1 200 OK\r\nContent-Length: 5000\r\n\r\n" + big));
        channel.writeInbound(bytes("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhel"));
        channel.writeInbound(bytes("lo"));

        ResponseHead small = channel.readInbound();
        assertThat(small.complete()).isTrue();
        assertThat(small.bodyBytes()).isEqualTo(5);
        ByteBuf encoded = small.encode(ByteBufAllocator.DEFAULT, true, null);
        assertThat(encoded.toString(StandardCharsets.ISO_8859_1)).endsWith("\r\n\r\nhello");
        encoded.release();
        small.release();
        ResponseHead large = channel.readInbound();
        assertThat(large.complete()).isFalse();
        large.release();
        assertThat(relayed(channel)).isEqualTo(big + "|HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello|");
        assertThat(channel.finish()).isFalse();
    }

    @Test
    void aBodyCutShortEndsWithoutAnEnd() {
        EmbeddedChannel channel = upstream(HttpMethod.GET);
        channel.writeInbound(bytes("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhalf"));
        channel.close();
        assertThat(relayed(channel)).doesNotContain("|"); // the edge sees the close without RESPONSE_END: it cuts the client off
    }

    @Test
    void headAnswersAnd204And304HaveNoBodyWhateverTheirHeadersSay() {
        EmbeddedChannel channel = upstream(HttpMethod.HEAD, HttpMethod.GET, HttpMethod.GET);
        channel.writeInbound(bytes("HTTP/1.1 200 OK\r\nContent-Length: 1234\r\n\r\n"
                + "HTTP/1.1 204 No Content\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "HTTP/1.1 304 Not Modified\r\nContent-Length: 99\r\nETag: \"x\"\r\n\r\n"));

        assertThat(relayed(channel)).isEqualTo("HTTP/1.1 200 OK\r\nContent-Length: 1234\r\n\r\n|"
                + "HTTP/1.1 204 No Content\r\n\r\n|"
                + "HTTP/1.1 304 Not Modified\r\nContent-Length: 99\r\nETag: \"x\"\r\n\r\n|");
        assertThat(channel.finish()).isFalse();
    }

    @Test
    void interimHeadsComeBeforeTheFinalOneWithoutAnEnd() {
        EmbeddedChannel channel = upstream(HttpMethod.POST);
        channel.writeInbound(bytes("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a.css>\r\n\r\n"
                + "HTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok"));
        ResponseHead first = channel.readInbound();
        ResponseHead second = channel.readInbound();
        assertThat(first.status).isEqualTo(100);
        assertThat(second.status).isEqualTo(103);
        assertThat(first.complete()).isFalse(); // interim: the final head is still to come
        first.release();
        second.release();
        assertThat(relayed(channel)).isEqualTo("HTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok|");
    }

    @Test
    void afterA101EveryByteIsTheNewProtocol() {
        EmbeddedChannel channel = upstream(HttpMethod.GET);
        channel.writeInbound(bytes("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Accept: abc\r\n\r\n\u0081\u0002hi"));
        ResponseHead head = channel.readInbound();
        assertThat(head.upgrade()).isEqualTo("websocket");
        ByteBuf encoded = head.encode(ByteBufAllocator.DEFAULT, true, "websocket");
        assertThat(encoded.toString(StandardCharsets.ISO_8859_1)).isEqualTo("HTTP/1.1 101 Switching Protocols\r\n"
                + "Sec-WebSocket-Accept: abc\r\nconnection: upgrade\r\nupgrade: websocket\r\n\r\n");
        encoded.release();
        head.release();
        assertThat(relayed(channel)).isEqualTo("|\u0081\u0002hi");
        channel.writeInbound(bytes("HTTP/1.1 200 OK\r\n\r\n"));
        assertThat(relayed(channel)).isEqualTo("HTTP/1.1 200 OK\r\n\r\n"); // raw, not a head
        assertThat(channel.finish()).isFalse();
    }

    @Test
    void hopByHopHeadersAndThoseConnectionNamesGo() {
        EmbeddedChannel channel = upstream(HttpMethod.GET, HttpMethod.GET);
        channel.writeInbound(bytes("HTTP/1.1 200 OK\r\nX-Early: 1\r\nConnection: close, X-Early, x-late, Host, Content-Length\r\n"
                + "Proxy-Connection: x\r\nTE: trailers\r\nUpgrade: h2c\r\nHost: kept\r\nContent-Length: 2\r\nX-LATE: 2\r\nX-Kept: 3\r\n\r\nok"));
        channel.writeInbound(bytes("HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n"));

        assertThat(relayed(channel)).isEqualTo("HTTP/1.1 200 OK\r\nHost: kept\r\nContent-Length: 2\r\nX-Kept: 3\r\n\r\nok|"
                // both framings: Transfer-Encoding wins and Content-Length goes (RFC 9112 §6.3)
                + "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n|");
        assertThat(channel.finish()).isFalse();
    }

    @Test
    void theClientGetsTheConnectionHeaderItsCaseNeeds() {
        EmbeddedChannel channel = upstream(HttpVersion.HTTP_1_0, HttpMethod.GET);
        channel.writeInbound(bytes("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"));
        ResponseHead head = channel.readInbound();
        assertThat(head.closesClient()).isFalse(); // the length is known: an HTTP/1.0 client may keep its connection
        ByteBuf keep = head.encode(ByteBufAllocator.DEFAULT, true, null);
        assertThat(keep.toString(StandardCharsets.ISO_8859_1)).isEqualTo("HTTP/1.0 200 OK\r\nContent-Length: 0\r\nconnection: keep-alive\r\n\r\n");
        keep.release();
        assertThat(head.complete()).isTrue();
        head.release();
        assertThat(relayed(channel)).isEmpty();

        EmbeddedChannel http11 = upstream(HttpMethod.GET);
        http11.writeInbound(bytes("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"));
        ResponseHead last = http11.readInbound();
        ByteBuf close = last.encode(ByteBufAllocator.DEFAULT, false, null);
        assertThat(close.toString(StandardCharsets.ISO_8859_1)).isEqualTo("HTTP/1.1 200 OK\r\nContent-Length: 0\r\nconnection: close\r\n\r\n");
        close.release();
        last.release();
        assertThat(relayed(http11)).isEmpty();
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {
            "HTTP/1.1 200 OK\r\nX-Folded: a\r\n b\r\nContent-Length: 0\r\n\r\n",          // obs-fold
            "HTTP/1.1 200 OK\r\nX-Bad: a\rb\r\nContent-Length: 0\r\n\r\n",                  // bare CR in a value
            "HTTP/1.1 200 OK\r\nX-Nul: a\u0000b\r\nContent-Length: 0\r\n\r\n",              // NUL
            "HTTP/1.1 200 O\u0001K\r\nContent-Length: 0\r\n\r\n",                         // control in the reason
            "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\rX\r\n\r\n",                         // bare CR starting a line
            "HTTP/1.1 200 OK\r\nX Bad: a\r\nContent-Length: 0\r\n\r\n",                     // space in a name
            "HTTP/1.1 200 OK\r\nX-Bad : a\r\nContent-Length: 0\r\n\r\n",                    // space before the colon
            "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello",      // conflicting lengths
            "HTTP/1.1 200 OK\r\nContent-Length: -5\r\n\r\n",                                // not a length
            "HTTP/1.1 200 OK\r\nContent-Length: 5, 5\r\n\r\nhello",                         // a list
            "HTTP/2 200 OK\r\nContent-Length: 0\r\n\r\n",                                   // not HTTP/1.x
            "HTTP/1.1 20 OK\r\nContent-Length: 0\r\n\r\n",                                  // two-digit status
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",                  // not a chunk size
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n",           // chunk longer than its size
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nBad Trailer: x\r\n\r\n", // trailer no header could be
    })
    void malformedResponsesAreRefused(String response) {
        EmbeddedChannel channel = upstream(HttpMethod.GET);
        assertThatThrownBy(() -> channel.writeInbound(bytes(response)))
                .isInstanceOf(DecoderException.class).isInstanceOf(ResponseHead.InvalidResponse.class);
        channel.writeInbound(bytes("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")); // nothing more is taken from it
        releaseAll(channel);
        channel.finishAndReleaseAll();
    }

    @Test
    void aResponseNobodyAskedForIsRefused() {
        EmbeddedChannel channel = upstream();
        assertThatThrownBy(() -> channel.writeInbound(bytes("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")))
                .isInstanceOf(ResponseHead.InvalidResponse.class).hasMessageContaining("nobody asked");
        channel.finishAndReleaseAll();
    }

    /** A connection that answered HEAD, or sent more than was asked for, carries no further request. */
    @Test
    void aConnectionIsNotReusedAfterHeadNorAfterBytesNobodyAskedFor() {
        EmbeddedChannel get = upstream(HttpMethod.GET);
        get.writeInbound(bytes("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"));
        assertThat(UpstreamCodec.reusable(get)).isTrue();
        releaseAll(get);
        get.finishAndReleaseAll();

        EmbeddedChannel head = upstream(HttpMethod.HEAD);
        head.writeInbound(bytes("HTTP/1.1 404 Not Found\r\nContent-Length: 2\r\n\r\n"));
        assertThat(UpstreamCodec.reusable(head)).isFalse(); // even without stray bytes: they may come later
        assertThatThrownBy(() -> head.writeInbound(bytes("{}"))) // and they do
                .isInstanceOf(ResponseHead.InvalidResponse.class).hasMessageContaining("nobody asked");
        releaseAll(head);
        head.finishAndReleaseAll();

        for (String framing : new String[]{"Content-Length: 2\r\n\r\nok", "Content-Length: 3000\r\n\r\n" + "a".repeat(3000),
                "Transfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n"}) {
            EmbeddedChannel extra = upstream(HttpMethod.GET); // bytes behind the response, in the same read
            assertThatThrownBy(() -> extra.writeInbound(bytes("HTTP/1.1 200 OK\r\n" + framing + "{\"code\":404}")))
                    .isInstanceOf(ResponseHead.InvalidResponse.class).hasMessageContaining("nobody asked");
            assertThat(relayed(extra)).as(framing).endsWith("|"); // the response itself went through, complete
            assertThat(UpstreamCodec.reusable(extra)).isFalse();
            extra.finishAndReleaseAll();
        }
    }

    @Test
    void aHeadLargerThanTheLimitIsRefusedBeforeItEnds() {
        EmbeddedChannel channel = new EmbeddedChannel(new UpstreamCodec(1024));
        channel.writeOutbound(new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/"));
        ReferenceCountUtil.release(channel.readOutbound());
        assertThatThrownBy(() -> channel.writeInbound(bytes("HTTP/1.1 200 OK\r\nX-Big: " + "a".repeat(2000))))
                .isInstanceOf(ResponseHead.InvalidResponse.class).hasMessageContaining("larger than 1024");
        channel.finishAndReleaseAll();
        // and one that arrives whole
        EmbeddedChannel whole = new EmbeddedChannel(new UpstreamCodec(1024));
        whole.writeOutbound(new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/"));
        ReferenceCountUtil.release(whole.readOutbound());
        assertThatThrownBy(() -> whole.writeInbound(bytes("HTTP/1.1 200 OK\r\nX-Big: " + "a".repeat(2000) + "\r\nContent-Length: 0\r\n\r\n")))
                .isInstanceOf(ResponseHead.InvalidResponse.class).hasMessageContaining("larger than 1024");
        whole.finishAndReleaseAll();
    }

    private static void releaseAll(EmbeddedChannel channel) {
        Object msg;
        while ((msg = channel.readInbound()) != null) ReferenceCountUtil.release(msg);
    }
}
