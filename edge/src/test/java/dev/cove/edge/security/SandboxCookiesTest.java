package dev.cove.edge.security;

import dev.cove.edge.http.ResponseHead;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

/** What becomes of each Set-Cookie a sandbox app sends: kept, made host-only, or dropped. */
class SandboxCookiesTest {
    static final String DROP = "DROP";

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            // kept as they are (the same string)
            "theme=dark|theme=dark",
            "sid=1; Path=/; HttpOnly; Secure; SameSite=Strict|sid=1; Path=/; HttpOnly; Secure; SameSite=Strict",
            "note=the domain of things; Path=/|note=the domain of things; Path=/",
            "domain=1; Path=/|domain=1; Path=/",
            // a Domain attribute covers more than the host: removed, whatever its case or value
            "app_session=x; Domain=cove.localhost|app_session=x",
            "app_session=x; Domain=cove.localhost; Path=/|app_session=x; Path=/",
            "a=1; Path=/; domain=.COVE.localhost; Max-Age=60|a=1; Path=/; Max-Age=60",
            "a=1; DOMAIN = 3000-id.cove.localhost ; Secure|a=1; Secure",
            "a=1; Domain=x; Domain=y|a=1",
            "a=1; Domain|a=1",
            // Cove's cookie name in any form: dropped
            "cove_access=tossed; Domain=cove.localhost; Path=/x|DROP",
            "__Host-cove_access=tossed; Path=/; Secure|DROP",
            "__host-COVE_ACCESS=tossed; Path=/; Secure|DROP",
            "__Secure-cove_access=x; Secure|DROP",
            "__Http-cove_access=x|DROP",
            " Cove_Link=x|DROP",
            "=cove_access=tossed|DROP",
            "=__Host-cove_access=tossed; Path=/|DROP",
            // names that only look alike stay (host-only)
            "my_cove_access=1; Domain=cove.localhost|my_cove_access=1",
            "covey=1|covey=1"})
    void filter(String setCookie, String expected) {
        String out = SandboxCookies.filter(setCookie);
        if (expected.equals(DROP)) {
            assertThat(out).isNull();
        } else {
            assertThat(out).isEqualTo(expected);
            if (expected.equals(setCookie)) assertThat(out).as("unchanged: the same instance").isSameAs(setCookie);
        }
    }

    /** The relayed HTTP/1.1 head: kept lines as they came, rewritten ones after them, dropped ones gone. */
    @Test
    void aResponseHeadIsRewrittenInPlace() {
        byte[] raw = ("HTTP/1.1 200 OK\r\nContent-Length: 0\r\nSet-Cookie: keep=1; Path=/\r\nX-A: 1\r\n"
                + "set-cookie: wide=1; Domain=cove.localhost\r\nSET-COOKIE: cove_access=evil\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
        ResponseHead head = ResponseHead.parse(raw);
        assertThat(head.hasSetCookie()).isTrue();
        head.answering(ResponseHead.Framing.LENGTH, false);
        head.rewriteSetCookies(SandboxCookies::filter);
        ByteBuf out = head.encode(ByteBufAllocator.DEFAULT, true, null);
        try {
            assertThat(out.toString(StandardCharsets.US_ASCII)).isEqualTo("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n"
                    + "Set-Cookie: keep=1; Path=/\r\nX-A: 1\r\nset-cookie: wide=1\r\n\r\n");
        } finally {
            out.release();
            head.release();
        }
    }
}
