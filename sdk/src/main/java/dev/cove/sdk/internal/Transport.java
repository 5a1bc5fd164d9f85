package dev.cove.sdk.internal;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cove.sdk.CoveConfig;
import dev.cove.sdk.errors.CoveException;
import dev.cove.sdk.errors.CoveTimeoutException;

import javax.net.ssl.SSLException;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.Collections;
import java.util.Map;
import java.util.WeakHashMap;

/**
 * One JDK {@link HttpClient} per {@link CoveConfig}, shared by every sandbox made with that configuration, and the
 * control-plane calls on it. HTTP/2 over TLS (ALPN), HTTP/1.1 on plain HTTP.
 */
public final class Transport {
    public static final String USER_AGENT = "cove-java-sdk/0.1.0";
    private static final Map<CoveConfig, Transport> SHARED = Collections.synchronizedMap(new WeakHashMap<>());

    private final CoveConfig config;
    private final HttpClient http;

    private Transport(CoveConfig config) {
        this.config = config;
        HttpClient.Builder b = HttpClient.newBuilder()
                .connectTimeout(Duration.ofSeconds(10))
                .followRedirects(HttpClient.Redirect.NORMAL)
                .version("https".equalsIgnoreCase(config.apiUrl().getScheme()) ? HttpClient.Version.HTTP_2
                        : HttpClient.Version.HTTP_1_1);
        if (config.sslContext() != null) b.sslContext(config.sslContext());
        this.http = b.build();
    }

    public static Transport of(CoveConfig config) { return SHARED.computeIfAbsent(config, Transport::new); }

    public CoveConfig config() { return config; }

    public HttpClient http() { return http; }

    /** A control-plane answer with a success status. */
    public static final class ApiResponse {
        public final int status;
        public final HttpHeaders headers;
        public final JsonNode body;

        ApiResponse(int status, HttpHeaders headers, JsonNode body) {
            this.status = status;
            this.headers = headers;
            this.body = body;
        }
    }

    /** Calls the control plane; any status of 300 or more becomes a typed {@link CoveException}. */
    public ApiResponse api(String method, String pathAndQuery, JsonNode body) {
        return api(method, pathAndQuery, body, config.requestTimeout());
    }

    /** As {@link #api(String, String, JsonNode)} with its own time limit (for calls the server may hold, e.g. expose). */
    public ApiResponse api(String method, String pathAndQuery, JsonNode body, Duration timeout) {
        URI uri = URI.create(config.apiUrl() + pathAndQuery);
        HttpRequest.Builder b = HttpRequest.newBuilder(uri)
                .timeout(timeout)
                .header("User-Agent", USER_AGENT)
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofByteArray(Json.bytes(body)));
        if (body != null) b.header("Content-Type", "application/json");
        if (config.apiKey() != null) b.header("X-API-KEY", config.apiKey());
        HttpResponse<byte[]> r = send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
        if (r.statusCode() >= 300) throw Errors.fromHttp(r.statusCode(), r.headers(), r.body());
        return new ApiResponse(r.statusCode(), r.headers(), Json.parse(r.body()));
    }

    /** Sends a request, turning transport failures into {@link CoveException}s that say what to check. */
    public <T> HttpResponse<T> send(HttpRequest request, HttpResponse.BodyHandler<T> handler) {
        try {
            return http.send(request, handler);
        } catch (HttpTimeoutException e) {
            throw new CoveTimeoutException(0, "request_timeout", request.method() + " " + request.uri()
                    + " got no answer within " + request.timeout().map(Duration::toString).orElse("the timeout"), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CoveException(0, "interrupted", "interrupted while calling " + request.uri(), e);
        } catch (IOException e) {
            throw transportFailure(request.uri(), e);
        }
    }

    public static CoveException transportFailure(URI uri, IOException e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) root = root.getCause();
        if (e instanceof ConnectException || root instanceof ConnectException) {
            return new CoveException(0, "unreachable", "cannot connect to " + uri.getScheme() + "://" + uri.getAuthority()
                    + ": is the Cove server running (`cove up`) and is COVE_API_URL / COVE_DOMAIN right?", e);
        }
        if (e instanceof SSLException || root instanceof SSLException
                || String.valueOf(root.getMessage()).contains("PKIX")) {
            return new CoveException(0, "tls_untrusted", "TLS to " + uri.getAuthority() + " failed (" + root.getMessage()
                    + "): trust Cove's CA with COVE_CA_CERT=<data dir>/tls/ca.crt (`cove ca export` prints it)", e);
        }
        return new CoveException(0, "io_error", "talking to " + uri.getAuthority() + " failed: " + e, e);
    }

    /** Reads what is left of a body, for error messages; never throws. */
    public static byte[] drain(InputStream in) {
        try (InputStream s = in) {
            return s.readNBytes(64 * 1024);
        } catch (IOException e) {
            return new byte[0];
        }
    }
}
