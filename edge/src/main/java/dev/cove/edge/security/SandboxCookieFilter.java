package dev.cove.edge.security;

import dev.cove.edge.http.ResponseHead;
import dev.cove.edge.metrics.EdgeMetrics;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;

/**
 * Sits on the upstream leg of a sandbox port, behind its codec: applies {@link SandboxCookies} to every response head
 * ({@link ResponseHead} for HTTP/1.1 clients, Netty's {@link HttpResponse} for HTTP/2 streams) before the client
 * gets it. What it changed is counted in the edge's metrics and noted on the access logger, by cookie name only
 * (values may be credentials).
 */
public final class SandboxCookieFilter extends ChannelInboundHandlerAdapter {
    private static final Logger accessLog = LoggerFactory.getLogger("dev.cove.edge.access");

    private final EdgeMetrics metrics;
    private final String sandboxId;
    private final Integer port;
    private final boolean logAccess;

    public SandboxCookieFilter(EdgeMetrics metrics, String sandboxId, Integer port, boolean logAccess) {
        this.metrics = metrics;
        this.sandboxId = sandboxId;
        this.port = port;
        this.logAccess = logAccess;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof ResponseHead head) {
            if (head.hasSetCookie()) head.rewriteSetCookies(this::filter);
        } else if (msg instanceof HttpResponse response) {
            filter(response.headers());
        }
        ctx.fireChannelRead(msg);
    }

    private void filter(HttpHeaders headers) {
        if (!headers.contains(HttpHeaderNames.SET_COOKIE)) return;
        List<String> values = headers.getAll(HttpHeaderNames.SET_COOKIE);
        List<String> kept = new ArrayList<>(values.size());
        boolean changed = false;
        for (String value : values) {
            String out = filter(value);
            changed |= out != value;
            if (out != null) kept.add(out);
        }
        if (!changed) return;
        headers.remove(HttpHeaderNames.SET_COOKIE);
        for (String value : kept) headers.add(HttpHeaderNames.SET_COOKIE, value);
    }

    /** One Set-Cookie value: the same instance to keep it, a rewrite, or null to drop it. */
    private String filter(String value) {
        String out = SandboxCookies.filter(value);
        if (out == null) {
            metrics.cookiesDropped.increment();
            note("dropped (Cove's cookie name)", value);
        } else if (out != value) {
            metrics.cookiesHostOnly.increment();
            note("made host-only (Domain removed)", value);
        }
        return out;
    }

    private void note(String what, String value) {
        if (!logAccess || !accessLog.isInfoEnabled()) return;
        String name = SandboxCookies.name(value);
        StringBuilder shown = new StringBuilder(Math.min(name.length(), 64));
        for (int i = 0; i < name.length() && shown.length() < 64; i++) {
            char c = name.charAt(i);
            shown.append(c > 0x20 && c < 0x7f ? c : '?');
        }
        accessLog.info("sandbox {} port {}: Set-Cookie {} {}", sandboxId, port, shown, what);
    }
}
