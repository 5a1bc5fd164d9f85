package dev.cove.edge.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cove.core.routing.CoveHeaders;
import dev.cove.core.text.ControlCharacters;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/** Renders {@link EdgeError}s: JSON for programs, an HTML page for a browser navigating to the URL (E2B's rule). */
public final class ErrorResponses {
    // escapes DEL and C1 controls too: messages may quote what a sandbox or a client chose
    private static final ObjectMapper JSON = new ObjectMapper(ControlCharacters.jsonFactory());
    private static final Pattern BROWSER = Pattern.compile("(?i)mozilla|chrome|safari|firefox|edge|opera|msie");

    private ErrorResponses() {}

    /** Whether a User-Agent names a browser (the costly half of {@link #isBrowserNavigation}: callers may cache it). */
    public static boolean isBrowserAgent(String userAgent) {
        return userAgent != null && BROWSER.matcher(userAgent).find();
    }

    /**
     * A person typed the URL or followed a link: the User-Agent looks like a browser ({@code browserAgent}, from
     * {@link #isBrowserAgent}), the request does not ask for JSON, and no script made it ({@code fetch()} sends
     * {@code Sec-Fetch-Mode: cors|no-cors|same-origin}; XHR libraries send {@code X-Requested-With}).
     */
    public static boolean isBrowserNavigation(HttpHeaders headers, boolean browserAgent) {
        if (!browserAgent) return false;
        String accept = headers.get(HttpHeaderNames.ACCEPT);
        if (accept != null && accept.toLowerCase(Locale.ROOT).contains("application/json")) return false;
        if (headers.contains("X-Requested-With")) return false;
        String fetchMode = headers.get("Sec-Fetch-Mode");
        return fetchMode == null || fetchMode.equalsIgnoreCase("navigate");
    }

    public static FullHttpResponse render(EdgeError error, boolean browser) {
        byte[] body;
        String contentType;
        if (error.style() == EdgeError.Style.PLAIN) {
            body = (error.message() + "\n").getBytes(StandardCharsets.UTF_8);
            contentType = "text/plain; charset=utf-8";
        } else if (browser) {
            body = html(error).getBytes(StandardCharsets.UTF_8);
            contentType = "text/html; charset=utf-8";
        } else {
            body = json(error);
            contentType = "application/json; charset=utf-8";
        }
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                HttpResponseStatus.valueOf(error.status()), Unpooled.wrappedBuffer(body));
        response.headers()
                .set(HttpHeaderNames.CONTENT_TYPE, contentType)
                .setInt(HttpHeaderNames.CONTENT_LENGTH, body.length)
                .set(HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.NO_STORE)
                .set("X-Content-Type-Options", "nosniff")
                // Tells answers of the edge from answers of the app (the expose check reads it).
                .set(CoveHeaders.EDGE_ERROR, error.code());
        if (error.details().get("retryAfter") instanceof Integer seconds) response.headers().setInt(HttpHeaderNames.RETRY_AFTER, seconds);
        return response;
    }

    private static byte[] json(EdgeError error) {
        Map<String, Object> body = new LinkedHashMap<>();
        if (error.style() == EdgeError.Style.E2B) {
            body.put("sandboxId", error.sandboxId());
            body.put("message", error.message());
            if (error.port() != null) body.put("port", error.port());
            body.put("code", error.status());
        } else {
            if (error.sandboxId() != null) body.put("sandboxId", error.sandboxId());
            if (error.port() != null) body.put("port", error.port());
            body.put("code", error.code());
            body.put("message", error.message());
            body.putAll(error.details());
        }
        try {
            return JSON.writeValueAsBytes(body);
        } catch (JsonProcessingException impossible) { // strings and numbers only
            throw new IllegalStateException(impossible);
        }
    }

    private static String html(EdgeError error) {
        StringBuilder facts = new StringBuilder();
        if (error.sandboxId() != null) fact(facts, "Sandbox", error.sandboxId());
        if (error.port() != null) fact(facts, "Port", String.valueOf(error.port()));
        fact(facts, "Status", error.status() + " " + error.code());
        error.details().forEach((name, value) -> fact(facts, name, String.valueOf(value)));
        String title = escape(error.title());
        return """
                <!doctype html>
                <html lang="en">
                <head>
                <meta charset="utf-8">
                <meta name="viewport" content="width=device-width, initial-scale=1">
                <title>%s</title>
                <style>
                body{font-family:system-ui,sans-serif;background:#f6f7f9;color:#1d2330;margin:0;display:flex;min-height:100vh;align-items:center;justify-content:center}
                main{background:#fff;border-radius:12px;box-shadow:0 2px 12px rgba(0,0,0,.08);padding:2rem 2.5rem;max-width:40rem}
                h1{font-size:1.4rem;margin:0 0 .75rem}p{line-height:1.5}dl{display:grid;grid-template-columns:max-content 1fr;gap:.25rem 1rem;color:#555}
                dt{font-weight:600}dd{margin:0;font-family:ui-monospace,monospace}
                </style>
                </head>
                <body><main>
                <h1>%s</h1>
                <p>%s</p>
                <dl>%s</dl>
                </main></body>
                </html>
                """.formatted(title, title, escape(error.message()), facts);
    }

    private static void fact(StringBuilder out, String name, String value) {
        out.append("<dt>").append(escape(name)).append("</dt><dd>").append(escape(value)).append("</dd>");
    }

    /** HTML-escaped, with control characters written visibly ({@code \x1b}) instead of passed through raw. */
    private static String escape(String raw) {
        String text = ControlCharacters.visible(raw);
        StringBuilder out = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '&' -> out.append("&amp;");
                case '"' -> out.append("&quot;");
                case '\'' -> out.append("&#39;");
                default -> out.append(c);
            }
        }
        return out.toString();
    }
}
