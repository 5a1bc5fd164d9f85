package dev.cove.sdk;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cove.sdk.code.CodeContext;
import dev.cove.sdk.code.CodeInterpreter;
import dev.cove.sdk.code.Execution;
import dev.cove.sdk.code.RunCodeOptions;
import dev.cove.sdk.errors.CoveException;
import dev.cove.sdk.errors.CoveTimeoutException;
import dev.cove.sdk.errors.NotFoundException;
import dev.cove.sdk.errors.PortNotReadyException;
import dev.cove.sdk.files.Filesystem;
import dev.cove.sdk.internal.Envd;
import dev.cove.sdk.internal.Json;
import dev.cove.sdk.internal.Transport;
import dev.cove.sdk.ports.ExposeOptions;
import dev.cove.sdk.ports.ExposedPort;
import dev.cove.sdk.ports.Ports;
import dev.cove.sdk.ports.Wait;
import dev.cove.sdk.ports.WaitStrategy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A Cove sandbox: an isolated Linux machine for an agent's code, with its own processes, files and ports. Closing
 * it kills it, so try-with-resources cleans up:
 * <pre>{@code
 * try (Sandbox sbx = Sandbox.create()) {
 *     CommandResult r = sbx.commands().run("echo hello");
 *     sbx.files().write("/home/user/app.py", code);
 *     CommandHandle app = sbx.commands().start("python3 /home/user/app.py");
 *     ExposedPort web = sbx.expose(8000, Access.PRIVATE, Wait.forHttp("/").forStatusCode(200), null);
 *     ShareLink link = web.share(Duration.ofMinutes(10));   // link.url() opens the private port for 10 minutes
 * }
 * }</pre>
 * Configuration comes from {@link CoveConfig#fromEnvironment()} unless given. Methods are thread-safe.
 */
public final class Sandbox implements AutoCloseable {
    /** E2B's default: 5 minutes. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofMinutes(5);
    public static final String DEFAULT_TEMPLATE = "base";

    private final Transport transport;
    private final String sandboxId;
    private final String templateId;
    private final String alias;
    private final String envdVersion;
    private final String envdAccessToken;
    private final String trafficAccessToken;
    private volatile Access defaultPortAccess;
    private final String domain;
    private final Envd envd;
    private final Commands commands;
    private final Filesystem files;
    private final Pty pty;
    private final Ports ports;
    private final CodeInterpreter code;

    private Sandbox(Transport transport, JsonNode created) {
        this.transport = transport;
        this.sandboxId = Json.text(created, "sandboxID");
        this.templateId = Json.text(created, "templateID");
        this.alias = Json.text(created, "alias");
        this.envdVersion = Json.text(created, "envdVersion");
        this.envdAccessToken = Json.text(created, "envdAccessToken");
        this.trafficAccessToken = Json.text(created, "trafficAccessToken");
        JsonNode portAccess = created.get("portAccess");
        this.defaultPortAccess = portAccess != null && portAccess.isObject()
                ? Access.fromServer(Json.text(portAccess, "default")) : null;
        String d = Json.text(created, "domain");
        this.domain = d != null && !d.isEmpty() ? d : transport.config().domain();
        this.envd = new Envd(transport, sandboxId, domain, envdAccessToken);
        this.commands = new Commands(envd, null);
        this.files = new Filesystem(envd, null);
        this.pty = new Pty(envd);
        this.ports = new Ports(this, transport);
        this.code = new CodeInterpreter(transport, sandboxId, domain, trafficAccessToken, envdAccessToken);
    }

    // ------------------------------------------------------------------ creating, finding

    /** A new sandbox of the {@code base} template with the default timeout (5 minutes). */
    public static Sandbox create() { return builder().create(); }

    /** A new sandbox of this template with the default timeout (5 minutes). */
    public static Sandbox create(String template) { return builder().template(template).create(); }

    public static Builder builder() { return new Builder(); }

    /**
     * Attaches to a running sandbox by id (and extends its life to at least 5 more minutes, never shortens it).
     *
     * @throws NotFoundException when it does not exist or has ended
     */
    public static Sandbox connect(String sandboxId) { return connect(sandboxId, CoveConfig.fromEnvironment()); }

    public static Sandbox connect(String sandboxId, CoveConfig config) { return connect(sandboxId, null, config); }

    /** As {@link #connect(String)}, keeping it alive at least {@code timeout} from now (null: 5 minutes). */
    public static Sandbox connect(String sandboxId, Duration timeout, CoveConfig config) {
        Transport t = Transport.of(config);
        ObjectNode body = Json.object();
        if (timeout != null) body.put("timeout", seconds(timeout));
        JsonNode r = t.api("POST", "/v2/sandboxes/" + Envd.enc(checkId(sandboxId)) + "/connect", body).body;
        return new Sandbox(t, r);
    }

    /** The first page(s) of live sandboxes matching the query; see {@link SandboxPaginator}. */
    public static SandboxPaginator list(SandboxQuery query) { return list(query, CoveConfig.fromEnvironment()); }

    public static SandboxPaginator list(SandboxQuery query, CoveConfig config) { return list(query, null, config); }

    /** Resumes listing from a {@link SandboxPaginator#nextToken()}. */
    public static SandboxPaginator list(SandboxQuery query, String nextToken, CoveConfig config) {
        return new SandboxPaginator(Transport.of(config), Objects.requireNonNull(query, "query"), nextToken);
    }

    /** Kills a sandbox by id: true when it was running, false when it did not exist or had ended already. */
    public static boolean kill(String sandboxId, CoveConfig config) {
        try {
            Transport.of(config).api("DELETE", "/sandboxes/" + Envd.enc(checkId(sandboxId)), null);
            return true;
        } catch (NotFoundException e) {
            return false;
        }
    }

    /** Details of a live sandbox by id. @throws NotFoundException once it ended or if it never existed */
    public static SandboxInfo getInfo(String sandboxId, CoveConfig config) {
        return SandboxInfo.of(Transport.of(config).api("GET", "/sandboxes/" + Envd.enc(checkId(sandboxId)), null).body);
    }

    /** Sets when a sandbox ends, counted from now (may shorten; zero ends it now). */
    public static void setTimeout(String sandboxId, Duration timeout, CoveConfig config) {
        ObjectNode body = Json.object();
        body.put("timeout", seconds(timeout));
        Transport.of(config).api("POST", "/sandboxes/" + Envd.enc(checkId(sandboxId)) + "/timeout", body);
    }

    // ------------------------------------------------------------------ this sandbox

    public String getSandboxId() { return sandboxId; }

    public String getTemplateId() { return templateId; }

    /** The template's alias (e.g. {@code base}), or null. */
    public String getAlias() { return alias; }

    /** The domain its hosts live under, possibly with a port ({@code cove.localhost:8443}). */
    public String getDomain() { return domain; }

    /** Version of the agent API it speaks (E2B's envd version). */
    public String getEnvdVersion() { return envdVersion; }

    /** The token its agent API requires ({@code X-Access-Token}); the SDK sends it. Treat it as a secret. */
    public String getEnvdAccessToken() { return envdAccessToken; }

    /**
     * The credential that opens this sandbox's non-public ports (header {@code e2b-traffic-access-token}, or
     * {@code Authorization: Bearer}); null when every port is public. A secret for the sandbox's owner: hand out
     * share links ({@link Ports#share}) instead.
     */
    public String getTrafficAccessToken() { return trafficAccessToken; }

    /**
     * The policy of ports that have none of their own: the sandbox's {@code portAccess} default, else the operator's.
     * Taken from the create answer when it carries it, else asked once ({@code GET /sandboxes/{id}/ports}).
     */
    public Access getDefaultPortAccess() {
        Access a = defaultPortAccess;
        if (a == null) defaultPortAccess = a = ports.list().defaultAccess();
        return a;
    }

    public CoveConfig config() { return transport.config(); }

    /** Running processes: run, start in the background, connect, list, kill, stdin. */
    public Commands commands() { return commands; }

    /** Files inside the sandbox: read, write, list, watch, signed URLs. */
    public Filesystem files() { return files; }

    /** Interactive terminals. */
    public Pty pty() { return pty; }

    /** Ports: what listens inside the sandbox, what is exposed, share links. */
    public Ports ports() { return ports; }

    /**
     * The host that reaches {@code port} inside this sandbox: {@code <port>-<sandbox id>.<domain>} (E2B's shape),
     * e.g. {@code 3000-29mwvfj3bt92f0ajw2l4.cove.localhost:8443}; use it as {@code https://<host>/}.
     * <p>
     * The URL lives only as long as the sandbox: once it is killed or its timeout passes, it answers
     * {@code 410 sandbox_ended}. It is public only if made so ({@link Access#PUBLIC} at create or by
     * {@link #expose}, or the operator's default); otherwise every request needs a credential, the
     * {@link #getTrafficAccessToken() traffic access token} or a share link, and is refused with {@code 401}/{@code 403}
     * without one. This method only builds the name; it checks nothing. {@link #expose} checks that the port answers
     * and says until when the URL works.
     */
    public String getHost(int port) {
        if (port < 1 || port > 65535) throw new IllegalArgumentException("port must be 1..65535, got " + port);
        return port + "-" + sandboxId + "." + domain;
    }

    // ------------------------------------------------------------------ code interpreter (template code-interpreter-v1)

    /**
     * Runs Python in the sandbox's default kernel (template {@code code-interpreter-v1}); state stays between calls.
     * An error the code raises is in {@link Execution#error()}, not thrown.
     */
    public Execution runCode(String code) { return this.code.runCode(code, null); }

    /** {@link #runCode(String)} in another language or context, with variables, a time limit and callbacks. */
    public Execution runCode(String code, RunCodeOptions options) { return this.code.runCode(code, options); }

    /** A new kernel for {@code language} (null: python) starting in {@code cwd} (null: /home/user). */
    public CodeContext createCodeContext(String language, String cwd) { return code.createCodeContext(language, cwd); }

    public List<CodeContext> listCodeContexts() { return code.listCodeContexts(); }

    /** Restarts the context's kernel: its state is gone, the context stays. */
    public void restartCodeContext(CodeContext context) { code.restartCodeContext(context.id()); }

    public void removeCodeContext(CodeContext context) { code.removeCodeContext(context.id()); }

    /** {@code https://} + {@link #getHost(int)} + {@code /}; the same lifetime and visibility notes apply. */
    public String getUrl(int port) { return "https://" + getHost(port) + "/"; }

    /**
     * Opens {@code port}'s URL once it is ready, and returns it with who may use it and until when.
     * <p>
     * The server waits until the port answers <em>through the edge, from outside</em> ({@code readiness}) and hands
     * out the URL only then; otherwise it throws {@link PortNotReadyException} with the reason (nothing listens,
     * bound where the edge cannot reach, wrong HTTP status, the process exited) and the port stays unexposed.
     * <p>
     * A URL lives only as long as its sandbox (then {@code 410 sandbox_ended}) and at most until
     * {@link ExposedPort#expiresAt()}. It is public only if made so: with {@link Access#PRIVATE} or
     * {@link Access#LINK} every request needs {@link ExposedPort#token()} or a share link.
     *
     * @param port      1..65535
     * @param access    who gets through; null keeps the port's current policy
     * @param readiness {@link Wait#forListeningPort()} (also when null) or {@link Wait#forHttp(String)} with one
     *                  status; its startup timeout is how long the server waits
     * @param ttl       the exposure window; null: as long as the sandbox lives
     * @throws PortNotReadyException when the port was not ready in time (HTTP 409, {@link CoveException#code()} the reason)
     */
    public ExposedPort expose(int port, Access access, WaitStrategy readiness, Duration ttl) {
        return expose(port, new ExposeOptions().access(access).readiness(readiness).ttl(ttl));
    }

    /** {@link #expose(int, Access, WaitStrategy, Duration)} with the default readiness (tcp) for the sandbox's lifetime. */
    public ExposedPort expose(int port, Access access) { return expose(port, new ExposeOptions().access(access)); }

    /** {@link #expose(int, Access)} keeping the port's current policy (private unless made otherwise). */
    public ExposedPort expose(int port) { return expose(port, new ExposeOptions()); }

    /**
     * {@link #expose(int, Access, WaitStrategy, Duration)} with every option, e.g. a share link made at once:
     * {@code sbx.expose(3000, new ExposeOptions().access(Access.PRIVATE).link(Duration.ofMinutes(10))).link().url()}.
     */
    public ExposedPort expose(int port, ExposeOptions options) { return ports.expose(port, options); }

    /** Closes {@code port}'s URL now ({@code 403 exposure_expired} until exposed again); its share links stop too. */
    public void unexpose(int port) { ports.unexpose(port); }

    /** The sandbox's port audit log, oldest first (the server's default limit, 500 events). */
    public List<AuditEvent> audit() { return audit(0); }

    /** The sandbox's port audit log, oldest first, at most {@code limit} events (0: the server's default). */
    public List<AuditEvent> audit(int limit) {
        if (limit < 0) throw new IllegalArgumentException("limit must not be negative, got " + limit);
        JsonNode n = transport.api("GET", "/sandboxes/" + Envd.enc(sandboxId) + "/audit"
                + (limit > 0 ? "?limit=" + limit : ""), null).body;
        List<AuditEvent> out = new ArrayList<>();
        JsonNode events = n.get("events");
        if (events != null && events.isArray()) events.forEach(e -> out.add(AuditEvent.of(e)));
        return out;
    }

    /** Details from the control plane. @throws NotFoundException once the sandbox has ended */
    public SandboxInfo getInfo() { return getInfo(sandboxId, transport.config()); }

    /**
     * True while the sandbox runs: asks its agent API ({@code /health}), as E2B's SDK does; false once it ended.
     */
    public boolean isRunning() {
        int status = envd.health();
        if (status >= 200 && status < 300) return true;
        if (status == 502 || status == 404 || status == 410) return false;
        throw new CoveException(status, null, "the sandbox's health check answered HTTP " + status);
    }

    /**
     * Sets when this sandbox ends, counted from now (E2B's semantics: may shorten, may lengthen up to the server's
     * maximum; rounded up to whole seconds).
     */
    public void setTimeout(Duration timeout) { setTimeout(sandboxId, timeout, transport.config()); }

    /** Kills the sandbox now: true when this call ended it, false when it had ended already. */
    public boolean kill() { return kill(sandboxId, transport.config()); }

    /**
     * Blocks until {@code strategy} finds the port ready, e.g.
     * {@code waitForPort(8000, Wait.forHttp("/health").forStatusCode(200).withStartupTimeout(Duration.ofSeconds(30)))}.
     *
     * @throws CoveTimeoutException when the strategy's startup timeout passes first
     */
    public Sandbox waitForPort(int port, WaitStrategy strategy) {
        strategy.waitUntilReady(this, port);
        return this;
    }

    /** {@link #waitForPort(int, WaitStrategy)} with {@link Wait#forListeningPort()}. */
    public Sandbox waitForPort(int port) { return waitForPort(port, Wait.forListeningPort()); }

    /** Kills the sandbox (quietly if it has ended already). */
    @Override
    public void close() { kill(); }

    @Override
    public String toString() { return "Sandbox{" + sandboxId + " @ " + domain + "}"; }

    Envd envd() { return envd; }

    Transport transport() { return transport; }

    static int seconds(Duration d) {
        if (d.isNegative()) throw new IllegalArgumentException("timeout must not be negative: " + d);
        long s = d.getSeconds() + (d.getNano() > 0 ? 1 : 0); // E2B: ceil(ms / 1000)
        return (int) Math.min(Integer.MAX_VALUE, s);
    }

    private static String checkId(String id) {
        if (id == null || id.isBlank()) throw new IllegalArgumentException("sandbox id is required");
        return id.strip();
    }

    /**
     * Options of a new sandbox; {@link #create()} makes it. Unset fields take the server's defaults (template
     * {@code base}, the operator's cpu and memory).
     */
    public static final class Builder {
        private CoveConfig config;
        private String template = DEFAULT_TEMPLATE;
        private Duration timeout = DEFAULT_TIMEOUT;
        private final Map<String, String> metadata = new LinkedHashMap<>();
        private final Map<String, String> envVars = new LinkedHashMap<>();
        private Integer cpuCount;
        private Integer memoryMB;
        private Boolean allowInternetAccess;
        private Boolean allowPublicTraffic;
        private List<String> allowOut;
        private List<String> denyOut;
        private String maskRequestHost;
        private Access defaultPortAccess;
        private final Map<Integer, Access> portAccess = new LinkedHashMap<>();

        private Builder() {}

        public Builder config(CoveConfig config) { this.config = config; return this; }

        public Builder template(String template) { this.template = Objects.requireNonNull(template); return this; }

        /** How long it lives unless extended (default 5 minutes; the server caps it). */
        public Builder timeout(Duration timeout) { this.timeout = Objects.requireNonNull(timeout); return this; }

        public Builder metadata(String key, String value) { metadata.put(key, value); return this; }

        public Builder metadata(Map<String, String> pairs) { metadata.putAll(pairs); return this; }

        /** An environment variable of every process in the sandbox. */
        public Builder envVar(String name, String value) { envVars.put(name, value); return this; }

        public Builder envVars(Map<String, String> vars) { envVars.putAll(vars); return this; }

        /** CPUs (Cove's extension; default: the operator's). */
        public Builder cpuCount(int cpuCount) { this.cpuCount = cpuCount; return this; }

        /** Memory limit in MiB (Cove's extension; default: the operator's). */
        public Builder memoryMB(int memoryMB) { this.memoryMB = memoryMB; return this; }

        /** E2B's {@code allow_internet_access}: false blocks all outbound traffic. */
        public Builder allowInternetAccess(boolean allow) { this.allowInternetAccess = allow; return this; }

        /**
         * E2B's {@code network.allowPublicTraffic}: true makes every port public, false makes every port require the
         * header {@code e2b-traffic-access-token: <getTrafficAccessToken()>} (E2B's answers); either way it wins over
         * {@link #portAccess}.
         */
        public Builder allowPublicTraffic(boolean allow) { this.allowPublicTraffic = allow; return this; }

        /** E2B's {@code network.allowOut}: CIDRs, IPs or domains allowed out (domains need {@code denyOut("0.0.0.0/0")}). */
        public Builder allowOut(String... destinations) { this.allowOut = new ArrayList<>(List.of(destinations)); return this; }

        /** E2B's {@code network.denyOut}: CIDRs or IPs denied out; {@code 0.0.0.0/0} denies everything not allowed. */
        public Builder denyOut(String... cidrs) { this.denyOut = new ArrayList<>(List.of(cidrs)); return this; }

        /** E2B's {@code network.maskRequestHost}: the Host header ports see, e.g. {@code localhost:${PORT}}. */
        public Builder maskRequestHost(String host) { this.maskRequestHost = host; return this; }

        /**
         * The policy of every port that has none of its own (Cove's {@code portAccess.default}; default: the
         * operator's, shipped as private). E2B's {@link #allowPublicTraffic(boolean)} overrides it when set.
         */
        public Builder portAccess(Access defaultAccess) { this.defaultPortAccess = Objects.requireNonNull(defaultAccess); return this; }

        /** The policy of one port (Cove's {@code portAccess.ports}); {@link Access#LINK} ports need a share link or the token. */
        public Builder portAccess(int port, Access access) {
            Ports.checkPort(port);
            portAccess.put(port, Objects.requireNonNull(access));
            return this;
        }

        /** Creates the sandbox ({@code POST /v2/sandboxes}); it runs when this returns. */
        public Sandbox create() {
            Transport t = Transport.of(config != null ? config : CoveConfig.fromEnvironment());
            return new Sandbox(t, t.api("POST", "/v2/sandboxes", body()).body);
        }

        ObjectNode body() {
            ObjectNode b = Json.object();
            b.put("templateID", template);
            b.put("timeout", seconds(timeout));
            if (!metadata.isEmpty()) metadata.forEach(b.putObject("metadata")::put);
            if (!envVars.isEmpty()) envVars.forEach(b.putObject("envVars")::put);
            if (cpuCount != null) b.put("cpuCount", cpuCount);
            if (memoryMB != null) b.put("memoryMB", memoryMB);
            if (allowInternetAccess != null) b.put("allow_internet_access", allowInternetAccess);
            if (allowPublicTraffic != null || allowOut != null || denyOut != null || maskRequestHost != null) {
                ObjectNode net = b.putObject("network");
                if (allowPublicTraffic != null) net.put("allowPublicTraffic", allowPublicTraffic);
                if (allowOut != null) allowOut.forEach(net.putArray("allowOut")::add);
                if (denyOut != null) denyOut.forEach(net.putArray("denyOut")::add);
                if (maskRequestHost != null) net.put("maskRequestHost", maskRequestHost);
            }
            if (defaultPortAccess != null || !portAccess.isEmpty()) {
                ObjectNode pa = b.putObject("portAccess");
                if (defaultPortAccess != null) pa.put("default", defaultPortAccess.wire());
                if (!portAccess.isEmpty()) {
                    ObjectNode ports = pa.putObject("ports");
                    portAccess.forEach((port, access) -> ports.put(Integer.toString(port), access.wire()));
                }
            }
            return b;
        }
    }
}
