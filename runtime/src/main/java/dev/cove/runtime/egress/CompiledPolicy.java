package dev.cove.runtime.egress;

import dev.cove.core.CoveException;
import dev.cove.core.net.Cidr;
import dev.cove.core.runtime.EgressPolicy;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * An {@link EgressPolicy} split into what nftables enforces (address lists per family) and what the transparent
 * filter decides (domain names). {@code allowOut} wins over {@code denyOut}; {@code internet=false} and a
 * {@code denyOut} of {@code 0.0.0.0/0} deny everything of both families.
 */
public record CompiledPolicy(EgressPolicy source, List<Cidr> allow4, List<Cidr> allow6, List<Cidr> deny4,
                             List<Cidr> deny6, boolean denyAll4, boolean denyAll6, List<String> exactDomains,
                             List<String> wildcardSuffixes) {

    public static CompiledPolicy compile(EgressPolicy p) {
        List<Cidr> a4 = new ArrayList<>(), a6 = new ArrayList<>(), d4 = new ArrayList<>(), d6 = new ArrayList<>();
        List<String> exact = new ArrayList<>(), wild = new ArrayList<>();
        for (String e : p.allowOut()) {
            if (Cidr.isCidr(e)) {
                Cidr c = Cidr.parse(e);
                (c.v4() ? a4 : a6).add(c);
            } else {
                String d = e.strip().toLowerCase(Locale.ROOT);
                if (d.endsWith(".")) d = d.substring(0, d.length() - 1);
                if (d.isEmpty() || d.equals("*.")) throw CoveException.badRequest("invalid allowed address " + e);
                if (d.startsWith("*.")) wild.add(d.substring(1)); // ".example.com"
                else exact.add(d);
            }
        }
        boolean all4 = !p.internet(), all6 = !p.internet();
        for (String e : p.denyOut()) {
            Cidr c;
            try {
                c = Cidr.parse(e);
            } catch (IllegalArgumentException ex) {
                throw CoveException.badRequest("invalid denied CIDR " + e);
            }
            if (c.prefix() == 0) {
                // "0.0.0.0/0" is E2B's ALL_TRAFFIC: the caller means everything, so IPv6 too
                if (c.v4()) all4 = true;
                all6 = true;
                continue;
            }
            (c.v4() ? d4 : d6).add(c);
        }
        return new CompiledPolicy(p, List.copyOf(a4), List.copyOf(a6), List.copyOf(d4), List.copyOf(d6), all4, all6,
                List.copyOf(exact), List.copyOf(wild));
    }

    public boolean hasDomains() { return !exactDomains.isEmpty() || !wildcardSuffixes.isEmpty(); }

    /** True when {@code host} (from Host or SNI) matches a domain entry; {@code *.x} matches subdomains of x only. */
    public boolean allowsName(String host) {
        if (host == null || host.isEmpty()) return false;
        String h = host.toLowerCase(Locale.ROOT);
        if (h.endsWith(".")) h = h.substring(0, h.length() - 1);
        if (exactDomains.contains(h)) return true;
        for (String suffix : wildcardSuffixes) if (h.endsWith(suffix) && h.length() > suffix.length()) return true;
        return false;
    }

    /** The address verdict as nftables applies it: allow list, then deny list, then internet on/off. */
    public boolean allowsAddress(InetAddress a) {
        boolean v4 = Cidr.isV4(a);
        for (Cidr c : v4 ? allow4 : allow6) if (c.contains(a)) return true;
        if (v4 ? denyAll4 : denyAll6) return false;
        for (Cidr c : v4 ? deny4 : deny6) if (c.contains(a)) return false;
        return true;
    }
}
