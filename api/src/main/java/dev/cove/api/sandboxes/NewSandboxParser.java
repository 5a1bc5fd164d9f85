package dev.cove.api.sandboxes;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cove.api.ApiConfig;
import dev.cove.api.http.JsonBody;
import dev.cove.api.lifecycle.NewSandbox;
import dev.cove.api.store.NetworkConfig;
import dev.cove.core.CoveException;
import dev.cove.core.routing.PortAccess;
import dev.cove.core.routing.SandboxHost;

import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Reads and validates E2B's {@code NewSandbox} (v1) and {@code NewSandboxV2} bodies. Unknown fields are ignored
 * (newer clients send more), but E2B features Cove does not implement yet are refused with a 400 naming the
 * field, never silently dropped.
 */
final class NewSandboxParser {
    /** E2B's SDK constant {@code ALL_TRAFFIC}. */
    static final String ALL_TRAFFIC = "0.0.0.0/0";
    static final String DOMAINS_REQUIRE_BLOCK_ALL = "When specifying allowed domains in allow out, you must include "
            + "'ALL_TRAFFIC' in deny out to block all other traffic.";
    static final String PUBLIC_ACCESS_REQUIRES_SECURE = "You cannot create a sandbox without public access unless "
            + "you enable secure envd access via 'secure' flag.";
    static final String AGENT_TOKEN_REQUIRED = "'secure: false' is refused: on this Cove server "
            + "(--default-port-access private, the shipped default) every sandbox's agent API (envd: commands, files) "
            + "requires the sandbox's envdAccessToken, which the create response carries and the SDKs send by "
            + "themselves. Omit 'secure' or send true. For E2B's behaviour (an agent API open to anyone who knows the "
            + "sandbox's id), the operator starts Cove with --default-port-access public.";
    private static final Pattern DOMAIN = Pattern.compile(
            "^(\\*\\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\\.)*[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$",
            Pattern.CASE_INSENSITIVE);
    private static final Pattern IPV4 = Pattern.compile("^\\d{1,3}(\\.\\d{1,3}){3}$");
    private static final Pattern HOST_CHARS = Pattern.compile("^[A-Za-z0-9._\\-\\[\\]:${}]+$");

    enum Version { V1, V2 }

    private final ApiConfig config;
    private final Version version;

    NewSandboxParser(ApiConfig config, Version version) {
        this.config = config;
        this.version = version;
    }

    /** Default timeout when the body has none: 15 s on v1, 300 s on v2 (as E2B's API). */
    int defaultTimeoutSeconds() { return version == Version.V1 ? 15 : 300; }

    NewSandbox parse(JsonBody body) {
        String template = body.string("templateID");
        if (template == null) throw JsonBody.parseError("field 'templateID' is required (e.g. \"base\")");
        if (template.isBlank()) throw JsonBody.parseError("field 'templateID' must not be empty (e.g. \"base\")");

        Duration timeout = Duration.ofSeconds(checkCreateTimeout(body.int32("timeout"), defaultTimeoutSeconds(), config));

        refuseUnsupported(body);

        boolean secure = secure(body.bool("secure"));
        Boolean allowInternetAccess = body.bool("allow_internet_access");
        NetworkConfig network = parseNetwork(body.object("network"));
        if (network != null && !network.publicTrafficAllowed() && !secure) {
            throw CoveException.badRequest(PUBLIC_ACCESS_REQUIRES_SECURE);
        }
        Map<String, String> metadata = body.stringMap("metadata");
        Map<String, String> envVars = body.stringMap("envVars");
        Integer cpuCount = checkRange(body.int32("cpuCount"), "cpuCount", 1, MAX_CPUS);
        Integer memoryMB = checkRange(body.int32("memoryMB"), "memoryMB", MIN_MEMORY_MB, MAX_MEMORY_MB);
        // the node's own bounds (--max-disk-mb) are the runtime's to check: a 400 naming them
        Integer diskSizeMB = checkRange(body.int32("diskSizeMB"), "diskSizeMB", 1, MAX_DISK_MB);
        JsonBody portAccess = body.object("portAccess");
        PortAccess defaultAccess = null;
        Map<Integer, PortAccess> ports = new LinkedHashMap<>();
        if (portAccess != null) {
            String d = portAccess.string("default", "portAccess.default");
            if (d != null) {
                defaultAccess = PortAccess.parse(d, "portAccess.default");
                if (defaultAccess == PortAccess.LINK) {
                    throw CoveException.badRequest("portAccess.default must be \"private\" or \"public\"; \"link\" "
                            + "is for single ports (a share link opens one port)");
                }
            }
            Map<String, String> perPort = portAccess.stringMap("ports", "portAccess.ports");
            if (perPort != null) {
                perPort.forEach((k, v) -> ports.put(portNumber(k, "portAccess.ports"),
                        PortAccess.parse(v, "portAccess.ports." + k)));
            }
        }
        return new NewSandbox(template.strip(), timeout, metadata, envVars, secure, allowInternetAccess, network,
                cpuCount, memoryMB, defaultAccess, ports, lifecycle(body), diskSizeMB);
    }

    /**
     * Whether the sandbox's agent API needs its envdAccessToken. Under {@code public} (the drop-in setting) E2B's
     * rules: v2 always, v1 only when asked (the SDKs ask by default). Under {@code private} (shipped) always, since an
     * open agent runs commands as root for anyone who learns the sandbox's id; asking for an open one is refused,
     * saying how to get E2B's behaviour, rather than quietly secured.
     */
    boolean secure(Boolean asked) {
        if (config.defaultPortAccess() == PortAccess.PUBLIC) return version == Version.V2 || Boolean.TRUE.equals(asked);
        if (Boolean.FALSE.equals(asked)) throw new CoveException(400, "secure_required", AGENT_TOKEN_REQUIRED);
        return true;
    }

    /** E2B's autoPause, autoPauseMemory and autoResume, with E2B's rules for combining them. */
    static NewSandbox.Lifecycle lifecycle(JsonBody body) {
        boolean autoPause = Boolean.TRUE.equals(body.bool("autoPause"));
        Boolean memory = body.bool("autoPauseMemory");
        JsonBody resume = body.object("autoResume");
        boolean autoResume = resume != null && Boolean.TRUE.equals(resume.bool("enabled", "autoResume.enabled"));
        if (Boolean.FALSE.equals(memory) && !autoPause) {
            throw CoveException.badRequest("autoPauseMemory: false needs autoPause: true (it says how the timeout pauses)");
        }
        if (Boolean.FALSE.equals(memory) && autoResume) {
            throw CoveException.badRequest("autoPauseMemory: false cannot be combined with autoResume: a sandbox paused "
                    + "without its memory restarts on resume, so traffic cannot wake what was running");
        }
        return new NewSandbox.Lifecycle(autoPause, memory == null || memory, autoResume);
    }

    /** A sandbox port number (1-65535, not the agent's 49983), from a JSON key or path segment. */
    static int portNumber(String text, String field) {
        int port;
        try {
            port = Integer.parseInt(text.strip());
        } catch (NumberFormatException e) {
            throw CoveException.badRequest(field + ": '" + text + "' is not a port number (1-65535)");
        }
        if (port < 1 || port > 65535) throw CoveException.badRequest(field + ": " + port + " is not a port number (1-65535)");
        if (port == SandboxHost.AGENT_PORT) {
            throw CoveException.badRequest(field + ": " + port + " is the sandbox agent's port; its access is the "
                    + "envd access token's");
        }
        return port;
    }

    static final int MAX_CPUS = 64;
    static final int MIN_MEMORY_MB = 32;
    static final int MAX_MEMORY_MB = 1 << 20;
    static final int MAX_DISK_MB = 1 << 24;

    /** Resource sizes are a Cove extension (E2B sizes come from the template); out of range is a 400, not a clamp. */
    private static Integer checkRange(Integer value, String field, int min, int max) {
        if (value != null && (value < min || value > max)) {
            throw CoveException.badRequest(field + " must be between " + min + " and " + max + ", got " + value);
        }
        return value;
    }

    /** E2B's rules for a create/connect timeout in seconds; returns the timeout to use. */
    static int checkCreateTimeout(Integer timeout, int defaultSeconds, ApiConfig config) {
        if (timeout == null) return Math.min(defaultSeconds, (int) Math.min(Integer.MAX_VALUE,
                config.maxSandboxLength().toSeconds()));
        if (timeout <= 0) throw CoveException.badRequest("Timeout must be greater than 0");
        checkNotAboveMax(timeout, config);
        return timeout;
    }

    static void checkNotAboveMax(int timeout, ApiConfig config) {
        if (timeout > config.maxSandboxLength().toSeconds()) {
            throw CoveException.badRequest("Timeout cannot be greater than " + describe(config.maxSandboxLength()));
        }
    }

    /** "24 hours", "1 hour", "90 minutes", "30 seconds": E2B says hours; smaller limits stay readable. */
    static String describe(Duration d) {
        long s = d.toSeconds();
        if (s % 3600 == 0) return plural(s / 3600, "hour");
        if (s % 60 == 0) return plural(s / 60, "minute");
        return plural(s, "second");
    }

    private static String plural(long n, String unit) { return n + " " + unit + (n == 1 ? "" : "s"); }

    private void refuseUnsupported(JsonBody body) {
        if (body.has("mcp")) {
            throw unsupported("mcp", "MCP gateway", "omit it or send null");
        }
        JsonNode volumes = body.raw("volumeMounts");
        if (volumes != null && !(volumes.isArray() && volumes.isEmpty())) {
            throw unsupported("volumeMounts", "persistent volumes", "omit it or send an empty list");
        }
        JsonNode iam = body.raw("iam");
        if (iam != null && !isEmptyIam(iam)) {
            throw unsupported("iam", "workload identity tokens", "omit it");
        }
    }

    private static boolean isEmptyIam(JsonNode iam) {
        if (!iam.isObject()) return false;
        JsonNode tokens = iam.get("tokens");
        boolean noTokens = tokens == null || tokens.isNull() || (tokens.isObject() && tokens.isEmpty());
        return noTokens && (iam.size() == 0 || (iam.size() == 1 && iam.has("tokens")));
    }

    static CoveException unsupported(String field, String feature, String fix) {
        return new CoveException(400, "unsupported_feature",
                "The field '" + field + "' (" + feature + ") is not supported by Cove yet; " + fix + ".");
    }

    private static NetworkConfig parseNetwork(JsonBody net) {
        if (net == null) return null;
        if (net.has("egressProxy")) {
            throw unsupported("network.egressProxy", "SOCKS5 egress proxy", "omit it or send null");
        }
        JsonNode rules = net.raw("rules");
        if (rules != null && !(rules.isObject() && rules.isEmpty())) {
            throw unsupported("network.rules", "per-domain request transforms", "omit it or send null");
        }
        Boolean allowPublicTraffic = net.bool("allowPublicTraffic", "network.allowPublicTraffic");
        List<String> allowOut = net.stringList("allowOut", "network.allowOut");
        List<String> denyOut = net.stringList("denyOut", "network.denyOut");
        String maskRequestHost = net.string("maskRequestHost", "network.maskRequestHost");
        validateEgress(allowOut, denyOut);
        if (maskRequestHost != null) validateMaskRequestHost(maskRequestHost);
        return new NetworkConfig(allowPublicTraffic, allowOut, denyOut, maskRequestHost);
    }

    /** E2B's checks: denyOut holds IPs/CIDRs only; allowOut IPs, CIDRs or domains; domains need ALL_TRAFFIC denied. */
    static void validateEgress(List<String> allowOut, List<String> denyOut) {
        if (denyOut != null) {
            for (String cidr : denyOut) {
                if (!isIpOrCidr(cidr)) throw CoveException.badRequest("invalid denied CIDR " + cidr);
            }
        }
        if (allowOut == null || allowOut.isEmpty()) return;
        boolean hasDomain = false;
        for (String entry : allowOut) {
            if (isIpOrCidr(entry)) continue;
            if (!looksLikeIp(entry) && DOMAIN.matcher(entry).matches()) {
                hasDomain = true;
                continue;
            }
            throw CoveException.badRequest("invalid allowed address " + entry);
        }
        if (hasDomain && (denyOut == null || !denyOut.contains(ALL_TRAFFIC))) {
            throw CoveException.badRequest(DOMAINS_REQUIRE_BLOCK_ALL);
        }
    }

    private static void validateMaskRequestHost(String mask) {
        if (!StandardCharsets.US_ASCII.newEncoder().canEncode(mask)) {
            throw CoveException.badRequest("mask request host '" + mask + "' is not ASCII. Please use ASCII characters only.");
        }
        if (mask.isEmpty() || !HOST_CHARS.matcher(mask).matches()) {
            throw CoveException.badRequest("mask request host is not valid: " + mask);
        }
    }

    /** An IPv4/IPv6 literal or CIDR; never resolves names. */
    static boolean isIpOrCidr(String value) {
        if (value == null || value.isEmpty()) return false;
        String address = value;
        Integer prefix = null;
        int slash = value.indexOf('/');
        if (slash >= 0) {
            address = value.substring(0, slash);
            String bits = value.substring(slash + 1);
            if (bits.isEmpty() || bits.length() > 3 || !bits.chars().allMatch(Character::isDigit)) return false;
            prefix = Integer.parseInt(bits);
        }
        boolean v6 = address.indexOf(':') >= 0;
        if (!v6 && !IPV4.matcher(address).matches()) return false;
        try {
            InetAddress.ofLiteral(address);
        } catch (IllegalArgumentException e) {
            return false;
        }
        int max = v6 ? 128 : 32;
        return prefix == null || prefix <= max;
    }

    private static boolean looksLikeIp(String value) {
        return value.chars().allMatch(c -> c == '.' || c == '/' || Character.isDigit(c)) || value.indexOf(':') >= 0;
    }
}
