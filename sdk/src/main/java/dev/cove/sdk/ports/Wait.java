package dev.cove.sdk.ports;

import dev.cove.sdk.Access;
import dev.cove.sdk.Sandbox;
import dev.cove.sdk.errors.CoveException;
import dev.cove.sdk.errors.CoveTimeoutException;

import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * Ready checks for {@link Sandbox#waitForPort(int, WaitStrategy)}:
 * <pre>{@code
 * sbx.waitForPort(5432, Wait.forListeningPort());
 * sbx.waitForPort(8000, Wait.forHttp("/health").forStatusCode(200).withStartupTimeout(Duration.ofSeconds(30)));
 * }</pre>
 * Both look from inside the sandbox, so they work whatever the port's access policy is. Given to
 * {@link Sandbox#expose(int, Access, WaitStrategy, Duration)} they become the server's readiness check instead
 * ({@link Readiness#of(WaitStrategy)}), which looks from outside, through the edge.
 */
public final class Wait {
    static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(60);
    static final Duration POLL = Duration.ofMillis(200);

    private Wait() {}

    /** Ready once something listens on the port (any address, IPv4 or IPv6). */
    public static ListeningPortWaitStrategy forListeningPort() { return new ListeningPortWaitStrategy(DEFAULT_TIMEOUT); }

    /** Ready once {@code GET http://localhost:<port><path>} answers with an expected status (default 200). */
    public static HttpWaitStrategy forHttp(String path) { return new HttpWaitStrategy(path, Set.of(), DEFAULT_TIMEOUT); }

    /** Waits for a port to listen. */
    public static final class ListeningPortWaitStrategy implements WaitStrategy {
        private final Duration timeout;

        ListeningPortWaitStrategy(Duration timeout) { this.timeout = timeout; }

        Duration timeout() { return timeout; }

        @Override
        public void waitUntilReady(Sandbox sandbox, int port) {
            poll(timeout, () -> sandbox.ports().isListening(port), () -> "nothing listened on port " + port
                    + " of sandbox " + sandbox.getSandboxId() + " within " + timeout + " (listening: "
                    + sandbox.ports().listening() + ")");
        }

        @Override
        public ListeningPortWaitStrategy withStartupTimeout(Duration timeout) { return new ListeningPortWaitStrategy(timeout); }
    }

    /** Waits for an HTTP answer, checked with {@code curl} inside the sandbox. */
    public static final class HttpWaitStrategy implements WaitStrategy {
        private final String path;
        private final Set<Integer> statuses;
        private final Duration timeout;

        HttpWaitStrategy(String path, Set<Integer> statuses, Duration timeout) {
            if (path == null || !path.startsWith("/")) throw new IllegalArgumentException("path must start with /: " + path);
            if (path.contains("'")) throw new IllegalArgumentException("path must not contain a quote: " + path);
            this.path = path;
            this.statuses = statuses;
            this.timeout = timeout;
        }

        String path() { return path; }

        Set<Integer> statuses() { return statuses; }

        Duration timeout() { return timeout; }

        /** Accept this status too (the first call replaces the default 200). */
        public HttpWaitStrategy forStatusCode(int status) {
            Set<Integer> s = new LinkedHashSet<>(statuses);
            s.add(status);
            return new HttpWaitStrategy(path, s, timeout);
        }

        @Override
        public HttpWaitStrategy withStartupTimeout(Duration timeout) { return new HttpWaitStrategy(path, statuses, timeout); }

        @Override
        public void waitUntilReady(Sandbox sandbox, int port) {
            Set<Integer> expected = statuses.isEmpty() ? Set.of(200) : statuses;
            String check = "curl -s -o /dev/null -w '%{http_code}' --max-time 3 'http://localhost:" + port + path + "'; true";
            String[] last = {"none"};
            poll(timeout, () -> {
                String code = sandbox.commands().run(check).stdout().strip();
                last[0] = code.equals("000") ? "no answer" : "HTTP " + code;
                try {
                    return expected.contains(Integer.parseInt(code));
                } catch (NumberFormatException e) {
                    return false;
                }
            }, () -> "GET http://localhost:" + port + path + " in sandbox " + sandbox.getSandboxId() + " did not answer "
                    + expected + " within " + timeout + " (last: " + last[0] + ")");
        }
    }

    static void poll(Duration timeout, BooleanSupplier ready, Supplier<String> failure) {
        Instant deadline = Instant.now().plus(timeout);
        while (true) {
            if (ready.getAsBoolean()) return;
            if (Instant.now().isAfter(deadline)) throw new CoveTimeoutException(0, "wait_timeout", failure.get());
            try {
                Thread.sleep(POLL.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new CoveException(0, "interrupted", "interrupted while waiting", e);
            }
        }
    }
}
