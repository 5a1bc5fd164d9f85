"""What root inside a sandbox tries against the network, run in the sandbox's network namespace.

Every target is an address of this machine's test namespaces (the sandbox's own gateway, a test LAN, a sibling
sandbox); nothing leaves the machine. One line of output per call.

  tcp HOST PORT                      -> open <ms> | refused <ms> | timeout <ms> | error-<errno> <ms>
  udp-forged SRC DST PORT MARK       -> sent   (IPv4 or IPv6 UDP datagram with a forged source, raw socket)
  udp HOST PORT MARK                 -> sent   (ordinary datagram)
  arp-claim IFACE CLAIMED_IP TARGET  -> sent   (gratuitous ARP replies and requests claiming CLAIMED_IP)
  arp-flood IFACE COUNT TARGET       -> sent   (ARP requests from COUNT different sender addresses)
  dns SERVER NAME                    -> rcode=<n> answers=<n> | timeout
  dns-flood SERVER COUNT             -> sent <n>
  tcp-flood HOST PORT COUNT SECONDS [HOLD] -> open=<n> refused=<n> other=<n> (attempts spread over SECONDS)
"""
import errno
import random
import socket
import struct
import sys
import time


def tcp(host, port, timeout=3.0):
    fam = socket.AF_INET6 if ":" in host else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_STREAM)
    s.settimeout(timeout)
    t0 = time.monotonic()
    try:
        s.connect((host, port))
        return "open"
    except ConnectionRefusedError:
        return "refused"
    except socket.timeout:
        return "timeout"
    except OSError as e:
        return "error-%d" % e.errno
    finally:
        s.close()
        tcp.ms = int((time.monotonic() - t0) * 1000)


def checksum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    s = (s >> 16) + (s & 0xFFFF)
    s += s >> 16
    return ~s & 0xFFFF


def udp_forged(src, dst, port, payload):
    if ":" in dst:
        # IPv6 raw sockets cannot forge the source with a header of their own; bind to the forged address with
        # IP_FREEBIND (allowed for root) so the kernel sends it as is
        s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
        s.setsockopt(socket.SOL_IP, 15, 1)  # IP_FREEBIND (covers IPv6 sockets too)
        s.bind((src, 0))
        s.sendto(payload, (dst, port))
        return
    sport = 40000 + random.randint(0, 9999)
    udp_len = 8 + len(payload)
    pseudo = socket.inet_aton(src) + socket.inet_aton(dst) + struct.pack("!BBH", 0, 17, udp_len)
    udp_hdr = struct.pack("!HHHH", sport, port, udp_len, 0)
    csum = checksum(pseudo + udp_hdr + payload)
    udp_hdr = struct.pack("!HHHH", sport, port, udp_len, csum)
    ip_hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + udp_len, random.randint(0, 65535), 0, 64, 17, 0,
                         socket.inet_aton(src), socket.inet_aton(dst))
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    s.sendto(ip_hdr + udp_hdr + payload, (dst, 0))


def arp_frame(iface, op, sender_ip, target_ip):
    mac = open("/sys/class/net/%s/address" % iface).read().strip()
    src_mac = bytes(int(x, 16) for x in mac.split(":"))
    dst_mac = b"\xff" * 6
    eth = dst_mac + src_mac + struct.pack("!H", 0x0806)
    arp = struct.pack("!HHBBH6s4s6s4s", 1, 0x0800, 6, 4, op, src_mac, socket.inet_aton(sender_ip),
                      b"\0" * 6 if op == 1 else dst_mac, socket.inet_aton(target_ip))
    return eth + arp


def arp_send(iface, frames):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((iface, 0))
    for f in frames:
        s.send(f)
    s.close()


def dns_query(name):
    q = struct.pack("!HHHHHH", random.randint(0, 65535), 0x0100, 1, 0, 0, 0)
    for label in name.strip(".").split("."):
        q += bytes([len(label)]) + label.encode()
    return q + b"\0" + struct.pack("!HH", 1, 1)


def main():
    mode, args = sys.argv[1], sys.argv[2:]
    if mode == "tcp":
        r = tcp(args[0], int(args[1]))
        print(r, tcp.ms)
    elif mode == "udp-forged":
        udp_forged(args[0], args[1], int(args[2]), args[3].encode())
        print("sent")
    elif mode == "udp":
        fam = socket.AF_INET6 if ":" in args[0] else socket.AF_INET
        s = socket.socket(fam, socket.SOCK_DGRAM)
        s.sendto(args[2].encode(), (args[0], int(args[1])))
        print("sent")
    elif mode == "arp-claim":
        iface, claimed, target = args
        arp_send(iface, [arp_frame(iface, 2, claimed, claimed), arp_frame(iface, 1, claimed, target)] * 3)
        print("sent")
    elif mode == "arp-flood":
        iface, count, target = args[0], int(args[1]), args[2]
        frames = [arp_frame(iface, 1, "10.%d.%d.%d" % (99, i // 250, 1 + i % 250), target) for i in range(count)]
        arp_send(iface, frames)
        print("sent")
    elif mode == "dns":
        fam = socket.AF_INET6 if ":" in args[0] else socket.AF_INET
        s = socket.socket(fam, socket.SOCK_DGRAM)
        s.settimeout(3)
        q = dns_query(args[1])
        s.sendto(q, (args[0], 53))
        try:
            a = s.recv(4096)
            print("rcode=%d answers=%d" % (a[3] & 0x0F, struct.unpack("!H", a[6:8])[0]))
        except socket.timeout:
            print("timeout")
    elif mode == "dns-flood":
        count = int(args[1])
        socks = [socket.socket(socket.AF_INET, socket.SOCK_DGRAM) for _ in range(50)]
        for i in range(count):
            # 50 source ports: what a flood from many sockets looks like to conntrack
            socks[i % 50].sendto(b"x" if i % 2 else dns_query("f%d.cove.test" % i), (args[0], 53))
        print("sent", count)
    elif mode == "tcp-flood":
        host, port, count, seconds = args[0], int(args[1]), int(args[2]), float(args[3])
        fam = socket.AF_INET6 if ":" in host else socket.AF_INET
        counts = {"open": 0, "refused": 0, "other": 0}
        held = []
        start = time.monotonic()
        for i in range(count):
            # spread over SECONDS: long enough to meet both budgets (rate, then tracked connections)
            pause = start + seconds * i / count - time.monotonic()
            if pause > 0:
                time.sleep(pause)
            s = socket.socket(fam, socket.SOCK_STREAM)
            s.settimeout(0.5)
            try:
                s.connect((host, port))
                counts["open"] += 1
                held.append(s)  # keep it: conntrack entries stay while the connection does
                continue
            except ConnectionRefusedError:
                counts["refused"] += 1
            except OSError:
                counts["other"] += 1
            s.close()
        print("open=%d refused=%d other=%d" % (counts["open"], counts["refused"], counts["other"]))
        sys.stdout.flush()
        if len(args) > 4:
            time.sleep(float(args[4]))  # hold the connections while the test looks at the host
        for s in held:
            s.close()
    else:
        sys.exit("unknown mode " + mode)


main()
