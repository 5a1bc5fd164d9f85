package dev.cove.runtime.egress;

import dev.cove.core.net.Cidr;
import dev.cove.runtime.host.Cmd;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The node's nftables tables ({@code inet} and {@code arp} {@code cove_<prefix>_<pool address>}, e.g.
 * {@code cove_cove_10_200_0_0}: one pair per Cove instance), in the host network namespace where root inside a
 * sandbox cannot reach them. Every change is one nft batch, applied atomically (through libnftables in-process,
 * {@code nft -f -} where the library is missing).
 *
 * <p><b>Fail closed by construction.</b> The tables outlive the Cove process: {@link #install} never deletes them,
 * it replaces the base chains and static sets in one transaction and leaves every sandbox's entries in place, so a
 * restart, an upgrade or a crash never leaves a running sandbox without its rules, not for one packet. Only
 * {@link #uninstall} deletes them, and the runtime calls it only when no sandbox of its own is left. A sandbox's
 * entries ({@link #put}) are made before its veth exists and removed only after the veth is gone, so its network
 * never carries a packet unconfined.
 *
 * <p>Packets from a sandbox (its host-side veth is in {@code @ifs}):
 * <ul>
 *   <li>prerouting, before conntrack: a source address other than the sandbox's own (IPv4, IPv6, its fixed
 *       link-local) is dropped; ARP from the veth must claim the sandbox's own address and ask for the host side's
 *       (the {@code arp} table), so neither a sibling's traffic nor the host's neighbour table can be hijacked;</li>
 *   <li>to the host itself (input hook, every address of the host on every interface): only DNS and the egress
 *       filter, and only after Cove's own redirect ({@code ct status dnat}), and replies to connections the host
 *       opened; everything else is refused;</li>
 *   <li>forwarded: other sandboxes (the pools), link-local/loopback/multicast, the closed special ranges that the
 *       operator did not open ({@link SpecialRanges}) and the operator's denied ranges are refused first; then the
 *       sandbox's own chain ({@code p_<slot>}): allowOut accept, denyOut refuse;</li>
 *   <li>every new connection (to the host or beyond) counts against the sandbox's budgets:
 *       {@link #CONNECTIONS} tracked at once and {@link #NEW_PER_SECOND} new ones a second (burst
 *       {@link #NEW_BURST}); over either it is refused, so one sandbox cannot fill the host's conntrack table.</li>
 * </ul>
 * The sandbox's outgoing packets are checked on every packet, not only the first of a connection, so a policy change
 * cuts established connections too; replies into a sandbox are accepted only for connections it opened.
 * Refusals are {@code tcp reset} or ICMP administratively prohibited (fail fast, never a silent drop) and are logged
 * to NFLOG group {@link #group} with the rule name as prefix; forged packets are dropped silently.
 */
public final class Firewall {
    private static final Duration NFT_TIMEOUT = Duration.ofSeconds(20);
    /** Connections a sandbox may have tracked at once (a browser opens a few hundred at most; npm fewer). */
    public static final int CONNECTIONS = 1024;
    /** New connections a second per sandbox, and the burst on top (a cold {@code npm install} stays well below). */
    public static final int NEW_PER_SECOND = 200;
    public static final int NEW_BURST = 400;
    /** A sandbox's link-local addresses: fixed, so the source check knows them (no address is derived from MACs). */
    public static final String SANDBOX_LINK_LOCAL = "fe80::2";
    public static final String HOST_LINK_LOCAL = "fe80::1";

    private final String table;
    private final String pool4;
    private final String pool6;
    private final List<Cidr> operatorDenied;
    private final List<Cidr> operatorOpened;
    private final int group;

    /** A sandbox's network as the firewall sees it. */
    public record SandboxNet(int slot, String hostVeth, String hostIpv4, String ipv4, String hostIpv6, String ipv6) {}

    public Firewall(String prefix, String pool4, String pool6, List<Cidr> operatorDenied, List<Cidr> operatorOpened,
                    int group) {
        // prefix and IPv4 pool: two instances of one prefix (parallel test suites) run on distinct pools
        this.table = "cove_" + prefix + "_" + pool4.replaceAll("/.*$", "").replace('.', '_');
        this.pool4 = pool4;
        this.pool6 = pool6;
        this.operatorDenied = operatorDenied;
        this.operatorOpened = operatorOpened;
        this.group = group;
    }

    public String table() { return table; }

    /** Ports of Cove's listeners that sandbox traffic is redirected to. */
    public record Ports(int dns, int http, int tls) {}

    /**
     * Creates the tables, or brings existing ones (an earlier run, an older version) up to date: base chains and
     * static sets are replaced in one transaction; the sandboxes' sets, maps and chains are kept as they are.
     */
    public void install(Ports ports) throws IOException {
        String t = "inet " + table;
        String deny = "log prefix \"%s\" group " + group + " goto refuse";
        List<Cidr> special = SpecialRanges.closed();
        StringBuilder s = new StringBuilder();
        s.append("add table ").append(t).append('\n');
        s.append("add set ").append(t).append(" ifs { type ifname; }\n");
        s.append("add set ").append(t).append(" src4 { type ifname . ipv4_addr; }\n");
        s.append("add set ").append(t).append(" src6 { type ifname . ipv6_addr; }\n");
        s.append("add map ").append(t).append(" sb_policy { type ifname : verdict; }\n");
        s.append("add map ").append(t).append(" sb_nat { type ifname : verdict; }\n");
        s.append("add set ").append(t).append(" conns { type ifname; size 65535; flags dynamic; }\n");
        s.append("add set ").append(t).append(" rates { type ifname; size 65535; flags dynamic,timeout; timeout 1m; }\n");
        staticSet(s, t, "pool4", 4, List.of(Cidr.parse(pool4)));
        staticSet(s, t, "pool6", 6, List.of(Cidr.parse(pool6)));
        staticSet(s, t, "ll4", 4, SpecialRanges.never().stream().filter(Cidr::v4).toList());
        staticSet(s, t, "ll6", 6, SpecialRanges.never().stream().filter(c -> !c.v4()).toList());
        staticSet(s, t, "special4", 4, special.stream().filter(Cidr::v4).toList());
        staticSet(s, t, "special6", 6, special.stream().filter(c -> !c.v4()).toList());
        staticSet(s, t, "open4", 4, operatorOpened.stream().filter(Cidr::v4).toList());
        staticSet(s, t, "open6", 6, operatorOpened.stream().filter(c -> !c.v4()).toList());
        staticSet(s, t, "op4", 4, operatorDenied.stream().filter(Cidr::v4).toList());
        staticSet(s, t, "op6", 6, operatorDenied.stream().filter(c -> !c.v4()).toList());
        String cove = ports.dns() + ", " + ports.http() + ", " + ports.tls();
        s.append(CHAINS_END);
        chain(s, t, "refuse", null,
                "meta l4proto tcp reject with tcp reset",
                "reject with icmpx admin-prohibited");
        chain(s, t, "guard", "type filter hook prerouting priority raw - 10; policy accept;",
                "iifname @ifs jump check_source");
        chain(s, t, "check_source", null,
                "iifname . ip saddr @src4 return",
                "iifname . ip6 saddr @src6 return",
                "drop");
        chain(s, t, "budget", null,
                "ct state new add @conns { iifname ct count over " + CONNECTIONS + " } " + deny.formatted("conn-budget"),
                "ct state new update @rates { iifname limit rate over " + NEW_PER_SECOND + "/second burst " + NEW_BURST
                        + " packets } " + deny.formatted("rate-budget"));
        chain(s, t, "input", "type filter hook input priority filter - 5; policy accept;",
                "iifname @ifs jump from_sandbox_to_host",
                // Cove's resolver and filter listen on the wildcard address: only sandboxes may reach them
                "meta l4proto { tcp, udp } th dport { " + cove + " } drop");
        chain(s, t, "from_sandbox_to_host", null,
                // replies to connections the host opened into the sandbox (a sandbox's own SYN is never established)
                "ct state established,related accept",
                "jump budget",
                "meta l4proto { tcp, udp } th dport { " + cove + " } ct status dnat accept",
                "icmpv6 type { nd-neighbor-solicit, nd-neighbor-advert, nd-router-solicit } accept",
                deny.formatted("host"));
        chain(s, t, "forward", "type filter hook forward priority filter - 5; policy accept;",
                "iifname @ifs jump from_sandbox",
                "oifname @ifs ct state established,related accept",
                "oifname @ifs drop");
        chain(s, t, "from_sandbox", null,
                "jump budget",
                "ip daddr @pool4 " + deny.formatted("sandboxes"),
                "ip6 daddr @pool6 " + deny.formatted("sandboxes"),
                "ip daddr @ll4 " + deny.formatted("link-local"),
                "ip6 daddr @ll6 " + deny.formatted("link-local"),
                "ip daddr @op4 " + deny.formatted("operator"),
                "ip6 daddr @op6 " + deny.formatted("operator"),
                "ip daddr @special4 ip daddr != @open4 " + deny.formatted("private"),
                "ip6 daddr @special6 ip6 daddr != @open6 " + deny.formatted("private"),
                "iifname vmap @sb_policy",
                deny.formatted("deny-out"));
        chain(s, t, "prerouting", "type nat hook prerouting priority dstnat; policy accept;",
                "iifname vmap @sb_nat");
        chain(s, t, "postrouting", "type nat hook postrouting priority srcnat; policy accept;",
                "iifname @ifs oifname != @ifs masquerade");
        String a = "arp " + table;
        s.insert(0, "add table " + a + "\nadd set " + a + " ifs { type ifname; }\n"
                + "add set " + a + " arp_ok { type ifname . ipv4_addr . ipv4_addr; }\n");
        chain(s, a, "input", "type filter hook input priority filter; policy accept;",
                "iifname @ifs jump check_arp");
        chain(s, a, "check_arp", null,
                "iifname . arp saddr ip . arp daddr ip @arp_ok return",
                "drop");
        apply(s.toString());
    }

    private static void staticSet(StringBuilder s, String t, String name, int family, List<Cidr> elements) {
        s.append("add set ").append(t).append(' ').append(name).append(" { type ipv").append(family)
                .append("_addr; flags interval; auto-merge; }\n");
        s.append("flush set ").append(t).append(' ').append(name).append('\n');
        if (!elements.isEmpty())
            s.append("add element ").append(t).append(' ').append(name).append(' ').append(set(elements)).append('\n');
    }

    /**
     * Creates the chain if missing and replaces its rules (in the caller's transaction). The chain is declared at the
     * head of the batch, since a rule may only jump to a chain that exists.
     */
    private static void chain(StringBuilder s, String t, String name, String base, String... rules) {
        StringBuilder decl = new StringBuilder("add chain ").append(t).append(' ').append(name);
        if (base != null) decl.append(" { ").append(base).append(" }");
        decl.append('\n');
        int head = s.indexOf(CHAINS_END);
        s.insert(head, decl);
        s.append("flush chain ").append(t).append(' ').append(name).append('\n');
        for (String r : rules) s.append("add rule ").append(t).append(' ').append(name).append(' ').append(r).append('\n');
    }

    /** Marks where chain declarations go in an install batch (a comment line, which nft ignores). */
    private static final String CHAINS_END = "# chains declared\n";

    /**
     * Adds or replaces a sandbox's chains and set entries (atomically). Called before its veth exists: the entries
     * name the interface, so its first packet already meets them.
     */
    public void put(SandboxNet n, CompiledPolicy p, Ports ports) throws IOException {
        String t = "inet " + table;
        String pc = "p_" + n.slot(), nc = "n_" + n.slot();
        StringBuilder s = new StringBuilder();
        s.append("add chain ").append(t).append(' ').append(pc).append('\n');
        s.append("flush chain ").append(t).append(' ').append(pc).append('\n');
        s.append("add chain ").append(t).append(' ').append(nc).append('\n');
        s.append("flush chain ").append(t).append(' ').append(nc).append('\n');
        String log = " log prefix \"deny-out\" group " + group + " goto refuse";
        String r = "add rule " + t + " " + pc + " ";
        if (!p.allow4().isEmpty()) s.append(r).append("ip daddr ").append(set(p.allow4())).append(" accept\n");
        if (!p.allow6().isEmpty()) s.append(r).append("ip6 daddr ").append(set(p.allow6())).append(" accept\n");
        if (p.denyAll4()) s.append(r).append("meta nfproto ipv4").append(log).append('\n');
        else if (!p.deny4().isEmpty()) s.append(r).append("ip daddr ").append(set(p.deny4())).append(log).append('\n');
        if (p.denyAll6()) s.append(r).append("meta nfproto ipv6").append(log).append('\n');
        else if (!p.deny6().isEmpty()) s.append(r).append("ip6 daddr ").append(set(p.deny6())).append(log).append('\n');
        s.append(r).append("accept\n");
        String nat = "add rule " + t + " " + nc + " ";
        s.append(nat).append("ip daddr ").append(n.hostIpv4()).append(" meta l4proto { tcp, udp } th dport 53 redirect to :")
                .append(ports.dns()).append('\n');
        s.append(nat).append("ip6 daddr ").append(n.hostIpv6()).append(" meta l4proto { tcp, udp } th dport 53 redirect to :")
                .append(ports.dns()).append('\n');
        if (p.hasDomains()) {
            // Ports 80/443 to an address the policy does not allow already: the transparent filter decides by name.
            String skip4 = "ip daddr != @pool4 ip daddr != @ll4 ip daddr != @op4 "
                    + (p.allow4().isEmpty() ? "" : "ip daddr != " + set(p.allow4()) + " ");
            String skip6 = "ip6 daddr != @pool6 ip6 daddr != @ll6 ip6 daddr != @op6 "
                    + (p.allow6().isEmpty() ? "" : "ip6 daddr != " + set(p.allow6()) + " ");
            for (String skip : List.of(skip4, skip6)) {
                s.append(nat).append(skip).append("tcp dport 80 redirect to :").append(ports.http()).append('\n');
                s.append(nat).append(skip).append("tcp dport 443 redirect to :").append(ports.tls()).append('\n');
            }
        }
        s.append(entries("add", n, pc, nc));
        apply(s.toString());
    }

    /** The set and map entries of a sandbox; {@code add} is idempotent (same key, same value). */
    private String entries(String verb, SandboxNet n, String pc, String nc) {
        String t = "inet " + table, a = "arp " + table;
        String q = "\"" + n.hostVeth() + "\"";
        return verb + " element " + t + " src4 { " + q + " . " + n.ipv4() + " }\n"
                + verb + " element " + t + " src6 { " + q + " . " + n.ipv6() + ", " + q + " . " + SANDBOX_LINK_LOCAL + " }\n"
                + verb + " element " + t + " sb_policy { " + q + " : goto " + pc + " }\n"
                + verb + " element " + t + " sb_nat { " + q + " : goto " + nc + " }\n"
                + verb + " element " + t + " ifs { " + q + " }\n"
                + verb + " element " + a + " arp_ok { " + q + " . " + n.ipv4() + " . " + n.hostIpv4() + " }\n"
                + verb + " element " + a + " ifs { " + q + " }\n";
    }

    /**
     * Removes a sandbox's entries and chains (call once its veth is gone); tolerates them being gone: adding first
     * makes every delete of the one batch valid.
     */
    public void remove(SandboxNet n) throws IOException {
        String t = "inet " + table;
        String pc = "p_" + n.slot(), nc = "n_" + n.slot();
        apply("add chain " + t + " " + pc + "\nadd chain " + t + " " + nc + "\n"
                + entries("add", n, pc, nc) + entries("delete", n, pc, nc)
                + "delete chain " + t + " " + pc + "\ndelete chain " + t + " " + nc + "\n");
    }

    /** The host veths that have entries in the table (to prune what a crash left behind). */
    public List<String> interfaces() throws IOException {
        String out = list("list set inet " + table + " ifs");
        List<String> names = new ArrayList<>();
        var m = Pattern.compile("\"([^\"]+)\"").matcher(out);
        while (m.find()) names.add(m.group(1));
        return names;
    }

    /** Deletes both tables (no sandbox of this instance is left, or tests). */
    public void uninstall() throws IOException {
        apply("add table inet " + table + "\ndelete table inet " + table + "\n"
                + "add table arp " + table + "\ndelete table arp " + table + "\n");
    }

    /** True when both tables exist (asks for two small chains, not the whole tables). */
    public boolean installed() {
        try {
            list("list chain inet " + table + " refuse");
            list("list chain arp " + table + " check_arp");
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** An anonymous nft set; ranges inside another listed range are dropped (nft refuses overlapping intervals). */
    static String set(List<Cidr> cidrs) {
        List<Cidr> kept = new ArrayList<>();
        for (Cidr c : cidrs) {
            boolean covered = false;
            for (Cidr o : cidrs) {
                if (o == c || o.prefix() > c.prefix()) continue;
                if (o.equals(c) ? kept.contains(o) : o.covers(c)) covered = true;
            }
            if (!covered) kept.add(c);
        }
        return "{ " + kept.stream().map(Cidr::nft).collect(Collectors.joining(", ")) + " }";
    }

    private static final NftLib LIB = NftLib.load();

    private static void apply(String script) throws IOException {
        if (LIB != null) {
            String error = LIB.apply(script);
            if (error != null) throw new IOException("nft failed: " + error + "\n--- script ---\n" + script);
            return;
        }
        Cmd.Result r = Cmd.run(List.of("nft", "-f", "-"), script, NFT_TIMEOUT);
        if (!r.ok()) throw new IOException("nft failed: " + r.message() + "\n--- script ---\n" + script);
    }

    private static String list(String command) throws IOException {
        if (LIB != null) {
            NftLib.Result r = LIB.run(command);
            if (r.error() != null) throw new IOException("nft failed: " + r.error());
            return r.output();
        }
        Cmd.Result r = Cmd.run(List.of("nft", command), null, NFT_TIMEOUT);
        if (!r.ok()) throw new IOException("nft failed: " + r.message());
        return r.stdout();
    }
}
