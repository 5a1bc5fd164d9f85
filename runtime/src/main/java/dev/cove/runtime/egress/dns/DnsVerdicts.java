package dev.cove.runtime.egress.dns;

import dev.cove.runtime.egress.CompiledPolicy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xbill.DNS.Header;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Opcode;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Section;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * What the sandboxes' resolver ({@link Dns}) does with a query, decided on the name of its one question, over UDP and
 * TCP alike:
 * <ul>
 *   <li><b>NXDOMAIN</b>, answered here: host-internal names, whatever the sandbox's policy. Single-label names
 *       ({@code _gateway}, {@code myhost}, {@code localhost}), {@code *.localhost}, {@code *.local},
 *       {@code *.internal}, {@code *.home.arpa}, {@code *.lan}, {@code *.localdomain}, the host's own search domains
 *       and {@code domain} from {@code /etc/resolv.conf} (and their subdomains), and reverse lookups of private and
 *       special ranges (RFC 1918, CGNAT, loopback, link-local, {@code 0/8}, unique-local, IPv4-mapped). The
 *       upstream is the host's resolver: relaying these would tell a sandbox about the host's network. Also
 *       {@code *.invalid}: RFC 6761 reserves it for names that never exist and asks resolvers to answer NXDOMAIN
 *       themselves (so a stub's "is there no DNS?" probe is answered at once, even when the upstream is down).
 *       Not {@code *.test}: RFC 6761 leaves those to the resolvers, and tests run zones of their own there.</li>
 *   <li><b>REFUSED</b>, answered here: the policy forbids the name. With the internet off
 *       ({@code denyAll4 && denyAll6}: {@code internet=false}, or a {@code denyOut} of {@code 0.0.0.0/0}) only names
 *       the policy allows ({@link CompiledPolicy#allowsName}) are relayed, so nothing else, not even a query
 *       carrying data to an attacker's name server, leaves the host.</li>
 *   <li><b>FORMERR</b>, answered here: not exactly one question, or not parseable; <b>NOTIMP</b>: an opcode other
 *       than QUERY.</li>
 *   <li>Ignored: DNS responses (no loops between resolvers) and datagrams too short to carry an ID.</li>
 *   <li>Otherwise relayed to the upstream.</li>
 * </ul>
 */
final class DnsVerdicts {
    private static final Logger log = LoggerFactory.getLogger(DnsVerdicts.class);

    /** The zones whose names never leave the host, besides single-label names and the host's search domains. */
    static final List<String> INTERNAL_ZONES = internalZones();

    private final List<Name> internal;

    /** @param hostDomains the host's search domains ({@link #hostDomains(Path)}): host-internal too */
    DnsVerdicts(List<String> hostDomains) throws IOException {
        List<Name> zones = new ArrayList<>();
        for (String z : INTERNAL_ZONES) zones.add(DnsMessages.absolute(z));
        for (String d : hostDomains) {
            Name n = DnsMessages.absoluteOrNull(d);
            if (n != null && !n.equals(Name.root)) zones.add(n);
        }
        this.internal = List.copyOf(zones);
    }

    /** The {@code search} and {@code domain} entries of a resolv.conf: the host's own names. */
    static List<String> hostDomains(Path resolvConf) {
        List<String> out = new ArrayList<>();
        try {
            if (!Files.isReadable(resolvConf)) return out;
            for (String line : Files.readAllLines(resolvConf)) {
                String[] f = line.strip().split("\\s+");
                if (f.length >= 2 && (f[0].equals("search") || f[0].equals("domain")))
                    out.addAll(Arrays.asList(f).subList(1, f.length));
            }
        } catch (IOException e) {
            log.debug("dns: cannot read {}: {}", resolvConf, e.toString());
        }
        return out;
    }

    private static List<String> internalZones() {
        List<String> z = new ArrayList<>(List.of("localhost", "local", "internal", "lan", "localdomain", "home.arpa",
                "invalid")); // RFC 6761 6.4: never exists, answered NXDOMAIN without asking anyone
        // reverse zones of RFC 1918, loopback, this-network, link-local and broadcast ...
        z.addAll(List.of("10.in-addr.arpa", "127.in-addr.arpa", "0.in-addr.arpa", "254.169.in-addr.arpa",
                "168.192.in-addr.arpa", "255.255.255.255.in-addr.arpa"));
        for (int i = 16; i <= 31; i++) z.add(i + ".172.in-addr.arpa");
        for (int i = 64; i <= 127; i++) z.add(i + ".100.in-addr.arpa"); // 100.64.0.0/10, shared address space (CGNAT)
        // ... and of unique-local fc00::/7, link-local fe80::/10 (and the old site-local fec0::/10), ::1, :: and
        // IPv4-mapped ::ffff:0:0/96
        z.addAll(List.of("c.f.ip6.arpa", "d.f.ip6.arpa"));
        for (char c : "89abcdef".toCharArray()) z.add(c + ".e.f.ip6.arpa");
        String zeros = "0.".repeat(31);
        z.add("1." + zeros + "ip6.arpa");
        z.add("0." + zeros + "ip6.arpa");
        z.add("f.f.f.f." + "0.".repeat(20) + "ip6.arpa");
        return List.copyOf(z);
    }

    /** True when {@code name} must never be relayed: it can only be about the host's own network. */
    boolean hostInternal(Name name) {
        if (name.labels() == 2) return true; // one label and the root: _gateway, myhost, localhost
        for (Name zone : internal) if (name.subdomain(zone)) return true;
        return false;
    }

    /** What to do with a query: answer it here ({@code local}), relay it ({@code query} only), or ignore it. */
    record Verdict(Message query, byte[] local) {
        static final Verdict IGNORE = new Verdict(null, null);

        static Verdict local(byte[] answer) { return new Verdict(null, answer); }
    }

    /** The verdict on the query {@code wire} of a sandbox with {@code policy}. */
    Verdict decide(byte[] wire, CompiledPolicy policy) {
        // too short to carry an ID, or a response: never answered (no loops between resolvers)
        if (wire.length < Header.LENGTH || (wire[2] & 0x80) != 0) return Verdict.IGNORE;
        if (wire.length > DnsMessages.MAX_QUERY) return Verdict.local(DnsMessages.formerr(wire));
        Message query;
        try {
            query = new Message(wire);
        } catch (IOException | RuntimeException e) {
            return Verdict.local(DnsMessages.formerr(wire));
        }
        Header h = query.getHeader();
        if (h.getOpcode() != Opcode.QUERY) return Verdict.local(DnsMessages.answer(query, Rcode.NOTIMP));
        if (h.getCount(Section.QUESTION) != 1 || DnsMessages.questionEnd(wire) < 0)
            return Verdict.local(DnsMessages.answer(query, Rcode.FORMERR));
        Name name = query.getQuestion().getName();
        if (hostInternal(name)) {
            log.debug("dns: {} is host-internal: NXDOMAIN", name);
            return Verdict.local(DnsMessages.answer(query, Rcode.NXDOMAIN));
        }
        if (policy.denyAll4() && policy.denyAll6() && !policy.allowsName(name.toString())) {
            log.debug("dns: {} not allowed with the internet off: REFUSED", name);
            return Verdict.local(DnsMessages.answer(query, Rcode.REFUSED));
        }
        return new Verdict(query, null);
    }
}
