package dev.cove.bench;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.TimeUnit;

/**
 * WebSocket echo round trips, one at a time (so each is pure latency), with the JDK client:
 * {@code WsEchoBench <ws uri> <count> [Header: value]...}. Prints the percentiles in microseconds.
 */
public final class WsEchoBench {
    public static void main(String[] args) throws Exception {
        URI uri = URI.create(args[0]);
        int count = Integer.parseInt(args[1]);
        SynchronousQueue<String> replies = new SynchronousQueue<>();
        try (HttpClient client = HttpClient.newHttpClient()) {
            WebSocket.Builder builder = client.newWebSocketBuilder().connectTimeout(Duration.ofSeconds(10));
            for (int i = 2; i < args.length; i++) {
                int colon = args[i].indexOf(':');
                builder.header(args[i].substring(0, colon).strip(), args[i].substring(colon + 1).strip());
            }
            StringBuilder partial = new StringBuilder();
            WebSocket ws = builder.buildAsync(uri, new WebSocket.Listener() {
                @Override
                public CompletionStage<?> onText(WebSocket w, CharSequence data, boolean last) {
                    partial.append(data);
                    if (last) {
                        String reply = partial.toString();
                        partial.setLength(0);
                        try { replies.put(reply); } catch (InterruptedException e) { Thread.currentThread().interrupt(); }
                    }
                    w.request(1);
                    return null;
                }
            }).get(10, TimeUnit.SECONDS);
            String message = "x".repeat(32);
            int warmup = Math.min(1000, count);
            long[] nanos = new long[count];
            for (int i = -warmup; i < count; i++) {
                long start = System.nanoTime();
                ws.sendText(message, true).get(10, TimeUnit.SECONDS);
                String reply = replies.poll(10, TimeUnit.SECONDS);
                if (reply == null || !reply.equals(message)) throw new IllegalStateException("bad or no echo: " + reply);
                if (i >= 0) nanos[i] = System.nanoTime() - start;
            }
            ws.sendClose(WebSocket.NORMAL_CLOSURE, "done").get(10, TimeUnit.SECONDS);
            Arrays.sort(nanos);
            System.out.printf("n %d  p50 %.1f us  p90 %.1f us  p99 %.1f us  mean %.1f us%n", count,
                    nanos[count / 2] / 1e3, nanos[(int) (count * 0.9)] / 1e3, nanos[(int) (count * 0.99)] / 1e3,
                    Arrays.stream(nanos).average().orElse(0) / 1e3);
        }
    }
}
