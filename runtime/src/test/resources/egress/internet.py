# The test's own "internet", run inside a network namespace the test made: HTTP on 80 and 8080, TLS with SNI on
# 443, a line echo on 9000 (for long-lived connections) and a DNS server on 53 for the names below. It never talks
# to anything but the clients that reach it.
import socket, socketserver, ssl, sys, threading, http.server, struct

CERT, KEY = sys.argv[1], sys.argv[2]
NAMES = {
    "a.cove.test": "198.18.1.10",
    "b.cove.test": "198.18.2.10",
    "wild.cove.test": "198.18.1.10",
    "x.wild.cove.test": "198.18.2.10",
    "deep.x.wild.cove.test": "198.18.2.10",
    "loop.cove.test": "127.0.0.1",
    "meta.cove.test": "169.254.169.254",
}
NAMES6 = {"a.cove.test": "2001:2::a"}


class V6Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    address_family = socket.AF_INET6
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 256


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        local = self.connection.getsockname()[0].replace("::ffff:", "")
        sni = getattr(self.connection, "cove_sni", None) if hasattr(self.connection, "cove_sni") else None
        body = ("site %s host %s sni %s\n" % (local, self.headers.get("Host"), sni)).encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *a):
        pass


def serve_http(port):
    V6Server(("::", port), Handler).serve_forever()


def serve_tls():
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(CERT, KEY)

    def on_sni(sock, name, c):
        sock.cove_sni = name

    ctx.sni_callback = on_sni

    class TlsServer(V6Server):
        def get_request(self):
            s, addr = self.socket.accept()
            return ctx.wrap_socket(s, server_side=True), addr

    TlsServer(("::", 443), Handler).serve_forever()


class Echo(socketserver.StreamRequestHandler):
    def handle(self):
        for line in self.rfile:
            self.wfile.write(line)
            self.wfile.flush()


class EchoServer(socketserver.ThreadingTCPServer):
    address_family = socket.AF_INET6
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 256


def serve_dns():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("198.18.0.2", 53))
    while True:
        q, addr = s.recvfrom(4096)
        try:
            i, labels = 12, []
            while q[i]:
                labels.append(q[i + 1:i + 1 + q[i]].decode())
                i += 1 + q[i]
            qtype = struct.unpack(">H", q[i + 1:i + 3])[0]
            question = q[12:i + 5]
            name = ".".join(labels).lower()
            answers = b""
            count = 0
            rcode = 0 if name in NAMES or name in NAMES6 else 3
            if qtype == 1 and name in NAMES:
                answers = b"\xc0\x0c" + struct.pack(">HHIH", 1, 1, 5, 4) + socket.inet_aton(NAMES[name])
                count = 1
            if qtype == 28 and name in NAMES6:
                answers = b"\xc0\x0c" + struct.pack(">HHIH", 28, 1, 5, 16) + socket.inet_pton(socket.AF_INET6, NAMES6[name])
                count = 1
            header = q[:2] + struct.pack(">BBHHHH", 0x81, 0x80 | rcode, 1, count, 0, 0)
            s.sendto(header + question + answers, addr)
        except Exception as e:
            print("dns error", e, flush=True)


for target in (lambda: serve_http(80), lambda: serve_http(8080), serve_tls, serve_dns,
               lambda: EchoServer(("::", 9000), Echo).serve_forever()):
    threading.Thread(target=target, daemon=True).start()
print("ready", flush=True)
threading.Event().wait()
