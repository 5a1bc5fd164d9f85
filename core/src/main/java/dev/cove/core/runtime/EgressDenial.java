package dev.cove.core.runtime;

import java.time.Instant;

/**
 * One connection attempt (or packet) the node refused to let out of a sandbox.
 *
 * @param at          when
 * @param protocol    {@code tcp}, {@code udp}, {@code icmp}, ...
 * @param destination address the sandbox tried to reach (for domain rules: the name it asked for, then the address)
 * @param port        destination port, 0 when the protocol has none
 * @param rule        which rule refused it: {@code host} (the node itself), {@code sandboxes} (another sandbox),
 *                    {@code link-local}, {@code operator} (a range the operator denies), {@code deny-out}
 *                    (the sandbox's denyOut or allow_internet_access=false), {@code domain} (Host/SNI not in
 *                    allowOut), {@code no-name} (port 80/443 without a readable Host/SNI)
 * @param detail      a sentence a person understands
 */
public record EgressDenial(Instant at, String protocol, String destination, int port, String rule, String detail) {
}
