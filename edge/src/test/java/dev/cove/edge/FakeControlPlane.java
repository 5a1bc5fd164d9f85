package dev.cove.edge;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.zip.CRC32;

/**
 * A real HTTP/1.1 server on loopback standing in for the Helidon control plane. It records the last request and
 * offers: {@code /stream} (a chunked response whose second chunk waits for {@link #releaseStream()}),
 * {@code /upload} (counts and checksums the body), anything else: 200 "hello from the control plane".
 */
final class FakeControlPlane implements AutoCloseable {
    /** What the control plane saw of a request; header names lower case. */
    record Seen(String method, String uri, Map<String, List<String>> headers, int remotePort) {
        String header(String name) {
            List<String> values = headers.get(name);
            return values == null ? null : String.join(",", values);
        }
    }

    private final HttpServer server;
    private final AtomicReference<Seen> last = new AtomicReference<>();
    private volatile CountDownLatch streamGate = new CountDownLatch(1);
    private volatile CountDownLatch uploadGate = new CountDownLatch(1);
    private final AtomicLong downloaded = new AtomicLong();

    FakeControlPlane() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/", this::hello);
        server.createContext("/stream", this::stream);
        server.createContext("/upload", this::upload);
        server.createContext("/slow-upload", this::slowUpload);
        server.createContext("/download", this::download);
        server.start();
    }

    InetSocketAddress address() { return server.getAddress(); }

    Seen last() { return last.get(); }

    void reset() {
        last.set(null);
        streamGate = new CountDownLatch(1);
        uploadGate = new CountDownLatch(1);
        downloaded.set(0);
    }

    void releaseStream() { streamGate.countDown(); }

    /** Lets {@code /slow-upload} start reading its request body. */
    void releaseUpload() { uploadGate.countDown(); }

    /** Bytes of {@code /download} written so far (the write blocks once the socket buffers are full). */
    long downloaded() { return downloaded.get(); }

    private void record(HttpExchange exchange) {
        Map<String, List<String>> headers = new TreeMap<>();
        exchange.getRequestHeaders().forEach((name, values) -> headers.put(name.toLowerCase(Locale.ROOT), List.copyOf(values)));
        last.set(new Seen(exchange.getRequestMethod(), exchange.getRequestURI().toString(), headers,
                exchange.getRemoteAddress().getPort()));
    }

    private void hello(HttpExchange exchange) throws IOException {
        record(exchange);
        exchange.getRequestBody().transferTo(OutputStream.nullOutputStream());
        byte[] body = "hello from the control plane".getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().add("Content-Type", "text/plain");
        exchange.getResponseHeaders().add("X-Upstream", "fake");
        exchange.sendResponseHeaders(200, body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }

    private void stream(HttpExchange exchange) throws IOException {
        record(exchange);
        exchange.getResponseHeaders().add("Content-Type", "text/plain");
        exchange.sendResponseHeaders(200, 0); // length 0 = chunked
        try (OutputStream out = exchange.getResponseBody()) {
            out.write("first\n".getBytes(StandardCharsets.UTF_8));
            out.flush();
            boolean released = streamGate.await(10, TimeUnit.SECONDS);
            out.write((released ? "second\n" : "the first chunk never reached the client\n").getBytes(StandardCharsets.UTF_8));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void slowUpload(HttpExchange exchange) throws IOException {
        try {
            uploadGate.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        upload(exchange);
    }

    /** {@code /download?bytes=N}: N bytes of {@link EdgeProxyTest.PatternStream}, counted as they are written. */
    private void download(HttpExchange exchange) throws IOException {
        record(exchange);
        long size = Long.parseLong(exchange.getRequestURI().getQuery().substring("bytes=".length()));
        exchange.sendResponseHeaders(200, size);
        byte[] buffer = new byte[64 * 1024];
        try (OutputStream out = exchange.getResponseBody(); InputStream in = new EdgeProxyTest.PatternStream(size)) {
            for (int n; (n = in.read(buffer)) > 0; ) {
                out.write(buffer, 0, n);
                downloaded.addAndGet(n);
            }
        }
    }

    private void upload(HttpExchange exchange) throws IOException {
        record(exchange);
        CRC32 crc = new CRC32();
        long count = 0;
        byte[] buffer = new byte[64 * 1024];
        try (InputStream in = exchange.getRequestBody()) {
            for (int n; (n = in.read(buffer)) > 0; ) {
                crc.update(buffer, 0, n);
                count += n;
            }
        }
        byte[] body = ("bytes=" + count + " crc=" + Long.toHexString(crc.getValue())).getBytes(StandardCharsets.UTF_8);
        exchange.sendResponseHeaders(200, body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }

    @Override
    public void close() { server.stop(0); }
}
