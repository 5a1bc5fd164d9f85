# A test "LAN" host, run inside a network namespace the confinement test made (RFC 1918, CGNAT and ULA
# addresses routed from the host). TCP 8080 answers "lan <address>" and holds the connection until the client
# closes it; UDP 9999 writes every datagram's payload and source to stdout. It never talks to anything but the
# clients that reach it.
import socket, sys, threading

def tcp():
    s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("::", 8080))
    s.listen(4096)
    while True:
        c, _ = s.accept()
        threading.Thread(target=hold, args=(c,), daemon=True).start()

def hold(c):
    try:
        c.sendall(("lan %s\n" % c.getsockname()[0].replace("::ffff:", "")).encode())
        while c.recv(1024):
            pass
    except OSError:
        pass
    finally:
        c.close()

def udp():
    s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    s.bind(("::", 9999))
    while True:
        data, src = s.recvfrom(2048)
        print("udp %s from %s" % (data.decode(errors="replace"), src[0].replace("::ffff:", "")), flush=True)

threading.Thread(target=tcp, daemon=True).start()
threading.Thread(target=udp, daemon=True).start()
print("ready", flush=True)
threading.Event().wait()
