package dev.cove.edge.http;

import io.netty.handler.codec.http.FullHttpResponse;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

/** The edge's own pages quote text others chose (a Host name, a sandbox's data): never raw control characters. */
class ErrorResponsesTest {

    private static String body(FullHttpResponse r) {
        try {
            return r.content().toString(StandardCharsets.UTF_8);
        } finally {
            r.release();
        }
    }

    @Test
    void controlCharactersAreShownNotSentRawInHtmlAndJson() {
        EdgeError error = EdgeError.misdirected("evil\u001b[2J\u009b31m\u0007.invalid", "cove.localhost");
        String html = body(ErrorResponses.render(error, true));
        String json = body(ErrorResponses.render(error, false));
        for (String page : new String[] {html, json}) {
            assertThat(page.chars().filter(c -> c < 0x20 && c != '\n' || c == 0x7f || (c >= 0x80 && c <= 0x9f)))
                    .as(page).isEmpty();
        }
        assertThat(html).contains("evil\\x1b[2J\\u009b31m\\x07.invalid");
        assertThat(json.toLowerCase()).contains("\\u001b[2j\\u009b31m\\u0007.invalid");
    }
}
