package dev.cove.api.ports;

import dev.cove.api.Json;
import dev.cove.api.sandboxes.SandboxPaths;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.Handler;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code GET /sandboxes/{sandboxID}/ports/events}: Server-Sent Events {@code open} / {@code close} whenever a listener
 * appears in or leaves the sandbox, so an agent learns when its server is up without polling. The first events say
 * what listens already; the stream ends when the sandbox stops running (or the client goes).
 */
public final class PortEventsHandler implements Handler {
    static final Duration POLL = Duration.ofMillis(200);
    static final Duration KEEP_ALIVE = Duration.ofSeconds(15);
    private final PortsService ports;

    public PortEventsHandler(PortsService ports) { this.ports = ports; }

    private record Key(int port, String address, String family) {}

    @Override
    public void handle(ServerRequest req, ServerResponse res) {
        String id = SandboxPaths.id(req);
        Set<Key> before = keys(ports.listenersIn(id)); // 404 / 409 before the stream starts
        res.status(Status.OK_200);
        res.header(HeaderNames.CONTENT_TYPE, "text/event-stream");
        res.header(HeaderNames.CACHE_CONTROL, "no-store");
        try (OutputStream out = res.outputStream()) {
            for (Key k : before) send(out, "open", k);
            out.flush();
            long lastWrite = System.nanoTime();
            while (ports.isRunning(id)) {
                Thread.sleep(POLL);
                Set<Key> now;
                try {
                    now = keys(ports.listeners(id)); // the socket table alone, every 200 ms
                } catch (RuntimeException ended) {
                    break;
                }
                boolean wrote = false;
                for (Key k : before) if (!now.contains(k)) { send(out, "close", k); wrote = true; }
                for (Key k : now) if (!before.contains(k)) { send(out, "open", k); wrote = true; }
                before = now;
                if (!wrote && System.nanoTime() - lastWrite > KEEP_ALIVE.toNanos()) {
                    out.write(": keep-alive\n\n".getBytes(StandardCharsets.UTF_8));
                    wrote = true;
                }
                if (wrote) {
                    out.flush();
                    lastWrite = System.nanoTime();
                }
            }
        } catch (IOException | UncheckedIOException clientGone) {
            // the client closed the stream: nothing to answer
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static Set<Key> keys(List<PortsService.Listening> listening) {
        Set<Key> keys = new LinkedHashSet<>();
        for (PortsService.Listening l : listening) keys.add(new Key(l.port(), l.address(), l.family()));
        return keys;
    }

    private static void send(OutputStream out, String event, Key k) throws IOException {
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("port", k.port());
        data.put("address", k.address());
        data.put("family", k.family());
        out.write(("event: " + event + "\ndata: " + new String(Json.bytes(data), StandardCharsets.UTF_8) + "\n\n")
                .getBytes(StandardCharsets.UTF_8));
    }
}
