package dev.cove.core.runtime;

/**
 * A sandbox as the runtime holds it: enough for the edge and the agent API to reach inside.
 *
 * @param id         sandbox id
 * @param netnsPath  path of its network namespace, e.g. {@code /run/netns/cove-<id>} (for setns)
 * @param ipv4       sandbox side address of its veth, e.g. {@code 10.200.0.2}
 * @param hostIpv4   host side address of its veth, e.g. {@code 10.200.0.1}
 * @param ipv6       sandbox side IPv6 address of its veth
 * @param initPid    host pid of the sandbox's init process (its /proc/&lt;pid&gt;/root is the sandbox root); 0 while
 *                   the sandbox is paused with its processes stopped ({@link PauseState#STOPPED})
 * @param rootfs     host path of the mounted (overlay) root file system
 */
public record RuntimeSandbox(String id, String netnsPath, String ipv4, String hostIpv4, String ipv6,
                             long initPid, String rootfs) {}
