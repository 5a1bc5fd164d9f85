package dev.cove.runtime.egress;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cove.core.CoveException;
import dev.cove.core.net.Cidr;
import dev.cove.core.runtime.EgressDenial;
import dev.cove.core.runtime.EgressPolicy;
import dev.cove.runtime.egress.dns.Dns;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Egress control of a node: the nftables table ({@link Firewall}), the sandboxes' resolver ({@link Dns}), the
 * transparent filter for domain rules ({@link EgressFilter}) and the denial log fed by NFLOG ({@link NflogReader})
 * and by the filter.
 *
 * <p>Host requirement: IP forwarding. The constructor turns on {@code net.ipv4.ip_forward} and
 * {@code net.ipv6.conf.all.forwarding} when they are off (logged), and turns them off again only when it closes
 * leaving no sandbox behind (sandboxes outlive the process). The firewall's forward chain refuses everything into a sandbox that it did not open, so
 * forwarding does not expose the sandboxes.
 */
public final class Egress implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Egress.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String POLICY_FILE = "egress.json";
    static final int DENIALS_KEPT = 256;

    private final Firewall firewall;
    private final Firewall.Ports ports;
    private final Dns dns;
    private final EgressFilter filter;
    private final NflogReader nflog;
    private final List<Cidr> never;
    private final List<Cidr> opened;
    private final ScheduledExecutorService watchdog;
    static final int WATCH_SECONDS = 2;
    private static final List<Cidr> CLOSED = SpecialRanges.closed();
    private final Map<InetAddress, SandboxEgress> bySource = new ConcurrentHashMap<>();
    private final Map<String, SandboxEgress> byId = new ConcurrentHashMap<>();

    /** A sandbox as egress control sees it: its addresses, current policy and recent denials. */
    public static final class SandboxEgress {
        private final String id;
        private final Firewall.SandboxNet net;
        private final InetAddress ipv4;
        private final InetAddress ipv6;
        private volatile CompiledPolicy policy;
        private final ArrayDeque<EgressDenial> denials = new ArrayDeque<>();
        private final AtomicLong count = new AtomicLong();
        /** Connections of this sandbox through the egress filter now. */
        final AtomicInteger filterConnections = new AtomicInteger();

        SandboxEgress(String id, Firewall.SandboxNet net, InetAddress ipv4, InetAddress ipv6, CompiledPolicy policy) {
            this.id = id;
            this.net = net;
            this.ipv4 = ipv4;
            this.ipv6 = ipv6;
            this.policy = policy;
        }

        public String id() { return id; }

        public CompiledPolicy policy() { return policy; }

        void deny(String protocol, String destination, int port, String rule, String detail) {
            count.incrementAndGet();
            synchronized (denials) {
                if (denials.size() >= DENIALS_KEPT) denials.removeFirst();
                denials.addLast(new EgressDenial(Instant.now(), protocol, destination, port, rule, detail));
            }
        }

        List<EgressDenial> denials() {
            synchronized (denials) {
                return List.copyOf(denials);
            }
        }
    }

    public Egress(String prefix, String pool4, String pool6, EgressConfig config) throws IOException {
        List<Cidr> operator = config.denyOut().stream().map(Cidr::parse).toList();
        this.opened = config.opened();
        List<Cidr> never = new ArrayList<>(operator);
        never.add(Cidr.parse(pool4));
        never.add(Cidr.parse(pool6));
        never.addAll(SpecialRanges.never());
        this.never = List.copyOf(never);
        enableForwarding();
        int firstGroup = 0x4300 + Math.floorMod(prefix.hashCode(), 0x400) * 8;
        this.nflog = NflogReader.open(firstGroup, this::logged);
        this.dns = new Dns(config.dnsUpstreams(), a -> {
            SandboxEgress s = sandbox(a);
            return s == null ? null : s.policy();
        });
        this.filter = new EgressFilter(new EgressFilter.Decider() {
            @Override
            public SandboxEgress sandbox(InetAddress source) { return Egress.this.sandbox(source); }

            @Override
            public List<InetAddress> resolveAllowed(String name) { return Egress.this.resolveAllowed(name); }
        });
        this.ports = new Firewall.Ports(dns.port(), filter.httpPort(), filter.tlsPort());
        this.firewall = new Firewall(prefix, Cidr.parse(pool4).nft(), Cidr.parse(pool6).nft(), operator, opened,
                nflog == null ? 0 : nflog.group());
        firewall.install(ports);
        this.watchdog = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().daemon().name("cove-firewall-watch").factory());
        watchdog.scheduleWithFixedDelay(this::reinstallIfGone, WATCH_SECONDS, WATCH_SECONDS, TimeUnit.SECONDS);
        log.info("egress: nft table inet {}, resolver :{} (upstreams {}), filter :{}/:{}, NFLOG group {}, private"
                        + " ranges opened: {}", firewall.table(), ports.dns(), dns.upstreams(), ports.http(), ports.tls(),
                nflog == null ? "none" : nflog.group(), opened.isEmpty() ? "none" : opened);
    }

    /**
     * Sets up a new (or re-adopted) sandbox: firewall entries and policy file. For a new sandbox this runs before
     * its veth exists, so its first packet meets its rules.
     */
    public void attach(String id, Firewall.SandboxNet net, EgressPolicy policy, Path sandboxDir) throws IOException {
        long t0 = System.nanoTime();
        CompiledPolicy p = compile(policy);
        writePolicy(sandboxDir, policy);
        SandboxEgress s = new SandboxEgress(id, net, InetAddress.ofLiteral(net.ipv4()), InetAddress.ofLiteral(net.ipv6()), p);
        byId.put(id, s);
        bySource.put(s.ipv4, s);
        bySource.put(s.ipv6, s);
        firewall.put(net, p, ports);
        log.debug("egress: sandbox {} attached in {} us", id, (System.nanoTime() - t0) / 1000);
    }

    /**
     * Puts the tables back when something else removed them while Cove runs: {@code nft flush ruleset} in a
     * firewall reload (Debian's {@code nftables.service}, firewalld) deletes every table on the host. Between the
     * removal and this check (at most {@link #WATCH_SECONDS} s) the sandboxes are not confined; an operator's
     * firewall must leave the {@code cove_*} tables alone (docs/network.md).
     */
    void reinstallIfGone() {
        if (firewall.installed()) return;
        log.error("egress: the nft table {} was removed from outside Cove (a firewall reload that flushes the ruleset?);"
                + " putting it back with the rules of {} sandboxes. Make the host firewall leave the cove_* tables alone.",
                firewall.table(), byId.size());
        try {
            firewall.install(ports);
            for (SandboxEgress s : byId.values()) firewall.put(s.net, s.policy, ports);
        } catch (IOException | RuntimeException e) {
            log.error("egress: cannot put the nft table {} back: {}", firewall.table(), e.getMessage());
        }
    }

    /** Replaces the policy of a running sandbox: at once for new connections, and cuts no-longer-allowed ones. */
    public void update(String id, EgressPolicy policy, Path sandboxDir) {
        SandboxEgress s = byId.get(id);
        if (s == null) throw CoveException.notFound("sandbox_not_found", "sandbox '" + id + "' not found");
        CompiledPolicy p = compile(policy);
        try {
            firewall.put(s.net, p, ports);
            writePolicy(sandboxDir, policy);
        } catch (IOException e) {
            throw new CoveException(500, "egress_update_failed", "could not apply the network policy of sandbox '"
                    + id + "': " + e.getMessage(), e);
        }
        s.policy = p;
        filter.recheck(s);
    }

    /**
     * Forgets a sandbox and removes its entries; tolerates it being unknown. Called once its veth is gone: the entries
     * confine the veth for as long as it exists.
     */
    public void detach(String id, Firewall.SandboxNet net) throws IOException {
        SandboxEgress s = byId.remove(id);
        if (s != null) {
            bySource.remove(s.ipv4, s);
            bySource.remove(s.ipv6, s);
            filter.drop(s);
        }
        if (net != null && net.slot() >= 0 && net.hostVeth() != null) firewall.remove(net);
    }

    /** Host veths with entries in the firewall (a crash between a veth's deletion and its entries' can leave some). */
    public List<String> firewallInterfaces() throws IOException { return firewall.interfaces(); }

    public List<EgressDenial> denials(String id) {
        SandboxEgress s = byId.get(id);
        return s == null ? List.of() : s.denials();
    }

    public long denialCount(String id) {
        SandboxEgress s = byId.get(id);
        return s == null ? 0 : s.count.get();
    }

    /** The policy stored with a sandbox (for re-adoption); OPEN when none was stored. */
    public static EgressPolicy readPolicy(Path sandboxDir) {
        Path f = sandboxDir.resolve(POLICY_FILE);
        try {
            return Files.isRegularFile(f) ? JSON.readValue(f.toFile(), EgressPolicy.class) : EgressPolicy.OPEN;
        } catch (IOException e) {
            log.warn("egress: unreadable {} ({}); denying all until the policy is set again", f, e.getMessage());
            return new EgressPolicy(false, List.of(), List.of());
        }
    }

    private static void writePolicy(Path sandboxDir, EgressPolicy policy) throws IOException {
        if (sandboxDir == null || !Files.isDirectory(sandboxDir)) return;
        Path tmp = sandboxDir.resolve(POLICY_FILE + ".tmp");
        JSON.writeValue(tmp.toFile(), policy);
        Files.move(tmp, sandboxDir.resolve(POLICY_FILE), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    /**
     * The policy as the firewall applies it; 400 for what cannot be honoured: an allowOut range inside a special
     * range the operator did not open (the firewall would refuse it anyway: say so instead of accepting silently).
     */
    public CompiledPolicy compile(EgressPolicy policy) {
        CompiledPolicy p;
        try {
            p = CompiledPolicy.compile(policy == null ? EgressPolicy.OPEN : policy);
        } catch (IllegalArgumentException e) {
            throw CoveException.badRequest(e.getMessage());
        }
        for (Cidr c : concat(p.allow4(), p.allow6())) {
            if (SpecialRanges.isNever(c))
                throw CoveException.badRequest("allowOut " + c + " is link-local, loopback or multicast (the cloud"
                        + " metadata service among them): no sandbox may reach it");
            if (SpecialRanges.isSpecial(c) && opened.stream().noneMatch(o -> o.covers(c)))
                throw CoveException.badRequest("allowOut " + c + " is a private or special range the operator has not"
                        + " opened" + (opened.isEmpty() ? " (none is)" : " (opened: " + opened + ")")
                        + "; the operator opens ranges with `cove server --allow-private CIDR`");
        }
        return p;
    }

    private static List<Cidr> concat(List<Cidr> a, List<Cidr> b) {
        List<Cidr> out = new ArrayList<>(a);
        out.addAll(b);
        return out;
    }

    SandboxEgress sandbox(InetAddress source) {
        if (source == null) return null;
        if (source instanceof Inet6Address v6 && v6.isIPv4CompatibleAddress()) return null;
        return bySource.get(source);
    }

    /**
     * Addresses of a name a sandbox may be spliced to: never the host, a pool, link-local or operator ranges, nor a
     * closed special range outside what the operator opened (the firewall's own order of checks).
     */
    List<InetAddress> resolveAllowed(String name) {
        List<InetAddress> out = new ArrayList<>();
        List<InetAddress> own = hostAddresses();
        for (InetAddress a : dns.resolve(name)) {
            if (a.isAnyLocalAddress() || a.isLoopbackAddress() || a.isLinkLocalAddress() || a.isMulticastAddress()
                    || own.contains(a)) continue;
            if (never.stream().anyMatch(c -> c.contains(a))) continue;
            if (CLOSED.stream().anyMatch(c -> c.contains(a)) && opened.stream().noneMatch(c -> c.contains(a))) continue;
            out.add(a);
        }
        return out;
    }

    private static List<InetAddress> hostAddresses() {
        try {
            List<InetAddress> out = new ArrayList<>();
            for (NetworkInterface ni : Collections.list(NetworkInterface.getNetworkInterfaces()))
                for (InetAddress a : Collections.list(ni.getInetAddresses())) out.add(stripScope(a));
            return out;
        } catch (SocketException e) {
            return List.of();
        }
    }

    private static InetAddress stripScope(InetAddress a) {
        try {
            return InetAddress.getByAddress(a.getAddress());
        } catch (UnknownHostException e) {
            return a;
        }
    }

    private void logged(NflogReader.Packet p) {
        SandboxEgress s = sandbox(p.source());
        if (s == null) return;
        String dst = p.destination().getHostAddress();
        String detail = switch (p.prefix()) {
            case "host" -> dst + " is the node itself (sandboxes may only use its resolver)";
            case "sandboxes" -> dst + " belongs to another sandbox";
            case "link-local" -> dst + " is link-local, loopback, multicast or a metadata address";
            case "private" -> dst + " is in a private or special range the operator has not opened (--allow-private)";
            case "conn-budget" -> "over the sandbox's budget of " + Firewall.CONNECTIONS + " tracked connections";
            case "rate-budget" -> "over the sandbox's budget of " + Firewall.NEW_PER_SECOND + " new connections a second";
            case "operator" -> dst + " is in a range the operator denies for every sandbox";
            case "deny-out" -> dst + " is denied by this sandbox's policy (denyOut or allow_internet_access=false)";
            default -> dst + " refused";
        };
        s.deny(p.protocol(), dst, p.port(), p.prefix(), detail);
    }

    /** The forwarding sysctls this instance turned on (turned off again when it leaves no sandbox behind). */
    private final List<Path> turnedOn = new ArrayList<>();

    private void enableForwarding() {
        for (String sysctl : List.of("/proc/sys/net/ipv4/ip_forward", "/proc/sys/net/ipv6/conf/all/forwarding")) {
            Path p = Path.of(sysctl);
            try {
                if (Files.readAllLines(p).getFirst().strip().equals("0")) {
                    Files.writeString(p, "1");
                    turnedOn.add(p);
                    log.info("egress: turned on {} (sandboxes reach the network through the host)", sysctl);
                }
            } catch (IOException e) {
                log.warn("egress: cannot turn on {} ({}); sandboxes will not reach anything beyond the host",
                        sysctl, e.getMessage());
            }
        }
    }

    /** Deletes the firewall table (tests; a node shutting down for good). */
    public void uninstall() throws IOException { firewall.uninstall(); }

    public String table() { return firewall.table(); }

    /** Stops the listeners; the table stays (sandboxes outlive the process; the next start rebuilds it). */
    @Override
    public void close() {
        watchdog.shutdownNow();
        filter.close();
        dns.close();
        if (nflog != null) nflog.close();
    }

    /**
     * {@link #close()}, and deletes the table too when {@code sandboxesDir} holds no sandbox any more: nothing is
     * left to protect, so the host is left as found (forwarding sysctls this instance turned on are turned off).
     */
    public void close(Path sandboxesDir) {
        close();
        try (var s = Files.list(sandboxesDir)) {
            if (s.findAny().isEmpty()) {
                firewall.uninstall();
                for (Path p : turnedOn) Files.writeString(p, "0");
            }
        } catch (IOException e) {
            log.debug("egress: table {} kept: {}", firewall.table(), e.getMessage());
        }
    }
}
