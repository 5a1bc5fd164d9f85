package dev.cove.runtime.egress.dns;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetSocketAddress;
import java.net.PortUnreachableException;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;

/**
 * One upstream resolver as the UDP relay ({@link DnsRelay}) talks to it: through a socket of its own, CONNECTED to
 * it. Only a connected UDP socket hears of the ICMP errors its datagrams cause: Linux reports a port unreachable (or
 * an administrative prohibition) as the error of that socket's next receive or send ({@link PortUnreachableException},
 * or another {@link IOException}), so a query to a closed port fails over at once instead of waiting for the retry
 * timer. On one unconnected socket shared by all upstreams the kernel drops those errors. The upstreams are fixed
 * and few, so are these sockets.
 *
 * <p>Connecting fixes the route and the source address. When that fails (no route yet, at boot), a send fails for
 * a local reason (the host's address changed, a route went away) or the socket was closed under us (a sending thread
 * was interrupted), the socket is dropped and the receiving thread connects a new one, at most once per
 * {@link #RECONNECT_MS}; meanwhile sends fail and the relay moves on.
 */
final class DnsUpstream implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(DnsUpstream.class);

    static final int RECONNECT_MS = 1000;
    private static final long RECONNECT_NANOS = RECONNECT_MS * 1_000_000L;

    final int index;
    final InetSocketAddress address;
    /** Null while not connected; replaced only by the receiving thread, dropped by a failed send. */
    private volatile DatagramChannel channel;
    private long lastConnect; // the receiving thread's (and the constructor's)
    private boolean warned;
    private volatile boolean closed;

    /** Connects at once; when that fails the receiving thread ({@link #receive}) tries again. */
    DnsUpstream(int index, InetSocketAddress address) {
        this.index = index;
        this.address = address;
        this.lastConnect = System.nanoTime() - RECONNECT_NANOS;
        connect();
    }

    /**
     * Sends {@code wire}; false when it was not sent, or this socket reported an error meanwhile (an ICMP unreachable
     * for an earlier query, a missing route): either way the upstream's waiting queries should move on.
     */
    boolean send(byte[] wire) {
        DatagramChannel c = channel;
        if (c == null) return false;
        try {
            c.write(ByteBuffer.wrap(wire));
            return true;
        } catch (PortUnreachableException e) {
            return false; // an earlier datagram's ICMP error, reported here instead of to the receiving thread
        } catch (ClosedChannelException e) {
            if (!closed) drop(c); // dropped by another failed send, or closed by this thread's interrupt
            return false;
        } catch (IOException e) {
            if (!closed) log.debug("dns: upstream {}: {}; connecting anew", address, e.toString());
            drop(c);
            return false;
        }
    }

    /**
     * Waits for the next datagram from the upstream and puts it into {@code buf} (flipped); connects first when
     * there is no socket. False once closed.
     *
     * @throws IOException the socket's error: the upstream (or a router) refused an earlier query
     */
    boolean receive(ByteBuffer buf) throws IOException {
        while (!closed) {
            DatagramChannel c = channel;
            if (c == null) {
                long wait = lastConnect + RECONNECT_NANOS - System.nanoTime();
                if (wait > 0) sleep(wait);
                else connect();
                continue;
            }
            try {
                buf.clear();
                c.read(buf);
                buf.flip();
                return true;
            } catch (ClosedChannelException e) {
                if (!closed) drop(c); // dropped after a failed send, or closed by a sender's interrupt: connect anew
            }
        }
        return false;
    }

    private void connect() {
        lastConnect = System.nanoTime();
        DatagramChannel c = null;
        try {
            c = DatagramChannel.open(address.getAddress() instanceof Inet4Address
                    ? StandardProtocolFamily.INET : StandardProtocolFamily.INET6);
            // room for bursts from many sandboxes while the receiving thread catches up (capped by rmem_max)
            c.setOption(StandardSocketOptions.SO_RCVBUF, 1 << 20);
            c.connect(address);
        } catch (IOException | RuntimeException e) {
            if (!warned) log.warn("dns: cannot reach upstream {} ({}); trying again every second", address, e.toString());
            warned = true;
            closeQuietly(c);
            return;
        }
        if (warned) log.info("dns: upstream {} reachable again", address);
        warned = false;
        synchronized (this) {
            if (closed) closeQuietly(c);
            else channel = c;
        }
    }

    private synchronized void drop(DatagramChannel c) {
        if (channel != c) return;
        channel = null;
        closeQuietly(c); // wakes the receiving thread, which connects anew
    }

    private static void sleep(long nanos) {
        try {
            Thread.sleep(nanos / 1_000_000, (int) (nanos % 1_000_000));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void closeQuietly(DatagramChannel c) {
        if (c == null) return;
        try {
            c.close();
        } catch (IOException ignored) {
            // closing
        }
    }

    @Override
    public void close() {
        DatagramChannel c;
        synchronized (this) {
            closed = true;
            c = channel;
            channel = null;
        }
        closeQuietly(c);
    }
}
