package dev.cove.sdk.code;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cove.sdk.errors.CoveException;
import dev.cove.sdk.errors.CoveTimeoutException;
import dev.cove.sdk.errors.InvalidArgumentException;
import dev.cove.sdk.internal.Envd;
import dev.cove.sdk.internal.Errors;
import dev.cove.sdk.internal.Json;
import dev.cove.sdk.internal.Transport;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * E2B's code-interpreter API of one sandbox, on port {@value #PORT} ({@code https://49999-<id>.<domain>}, or the
 * configured sandbox URL with E2B's routing headers). {@code /execute} answers NDJSON, one event per line, read as it
 * arrives: output reaches the callbacks while the code still runs. Sends the sandbox's traffic access token (private
 * ports) and, on {@code /execute}, its agent token, as {@code @e2b/code-interpreter} does.
 */
public final class CodeInterpreter {
    public static final int PORT = 49999;
    /** E2B's default execution limit. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(60);
    private static final ScheduledExecutorService TIMERS = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "cove-run-code-timeouts");
        t.setDaemon(true);
        return t;
    });

    private final Transport transport;
    private final String sandboxId;
    private final URI base;
    private final String trafficAccessToken;
    private final String envdAccessToken;

    public CodeInterpreter(Transport transport, String sandboxId, String domain, String trafficAccessToken,
                           String envdAccessToken) {
        this.transport = transport;
        this.sandboxId = sandboxId;
        this.base = Envd.portBase(transport, sandboxId, domain, PORT);
        this.trafficAccessToken = trafficAccessToken;
        this.envdAccessToken = envdAccessToken;
    }

    /** Runs {@code code}; returns once the execution ended, with everything it produced. */
    public Execution runCode(String code, RunCodeOptions options) {
        RunCodeOptions o = options == null ? new RunCodeOptions() : options;
        if (o.context != null && o.language != null)
            throw new InvalidArgumentException(0, "invalid_argument", "give a context or a language, not both");
        ObjectNode body = Json.object().put("code", code);
        if (o.context != null) body.put("context_id", o.context.id());
        if (o.language != null) body.put("language", o.language);
        if (!o.envs.isEmpty()) {
            ObjectNode envs = body.putObject("env_vars");
            o.envs.forEach(envs::put);
        }
        HttpRequest.Builder b = request("/execute").timeout(transport.config().requestTimeout())
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(Json.bytes(body)));
        if (envdAccessToken != null) b.header("X-Access-Token", envdAccessToken);
        HttpResponse<InputStream> response = transport.send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
        if (response.statusCode() != 200) throw error(response.statusCode(), response, Transport.drain(response.body()));

        Execution execution = new Execution();
        AtomicBoolean timedOut = new AtomicBoolean();
        InputStream in = response.body();
        ScheduledFuture<?> timer = o.timeout.isZero() ? null : TIMERS.schedule(() -> {
            timedOut.set(true);
            closeQuietly(in); // cancels the stream: the server sees the client leave and interrupts the kernel
        }, o.timeout.toMillis(), TimeUnit.MILLISECONDS);
        try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                if (line.isBlank()) continue;
                if (!event(execution, Json.parse(line.getBytes(StandardCharsets.UTF_8)), o)) return execution;
            }
            if (timedOut.get()) throw timeout(o.timeout);
            throw new CoveException(0, "stream_ended", "the code interpreter's stream ended before end_of_execution");
        } catch (IOException e) {
            if (timedOut.get()) throw timeout(o.timeout);
            throw Transport.transportFailure(base, e);
        } finally {
            if (timer != null) timer.cancel(false);
        }
    }

    /** Applies one event; false at {@code end_of_execution}. */
    private static boolean event(Execution x, JsonNode e, RunCodeOptions o) {
        String type = Json.text(e, "type");
        if (type == null) return true;
        switch (type) {
            case "stdout" -> {
                x.stdout.add(Json.text(e, "text"));
                o.onStdout.accept(new OutputMessage(Json.text(e, "text"), Json.text(e, "timestamp"), false));
            }
            case "stderr" -> {
                x.stderr.add(Json.text(e, "text"));
                o.onStderr.accept(new OutputMessage(Json.text(e, "text"), Json.text(e, "timestamp"), true));
            }
            case "result" -> {
                Result result = new Result(e);
                x.results.add(result);
                o.onResult.accept(result);
            }
            case "error" -> {
                x.error = new ExecutionError(Json.text(e, "name"), Json.text(e, "value"), Json.text(e, "traceback"));
                o.onError.accept(x.error);
            }
            case "number_of_executions" -> x.executionCount = e.path("execution_count").asInt();
            case "end_of_execution" -> { return false; }
            default -> { } // keepalive, and whatever a newer server adds
        }
        return true;
    }

    /** A new context (kernel) for {@code language} (null: python) starting in {@code cwd} (null: /home/user). */
    public CodeContext createCodeContext(String language, String cwd) {
        ObjectNode body = Json.object();
        if (language != null) body.put("language", language);
        if (cwd != null) body.put("cwd", cwd);
        return CodeContext.of(Json.parse(call("POST", "/contexts", body)));
    }

    public List<CodeContext> listCodeContexts() {
        List<CodeContext> out = new ArrayList<>();
        for (JsonNode n : Json.parse(call("GET", "/contexts", null))) out.add(CodeContext.of(n));
        return out;
    }

    /** Restarts the context's kernel: its variables and imports are gone, its id stays. */
    public void restartCodeContext(String contextId) { call("POST", "/contexts/" + contextId + "/restart", null); }

    public void removeCodeContext(String contextId) { call("DELETE", "/contexts/" + contextId, null); }

    private byte[] call(String method, String path, JsonNode body) {
        HttpRequest.Builder b = request(path).timeout(transport.config().requestTimeout())
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofByteArray(Json.bytes(body)));
        if (body != null) b.header("Content-Type", "application/json");
        HttpResponse<byte[]> r = transport.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
        if (r.statusCode() >= 300) throw error(r.statusCode(), r, r.body());
        return r.body();
    }

    private HttpRequest.Builder request(String path) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path))
                .header("User-Agent", Transport.USER_AGENT)
                .header("E2b-Sandbox-Id", sandboxId)
                .header("E2b-Sandbox-Port", Integer.toString(PORT));
        if (trafficAccessToken != null) b.header("E2B-Traffic-Access-Token", trafficAccessToken);
        return b;
    }

    private static CoveException error(int status, HttpResponse<?> r, byte[] body) {
        if (status == 502) {
            return new CoveTimeoutException(502, "sandbox_unreachable", new String(body, StandardCharsets.UTF_8).strip()
                    + ": the code interpreter did not answer; the sandbox may have timed out (see setTimeout)");
        }
        return Errors.fromHttp(status, r.headers(), body);
    }

    private static CoveTimeoutException timeout(Duration limit) {
        return new CoveTimeoutException(0, "execution_timeout", "the execution ran longer than " + limit.toMillis()
                + " ms and was interrupted; give RunCodeOptions.timeout a longer limit");
    }

    private static void closeQuietly(InputStream in) {
        try {
            in.close();
        } catch (IOException ignored) {
            // closing is all we wanted
        }
    }
}
