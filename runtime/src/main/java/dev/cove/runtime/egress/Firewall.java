package dev.cove.runtime.egress;

import dev.cove.runtime.internal.Cmd;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The node's nftables table ({@code inet cove_<prefix>_<pool address>}, e.g. {@code cove_cove_10_200_0_0}: one per
 * Cove instance, so parallel instances never clash, not even two of one prefix),
 * in the host network namespace where root inside a sandbox cannot reach it. Every change is one nft batch, applied
 * atomically (through libnftables in-process, {@code nft -f -} where the library is missing).
 *
 * <p>Packets from a sandbox (its host-side veth is in {@code @ifs}):
 * <ul>
 *   <li>to the host itself (input hook): only DNS and the egress filter, and only after Cove's own redirect
 *       ({@code ct status dnat}), and replies to connections the host opened; everything else is refused;</li>
 *   <li>forwarded: other sandboxes (the pools), link-local/loopback/multicast/metadata and the operator's ranges
 *       are refused first; then the sandbox's own chain ({@code p_<slot>}): allowOut accept, denyOut refuse.</li>
 * </ul>
 * The sandbox's outgoing packets are checked on every packet, not only the first of a connection, so a policy change
 * cuts established connections too; replies into a sandbox are accepted only for connections it opened.
 * Refusals are {@code tcp reset} or ICMP administratively prohibited (fail fast, never a silent drop) and are logged
 * to NFLOG group {@link #group} with the rule name as prefix.
 */
public final class Firewall {
    private static final Duration NFT_TIMEOUT = Duration.ofSeconds(20);
    /** Built-in: never reachable from a sandbox (beyond the pools and the host). */
    static final List<String> LINK_LOCAL4 = List.of("0.0.0.0/8", "127.0.0.0/8", "169.254.0.0/16", "224.0.0.0/4",
            "255.255.255.255");
    static final List<String> LINK_LOCAL6 = List.of("::/128", "::1/128", "fe80::/10", "ff00::/8", "fd00:ec2::254");

    private final String table;
    private final String pool4;
    private final String pool6;
    private final List<Cidr> operator;
    private final int group;
    /** Host veths with map entries in the table (the table is rebuilt at start, so memory is the truth). */
    private final java.util.Set<String> present = java.util.concurrent.ConcurrentHashMap.newKeySet();

    public Firewall(String prefix, String pool4, String pool6, List<Cidr> operator, int group) {
        // prefix and IPv4 pool: two instances of one prefix (parallel test suites) run on distinct pools
        this.table = "cove_" + prefix + "_" + pool4.replaceAll("/.*$", "").replace('.', '_');
        this.pool4 = pool4;
        this.pool6 = pool6;
        this.operator = operator;
        this.group = group;
    }

    public String table() { return table; }

    /** Ports of Cove's listeners that sandbox traffic is redirected to. */
    public record Ports(int dns, int http, int tls) {}

    /** (Re)creates the table from scratch: sets, base chains, no sandbox yet. */
    public void install(Ports ports) throws IOException {
        String op4 = operator.stream().filter(Cidr::v4).map(Cidr::nft).collect(Collectors.joining(", "));
        String op6 = operator.stream().filter(c -> !c.v4()).map(Cidr::nft).collect(Collectors.joining(", "));
        String deny = "log prefix \"%s\" group " + group + " goto refuse";
        String s = "add table inet " + table + "\n"
                + "delete table inet " + table + "\n"
                + "table inet " + table + " {\n"
                + "  set ifs { type ifname; }\n"
                + "  map sb_policy { type ifname : verdict; }\n"
                + "  map sb_nat { type ifname : verdict; }\n"
                + "  set pool4 { type ipv4_addr; flags interval; auto-merge; elements = { " + pool4 + " } }\n"
                + "  set pool6 { type ipv6_addr; flags interval; auto-merge; elements = { " + pool6 + " } }\n"
                + "  set ll4 { type ipv4_addr; flags interval; auto-merge; elements = { " + String.join(", ", LINK_LOCAL4) + " } }\n"
                + "  set ll6 { type ipv6_addr; flags interval; auto-merge; elements = { " + String.join(", ", LINK_LOCAL6) + " } }\n"
                + "  set op4 { type ipv4_addr; flags interval; auto-merge; " + (op4.isEmpty() ? "" : "elements = { " + op4 + " } ") + "}\n"
                + "  set op6 { type ipv6_addr; flags interval; auto-merge; " + (op6.isEmpty() ? "" : "elements = { " + op6 + " } ") + "}\n"
                + "  chain refuse {\n"
                + "    meta l4proto tcp reject with tcp reset\n"
                + "    reject with icmpx admin-prohibited\n"
                + "  }\n"
                + "  chain input {\n"
                + "    type filter hook input priority filter - 5; policy accept;\n"
                + "    iifname @ifs jump from_sandbox_to_host\n"
                // Cove's resolver and filter listen on the wildcard address: only sandboxes may reach them
                + "    meta l4proto { tcp, udp } th dport { " + ports.dns() + ", " + ports.http() + ", " + ports.tls()
                + " } drop\n"
                + "  }\n"
                + "  chain from_sandbox_to_host {\n"
                // replies to connections the host opened into the sandbox (a sandbox's own SYN is never established)
                + "    ct state established,related accept\n"
                + "    meta l4proto { tcp, udp } th dport { " + ports.dns() + ", " + ports.http() + ", " + ports.tls() + " } ct status dnat accept\n"
                + "    icmpv6 type { nd-neighbor-solicit, nd-neighbor-advert, nd-router-solicit } accept\n"
                + "    " + deny.formatted("host") + "\n"
                + "  }\n"
                + "  chain forward {\n"
                + "    type filter hook forward priority filter - 5; policy accept;\n"
                + "    iifname @ifs jump from_sandbox\n"
                + "    oifname @ifs ct state established,related accept\n"
                + "    oifname @ifs drop\n"
                + "  }\n"
                + "  chain from_sandbox {\n"
                + "    ip daddr @pool4 " + deny.formatted("sandboxes") + "\n"
                + "    ip6 daddr @pool6 " + deny.formatted("sandboxes") + "\n"
                + "    ip daddr @ll4 " + deny.formatted("link-local") + "\n"
                + "    ip6 daddr @ll6 " + deny.formatted("link-local") + "\n"
                + "    ip daddr @op4 " + deny.formatted("operator") + "\n"
                + "    ip6 daddr @op6 " + deny.formatted("operator") + "\n"
                + "    iifname vmap @sb_policy\n"
                + "    " + deny.formatted("deny-out") + "\n"
                + "  }\n"
                + "  chain prerouting {\n"
                + "    type nat hook prerouting priority dstnat; policy accept;\n"
                + "    iifname vmap @sb_nat\n"
                + "  }\n"
                + "  chain postrouting {\n"
                + "    type nat hook postrouting priority srcnat; policy accept;\n"
                + "    iifname @ifs oifname != @ifs masquerade\n"
                + "  }\n"
                + "}\n";
        apply(s);
        present.clear();
    }

    /** Adds or replaces a sandbox's chains and map entries (atomically). */
    public void put(int slot, String hostVeth, String hostIpv4, String hostIpv6, CompiledPolicy p, Ports ports)
            throws IOException {
        String pc = "p_" + slot, nc = "n_" + slot;
        StringBuilder s = new StringBuilder();
        s.append("add chain inet ").append(table).append(' ').append(pc).append('\n');
        s.append("flush chain inet ").append(table).append(' ').append(pc).append('\n');
        s.append("add chain inet ").append(table).append(' ').append(nc).append('\n');
        s.append("flush chain inet ").append(table).append(' ').append(nc).append('\n');
        String log = " log prefix \"deny-out\" group " + group + " goto refuse";
        String r = "add rule inet " + table + " " + pc + " ";
        if (!p.allow4().isEmpty()) s.append(r).append("ip daddr ").append(set(p.allow4())).append(" accept\n");
        if (!p.allow6().isEmpty()) s.append(r).append("ip6 daddr ").append(set(p.allow6())).append(" accept\n");
        if (p.denyAll4()) s.append(r).append("meta nfproto ipv4").append(log).append('\n');
        else if (!p.deny4().isEmpty()) s.append(r).append("ip daddr ").append(set(p.deny4())).append(log).append('\n');
        if (p.denyAll6()) s.append(r).append("meta nfproto ipv6").append(log).append('\n');
        else if (!p.deny6().isEmpty()) s.append(r).append("ip6 daddr ").append(set(p.deny6())).append(log).append('\n');
        s.append(r).append("accept\n");
        String n = "add rule inet " + table + " " + nc + " ";
        s.append(n).append("ip daddr ").append(hostIpv4).append(" meta l4proto { tcp, udp } th dport 53 redirect to :")
                .append(ports.dns()).append('\n');
        s.append(n).append("ip6 daddr ").append(hostIpv6).append(" meta l4proto { tcp, udp } th dport 53 redirect to :")
                .append(ports.dns()).append('\n');
        if (p.hasDomains()) {
            // Ports 80/443 to an address the policy does not allow already: the transparent filter decides by name.
            String skip4 = "ip daddr != @pool4 ip daddr != @ll4 ip daddr != @op4 "
                    + (p.allow4().isEmpty() ? "" : "ip daddr != " + set(p.allow4()) + " ");
            String skip6 = "ip6 daddr != @pool6 ip6 daddr != @ll6 ip6 daddr != @op6 "
                    + (p.allow6().isEmpty() ? "" : "ip6 daddr != " + set(p.allow6()) + " ");
            for (String skip : List.of(skip4, skip6)) {
                s.append(n).append(skip).append("tcp dport 80 redirect to :").append(ports.http()).append('\n');
                s.append(n).append(skip).append("tcp dport 443 redirect to :").append(ports.tls()).append('\n');
            }
        }
        String q = "\"" + hostVeth + "\"";
        s.append("add element inet ").append(table).append(" ifs { ").append(q).append(" }\n");
        s.append("add element inet ").append(table).append(" sb_policy { ").append(q).append(" : goto ").append(pc).append(" }\n");
        s.append("add element inet ").append(table).append(" sb_nat { ").append(q).append(" : goto ").append(nc).append(" }\n");
        // "add element" fails on an existing key in a map: delete first when replacing (create-or-replace in one batch)
        apply(replaceElements(hostVeth) + s);
        present.add(hostVeth);
    }

    private String replaceElements(String hostVeth) {
        if (!present.contains(hostVeth)) return "";
        String q = "\"" + hostVeth + "\"";
        return "delete element inet " + table + " sb_policy { " + q + " }\n"
                + "delete element inet " + table + " sb_nat { " + q + " }\n";
    }

    /** Removes a sandbox's entries and chains; tolerates them being gone. */
    public void remove(int slot, String hostVeth) throws IOException {
        String q = "\"" + hostVeth + "\"";
        List<String> cmds = new ArrayList<>();
        // one command per nft call would be slow; a batch fails as a whole if one element is missing, so
        // "add" first makes every delete valid
        cmds.add("add element inet " + table + " ifs { " + q + " }");
        cmds.add("delete element inet " + table + " ifs { " + q + " }");
        String batch = String.join("\n", cmds) + "\n" + replaceElements(hostVeth)
                + "add chain inet " + table + " p_" + slot + "\n"
                + "delete chain inet " + table + " p_" + slot + "\n"
                + "add chain inet " + table + " n_" + slot + "\n"
                + "delete chain inet " + table + " n_" + slot + "\n";
        apply(batch);
        present.remove(hostVeth);
    }

    /** Deletes the whole table (tests, or a node going away for good). */
    public void uninstall() throws IOException {
        apply("add table inet " + table + "\ndelete table inet " + table + "\n");
    }

    /** An anonymous nft set; ranges inside another listed range are dropped (nft refuses overlapping intervals). */
    private static String set(List<Cidr> cidrs) {
        List<Cidr> kept = new ArrayList<>();
        for (Cidr c : cidrs) {
            boolean covered = false;
            for (Cidr o : cidrs) {
                if (o == c || o.prefix() > c.prefix()) continue;
                if (o.equals(c) ? kept.contains(o) : o.contains(c.address())) covered = true;
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
}
