package dev.cove.runtime.net;

import dev.cove.runtime.egress.Firewall;
import dev.cove.runtime.host.Cmd;
import dev.cove.runtime.journal.SandboxJournal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Network namespace and routed veth pair of a sandbox, made with two batched {@code ip} calls
 * (one for the host side, one inside the namespace) instead of seven separate ones.
 * The default route inside points at the host side of the veth, where the node's firewall
 * ({@code dev.cove.runtime.egress.Firewall}) decides what may leave.
 */
public final class Network {
    private static final Duration IP_TIMEOUT = Duration.ofSeconds(20);
    /** How long a gone namespace's host veth may take to follow it (the kernel frees namespaces in the background). */
    public static final Duration VETH_GONE = Duration.ofSeconds(5);

    private Network() {}

    public static void create(SandboxJournal j) throws IOException { create(j, 0); }

    /**
     * The sandbox's network namespace (a new one, or with {@code holderPid} > 0 the one that process holds: a
     * sandbox's user namespace owns it, {@link dev.cove.runtime.userns.UserNamespaces}), its veth pair, addresses
     * and routes.
     */
    public static void create(SandboxJournal j, long holderPid) throws IOException {
        String ns = holderPid > 0 ? "netns attach " + j.netns() + " " + holderPid : "netns add " + j.netns();
        String host = ns + "\n"
                + "link add " + j.hostVeth() + " type veth peer name " + j.sandboxVeth() + " netns " + j.netns() + "\n"
                + "addr add " + j.hostIpv4() + "/30 dev " + j.hostVeth() + "\n"
                + "link set " + j.hostVeth() + " addrgenmode none\n"
                + "addr add " + Firewall.HOST_LINK_LOCAL + "/64 dev " + j.hostVeth() + " nodad\n"
                + "addr add " + j.hostIpv6() + "/64 dev " + j.hostVeth() + " nodad\n"
                + "link set " + j.hostVeth() + " up\n";
        Cmd.check(List.of("ip", "-b", "-"), host, IP_TIMEOUT);
        // Fixed link-local addresses: the firewall's source check knows them (none is derived from a MAC).
        String inside = "link set " + j.sandboxVeth() + " addrgenmode none\n"
                + "addr add " + Firewall.SANDBOX_LINK_LOCAL + "/64 dev " + j.sandboxVeth() + " nodad\n"
                + "addr add " + j.ipv4() + "/30 dev " + j.sandboxVeth() + "\n"
                + "addr add " + j.ipv6() + "/64 dev " + j.sandboxVeth() + " nodad\n"
                + "link set " + j.sandboxVeth() + " up\n"
                + "link set lo up\n"
                + "route add default via " + j.hostIpv4() + "\n"
                + "route add default via " + j.hostIpv6() + "\n";
        Cmd.check(List.of("ip", "-n", j.netns(), "-b", "-"), inside, IP_TIMEOUT);
    }

    public static boolean netnsExists(String netns) {
        return Files.exists(Path.of("/run/netns", netns));
    }

    /**
     * Waits (at most {@code timeout}) until the host veth of a network namespace that has gone is gone too, and tells
     * whether it is. A namespace is freed by the kernel in the background once its last reference goes, and its
     * veth pair with it, so right after a namespace went its host veth may still be there for a moment; making the
     * pair again then would fail with "File exists". A veth that stays is not deleted here: it is a state nothing
     * explains, and the caller refuses it.
     */
    public static boolean awaitHostVethGone(String hostVeth, Duration timeout) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (linkExists(hostVeth)) {
            if (System.nanoTime() > deadline) return false;
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while waiting for veth " + hostVeth + " to go", e);
            }
        }
        return true;
    }

    public static boolean linkExists(String name) {
        return name != null && Files.exists(Path.of("/sys/class/net", name));
    }

    /**
     * Deletes the host veth (which takes its peer with it, synchronously, so the slot can be reused at once)
     * and the namespace. Tolerates either being gone. Throws when something is left.
     */
    public static void delete(String netns, String hostVeth) throws IOException {
        List<String> lines = new ArrayList<>();
        if (linkExists(hostVeth)) lines.add("link del " + hostVeth);
        if (netnsExists(netns)) lines.add("netns del " + netns);
        if (lines.isEmpty()) return;
        Cmd.Result r = Cmd.run(List.of("ip", "-force", "-b", "-"), String.join("\n", lines) + "\n", IP_TIMEOUT);
        if (linkExists(hostVeth) || netnsExists(netns))
            throw new IOException("could not delete network namespace " + netns + " / veth " + hostVeth + ": " + r.message());
    }
}
