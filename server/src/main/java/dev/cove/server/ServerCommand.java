package dev.cove.server;

import dev.cove.api.ApiConfig;
import dev.cove.api.ControlPlane;
import dev.cove.api.cluster.ClusterConfig;
import dev.cove.api.store.PostgresLocation;
import dev.cove.api.store.StoreException;
import dev.cove.core.routing.PortAccess;
import dev.cove.edge.EdgeConfig;
import dev.cove.edge.EdgeServer;
import dev.cove.runtime.OciRuntime;
import dev.cove.runtime.RuntimeConfig;
import org.slf4j.bridge.SLF4JBridgeHandler;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/**
 * {@code cove server}: builds the base template (and those of {@code --build-templates}) if needed, with progress, then starts the planes in
 * dependency order (runtime → control plane → edge) and serves until SIGTERM/SIGINT. Sandboxes outlive
 * the server by design: a restart re-adopts them.
 */
@Command(name = "server", mixinStandardHelpOptions = true,
        description = "Run the Cove server in the foreground.",
        footer = {"", "Example:", "  cove server --data-dir /var/lib/cove --domain cove.localhost --https-port 8443"})
final class ServerCommand implements Callable<Integer> {

    @Option(names = "--data-dir", defaultValue = "/var/lib/cove", description = "State: database, TLS CA, sandboxes (default ${DEFAULT-VALUE}).")
    Path dataDir;

    @Option(names = "--template-dir", description = "Template cache (default <data-dir>/templates).")
    Path templateDir;

    @Option(names = "--build-templates", defaultValue = "base", split = ",", description = "Templates to build (or find "
            + "cached) before serving, with progress; others build on their first create, e.g. base,code-interpreter-v1 "
            + "(default ${DEFAULT-VALUE}).")
    List<String> buildTemplates;

    @Option(names = "--http-port", defaultValue = "8080", description = "Plain HTTP port; 0 picks a free one, -1 disables (default ${DEFAULT-VALUE}).")
    int httpPort;

    @Option(names = "--https-port", defaultValue = "8443", description = "HTTPS port; 0 picks a free one, -1 disables (default ${DEFAULT-VALUE}).")
    int httpsPort;

    @Option(names = "--domain", defaultValue = "cove.localhost", description = "Sandbox URLs are <port>-<id>.<domain>; the API is api.<domain> (default ${DEFAULT-VALUE}).")
    String domain;

    @Option(names = "--listen", defaultValue = "loopback", description = "Addresses to listen on, comma separated: 'loopback' (127.0.0.1 and ::1), an IP, or 0.0.0.0 (default ${DEFAULT-VALUE}).")
    String listen;

    @Option(names = "--metrics-port", defaultValue = "-1", description = "Prometheus /metrics of the edge on 127.0.0.1:<port>; 0 picks a free one, -1 disables (default ${DEFAULT-VALUE}).")
    int metricsPort;

    @Option(names = "--edge-transport", defaultValue = "auto", description = "I/O of the edge: auto, io_uring, epoll or nio "
            + "(default ${DEFAULT-VALUE}: io_uring where the kernel and seccomp allow it, else epoll).")
    String edgeTransport;

    @Option(names = "--oci-runtime", defaultValue = "auto", description = "auto, runc or crun (default ${DEFAULT-VALUE}: crun where it works on this host, else runc).")
    String ociRuntime;

    @Option(names = "--pool-subnet", defaultValue = "10.200.0.0/16", description = "IPv4 pool for sandbox veth pairs, one /30 each (default ${DEFAULT-VALUE}).")
    String poolSubnet;

    @Option(names = "--pool-subnet6", defaultValue = "fd63:6f76::/32", description = "IPv6 ULA pool, one /64 each (default ${DEFAULT-VALUE}).")
    String poolSubnet6;

    @Option(names = "--resource-prefix", defaultValue = "cove", description = "Prefix of namespaces, interfaces and containers (default ${DEFAULT-VALUE}).")
    String resourcePrefix;

    @Option(names = "--default-cpu", defaultValue = "2", description = "CPUs of a sandbox when the create request says nothing (default ${DEFAULT-VALUE}).")
    int defaultCpu;

    @Option(names = "--default-memory-mb", defaultValue = "512", description = "Memory limit in MiB when the create request says nothing (default ${DEFAULT-VALUE}).")
    int defaultMemoryMB;

    @Option(names = "--default-disk-mb", defaultValue = "10240", description = "Disk size in MiB of a sandbox whose create request names none (diskSizeMB): "
            + "its own file system, the most it can write (default ${DEFAULT-VALUE}).")
    int defaultDiskMB;

    @Option(names = "--max-disk-mb", defaultValue = "10240", description = "Largest disk in MiB a create request may ask for (default ${DEFAULT-VALUE}).")
    int maxDiskMB;

    @Option(names = "--disk-overcommit", defaultValue = "4.0", description = "How many times the free space of the data directory's file system the "
            + "sandboxes' disks may still claim; disks are sparse files that take space only as sandboxes write. A create beyond it "
            + "is refused (507) (default ${DEFAULT-VALUE}).")
    double diskOvercommit;

    @Option(names = "--disk-pool", defaultValue = "2", description = "Disks of the default size kept formatted and mounted, so a create "
            + "does not wait for mkfs and mount; they count against the disk budget like sandboxes' disks. 0: off (default ${DEFAULT-VALUE}).")
    int diskPool;

    @Option(names = "--default-pids", defaultValue = "1024", description = "Process limit of a sandbox (default ${DEFAULT-VALUE}).")
    int defaultPids;

    @Option(names = "--max-sandbox-hours", defaultValue = "24", description = "Longest lifetime a sandbox may have (default ${DEFAULT-VALUE}).")
    int maxSandboxHours;

    @Option(names = "--tombstone-days", defaultValue = "7", description = "How long an ended sandbox's URLs keep saying why it ended (default ${DEFAULT-VALUE}).")
    int tombstoneDays;

    @Option(names = "--deny-out", split = ",", description = "CIDRs or IPs no sandbox may reach whatever its policy, comma separated or repeated; on top of the host, the pools, link-local and metadata addresses, which are always denied.")
    List<String> denyOut = new ArrayList<>();

    @Option(names = "--dns-upstream", split = ",", description = "Resolvers the sandboxes' resolver forwards to, ip or ip:port, comma separated (default: the host's /etc/resolv.conf nameservers).")
    List<String> dnsUpstreams = new ArrayList<>();

    @Option(names = "--allow-private", split = ",", description = "Private or special ranges (RFC 1918, CGNAT, ULA, benchmarking, ...) that sandboxes may reach, comma separated or repeated; all are closed by default, and a sandbox's allowOut may name one only inside these. Link-local, loopback and multicast cannot be opened.")
    List<String> allowPrivate = new ArrayList<>();

    @Option(names = "--user-sudo", description = "Let processes of 'user' use sudo (no no_new_privs for them), as E2B's base "
            + "template does. The default with user namespaces (sandbox root is then an unprivileged host id); needed "
            + "explicitly with --no-user-namespaces.")
    boolean userSudo;

    @Option(names = "--no-user-sudo", description = "Keep no_new_privs for every process of 'user', so sudo does not work.")
    boolean noUserSudo;

    @Option(names = "--default-port-access", defaultValue = "private", description = "Access of sandbox ports nobody configured: "
            + "'private' (a token or share link is needed) or 'public' (E2B's behaviour: the drop-in setting for E2B clients) (default ${DEFAULT-VALUE}).")
    String defaultPortAccess;

    @Option(names = "--sandbox-host-trust", defaultValue = "none", description = "Which sandboxes trust the host's CA bundle"
            + " (/etc/ssl/certs/ca-certificates.crt, mounted read-only, named by SSL_CERT_FILE, NODE_EXTRA_CA_CERTS, PIP_CERT, ...)"
            + " and its proxy variables, for networks that re-sign TLS: none (default), builds (template build sandboxes) or all.")
    String sandboxHostTrust;

    @Option(names = "--no-user-namespaces", description = "Run new sandboxes with the host's user ids instead of a user "
            + "namespace of their own each (sandbox root is then host root, confined only by capabilities and seccomp; for "
            + "kernels without idmapped mounts, or to measure what the namespace costs).")
    boolean noUserNamespaces;

    @Option(names = "--no-fast-spawn", description = "Start every agent API process with the OCI runtime's exec instead of the sandbox's process spawner (slower; for comparison or troubleshooting).")
    boolean noFastSpawn;

    @Option(names = "--store", defaultValue = "sqlite", description = "The catalog: 'sqlite' (<data-dir>/cove.db, one host) or "
            + "postgresql://USER[:PASSWORD]@HOST[:PORT]/DATABASE, which makes this server a node of the cluster sharing that "
            + "database (the password may come from PGPASSWORD instead) (default ${DEFAULT-VALUE}).")
    String store;

    @Option(names = "--node-name", description = "This node's name in a cluster (default: the host name).")
    String nodeName;

    @Option(names = "--node-url", description = "Where the other nodes reach this node's edge, http://HOST:PORT "
            + "(default: the first --listen address and the HTTP port).")
    String nodeUrl;

    @Option(names = "--node-max-sandboxes", defaultValue = "0", description = "Most live sandboxes placement puts on this node; 0: no maximum (default ${DEFAULT-VALUE}).")
    int nodeMaxSandboxes;

    @Override
    public Integer call() throws Exception {
        SLF4JBridgeHandler.removeHandlersForRootLogger();
        SLF4JBridgeHandler.install();
        EdgeServer.turnOffLeakSamplingUnlessSet();
        PrintStream out = System.out;
        Files.createDirectories(dataDir);
        List<InetAddress> listenAddresses = listenAddresses(listen);
        for (String template : buildTemplates) {
            if (!dev.cove.runtime.template.TemplateStore.RECIPES.containsKey(template)) {
                System.err.println("cove: --build-templates: no template named '" + template + "' (known: "
                        + String.join(", ", dev.cove.runtime.template.TemplateStore.RECIPES.keySet()) + ")");
                return 2;
            }
        }
        PortAccess portAccess;
        try {
            portAccess = PortAccess.parse(defaultPortAccess, "--default-port-access");
        } catch (dev.cove.core.CoveException e) {
            System.err.println("cove: " + e.getMessage());
            return 2;
        }
        if (portAccess == PortAccess.LINK) {
            System.err.println("cove: --default-port-access takes 'private' or 'public' (a share link opens one port)");
            return 2;
        }
        ApiConfig.HostTrust hostTrust;
        try {
            hostTrust = ApiConfig.HostTrust.parse(sandboxHostTrust);
        } catch (IllegalArgumentException e) {
            System.err.println("cove: " + e.getMessage());
            return 2;
        }
        if (!EdgeConfig.TRANSPORTS.contains(edgeTransport)) {
            System.err.println("cove: --edge-transport takes " + String.join(", ", EdgeConfig.TRANSPORTS) + "; got '" + edgeTransport + "'");
            return 2;
        }
        int http = httpPort == 0 ? freePort(listenAddresses) : httpPort;
        int https = httpsPort == 0 ? freePort(listenAddresses) : httpsPort;
        ClusterConfig cluster;
        try {
            cluster = clusterConfig(http, listenAddresses);
        } catch (IllegalArgumentException e) {
            System.err.println("cove: " + e.getMessage());
            return 2;
        }

        RuntimeConfig runtimeConfig;
        OciRuntime runtime;
        try {
            runtimeConfig = RuntimeConfig.defaults(dataDir)
                .withTemplateDir(templateDir)
                .withResourcePrefix(resourcePrefix)
                .withPool(poolSubnet, poolSubnet6)
                .withOciRuntime(ociRuntime)
                .withDefaultLimits(defaultCpu, defaultMemoryMB, defaultPids)
                .withDisk(defaultDiskMB, Math.max(maxDiskMB, defaultDiskMB), diskOvercommit)
                .withDiskPool(diskPool)
                // sudo gains sandbox root, which with a user namespace holds nothing on the host
                .withUserSudo(!noUserSudo && (userSudo || !noUserNamespaces))
                .withFastSpawn(!noFastSpawn)
                .withUserNamespaces(!noUserNamespaces)
                .withEgress(dev.cove.runtime.egress.EgressConfig.DEFAULT.withDenyOut(denyOut).withDnsUpstreams(dnsUpstreams)
                        .withAllowPrivate(allowPrivate));
            // refuses a second owner of the prefix or pools, in one line naming the flag and the owner
            runtime = new OciRuntime(runtimeConfig);
        } catch (IllegalArgumentException | IllegalStateException | UncheckedIOException e) {
            System.err.println("cove: " + e.getMessage());
            return 2;
        }
        for (String template : buildTemplates) {
            long t0 = System.nanoTime();
            runtime.ensureTemplate(template, line -> out.println("  template " + template + ": " + line));
            out.printf("Template '%s' ready (%.1f s)%n", template, (System.nanoTime() - t0) / 1e9);
        }

        // The SDKs build sandbox URLs from the `domain` the API returns, so it carries the HTTPS port
        // whenever that is not 443 (E2B_DOMAIN=cove.localhost:8443 works the same way).
        String advertisedDomain = https == 443 || https < 0 ? domain : domain + ":" + https;
        ApiConfig apiConfig = ApiConfig.builder(dataDir).domain(advertisedDomain).apiKeyFromEnvironment()
                .cpuCount(defaultCpu).memoryMB(defaultMemoryMB).diskSizeMB(defaultDiskMB).pidsLimit(defaultPids)
                .maxSandboxLength(Duration.ofHours(maxSandboxHours)).tombstoneRetentionDays(tombstoneDays)
                .defaultPortAccess(portAccess).hostTrust(hostTrust).build();
        ControlPlane controlPlane;
        try {
            controlPlane = ControlPlane.start(apiConfig, runtime, cluster);
        } catch (StoreException e) {
            runtime.close();
            System.err.println("cove: " + e.getMessage());
            return 2;
        }
        EdgeServer edge;
        try {
            if (controlPlane.clusterStore().isPresent()) {
                ClusterTls.share(controlPlane.clusterStore().get(), dataDir.resolve("tls"), domain);
            }
            edge = new EdgeServer(EdgeConfig.builder(domain, dataDir, new InetSocketAddress(InetAddress.getLoopbackAddress(), controlPlane.port()))
                    .listen(listenAddresses).httpPort(http).httpsPort(https).metricsPort(metricsPort)
                    .transport(edgeTransport).build(), controlPlane.directory())
                    .linkTokens(controlPlane.linkTokens())
                    .audit(controlPlane.portAccessAudit())
                    .nodeSignature(controlPlane.nodeSignature().orElse(null)) // cluster: signs and verifies node forwards
                    .start();
            // Expose checks reach sandbox ports the way clients do: through the edge's own listener.
            InetAddress probeAddress = listenAddresses.getFirst().isAnyLocalAddress() ? InetAddress.getLoopbackAddress()
                    : listenAddresses.getFirst();
            if (edge.httpPort() > 0) controlPlane.edgeReady(new InetSocketAddress(probeAddress, edge.httpPort()), null);
            else controlPlane.edgeReady(new InetSocketAddress(probeAddress, edge.httpsPort()), edge.caCertificate());
        } catch (IOException | StoreException e) {
            controlPlane.close();
            runtime.close();
            System.err.println("cove: " + e.getMessage());
            return 2;
        }

        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(Thread.ofPlatform().name("cove-shutdown").unstarted(() -> {
            edge.close();
            controlPlane.close();
            runtime.close(); // sandboxes keep running; the next start re-adopts them
            stopped.countDown();
        }));

        String apiUrl = edge.httpsPort() > 0
                ? "https://api." + advertisedDomain
                : "http://api." + domain + ":" + edge.httpPort();
        writeEndpoints(edge, apiUrl, advertisedDomain);
        out.println();
        out.println("Cove is up.");
        out.println("  API URL:  " + apiUrl);
        out.println("  Domain:   " + advertisedDomain + "   (sandbox ports: https://<port>-<sandbox id>." + advertisedDomain + ")");
        if (edge.httpPort() > 0) out.println("  HTTP:     http://localhost:" + edge.httpPort());
        if (edge.metricsPort() > 0) out.println("  Metrics:  http://127.0.0.1:" + edge.metricsPort() + "/metrics");
        Path keyFile = dataDir.resolve("api-key");
        out.println("  API key:  " + controlPlane.apiKey()
                + (System.getenv(ApiConfig.API_KEY_ENV) == null ? "   (kept in " + keyFile + ")" : "   (from " + ApiConfig.API_KEY_ENV + ")"));
        out.println("  CA cert:  " + edge.caCertificate());
        out.println("  Runtime:  " + runtime.ociRuntimeName());
        out.println("  Edge I/O: " + edge.io());
        if (cluster != null) out.println("  Cluster:  node " + cluster.node() + " (" + cluster.url() + ") of " + cluster.store());
        out.println();
        out.println("Use it with the e2b SDK:");
        out.println("  export E2B_DOMAIN=" + advertisedDomain + " E2B_API_KEY=" + controlPlane.apiKey()
                + " NODE_EXTRA_CA_CERTS=" + edge.caCertificate());
        if (portAccess == PortAccess.PUBLIC) {
            out.println("Sandbox ports are public, as on E2B (--default-port-access public).");
        } else {
            // the drop-in user's first surprise otherwise: getHost(port) answers 401
            out.println("Sandbox ports are private: a request needs the sandbox's traffic token (header"
                    + " e2b-traffic-access-token) or a share link (cove share <id> <port>), or open a port"
                    + " (cove expose <id> <port> --access public); --default-port-access public gives E2B's"
                    + " behaviour.");
        }
        out.flush();
        stopped.await();
        return 0;
    }

    /** Cluster mode when {@code --store} names PostgreSQL, else null (one host, SQLite). */
    private ClusterConfig clusterConfig(int http, List<InetAddress> listenAddresses) throws IOException {
        if (store.equals("sqlite")) {
            if (nodeName != null || nodeUrl != null) {
                throw new IllegalArgumentException("--node-name and --node-url are for a cluster (--store postgresql://...)");
            }
            return null;
        }
        PostgresLocation location = PostgresLocation.parse(store, System.getenv("PGPASSWORD"));
        String name = nodeName != null ? nodeName : InetAddress.getLocalHost().getHostName().toLowerCase(java.util.Locale.ROOT);
        String url = nodeUrl;
        if (url == null) {
            if (http <= 0) throw new IllegalArgumentException("a cluster node needs --http-port (other nodes reach its edge there) or --node-url");
            InetAddress first = listenAddresses.getFirst();
            String host = first.isAnyLocalAddress() ? InetAddress.getLocalHost().getHostAddress() : first.getHostAddress();
            url = "http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + http;
        }
        return new ClusterConfig(location, name, URI.create(url), nodeMaxSandboxes, null);
    }

    /** Written after every listener is up, so scripts and tests know where the server is (no secrets in it). */
    private void writeEndpoints(EdgeServer edge, String apiUrl, String advertisedDomain) throws IOException {
        Path run = Files.createDirectories(dataDir.resolve("run"));
        Path tmp = run.resolve("endpoints.json.tmp");
        Files.writeString(tmp, String.format(
                "{\"apiUrl\":\"%s\",\"domain\":\"%s\",\"httpPort\":%d,\"httpsPort\":%d,\"metricsPort\":%d,\"caCert\":\"%s\",\"pid\":%d}%n",
                apiUrl, advertisedDomain, edge.httpPort(), edge.httpsPort(), edge.metricsPort(), edge.caCertificate(), ProcessHandle.current().pid()));
        Files.move(tmp, run.resolve("endpoints.json"), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    static List<InetAddress> listenAddresses(String spec) throws IOException {
        List<InetAddress> addresses = new ArrayList<>();
        for (String part : spec.split(",")) {
            String p = part.strip();
            if (p.equals("loopback")) {
                addresses.add(InetAddress.ofLiteral("127.0.0.1"));
                addresses.add(InetAddress.ofLiteral("::1"));
            } else {
                try {
                    addresses.add(InetAddress.ofLiteral(p));
                } catch (IllegalArgumentException e) {
                    throw new IOException("--listen takes 'loopback' or IP addresses, got '" + p + "'");
                }
            }
        }
        return addresses;
    }

    /**
     * A port free on every listen address, so that the advertised domain can name it before binding. It is drawn
     * below the kernel's ephemeral range (ip_local_port_range), where nothing else in this process (the control
     * plane binds port 0) can take it between this check and the edge's bind.
     */
    private static int freePort(List<InetAddress> addresses) throws IOException {
        int ephemeralLow = ephemeralRangeStart();
        int low = 10_000, high = Math.max(low + 1_000, ephemeralLow);
        Random random = new Random();
        for (int attempt = 0; attempt < 200; attempt++) {
            int candidate = low + random.nextInt(high - low);
            boolean free = true;
            for (InetAddress a : addresses) {
                try (ServerSocket s = new ServerSocket(candidate, 1, a)) { /* free */ } catch (IOException e) { free = false; break; }
            }
            if (free) return candidate;
        }
        throw new IOException("no free port found on " + addresses + " between " + low + " and " + high);
    }

    private static int ephemeralRangeStart() {
        try {
            // readAllLines, not readString: the JDK reads a size-0 sysctl file in pieces and gets its first byte only
            return Integer.parseInt(Files.readAllLines(Path.of("/proc/sys/net/ipv4/ip_local_port_range")).getFirst()
                    .trim().split("\\s+")[0]);
        } catch (IOException | RuntimeException e) {
            return 32_768; // Linux's default
        }
    }
}
