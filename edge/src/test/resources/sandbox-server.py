#!/usr/bin/env python3
"""Test upstream for the edge: the servers a sandbox user runs, in one stdlib-only file.

  GET  /            JSON: bind address, Host, X-Forwarded-*, and which credentials arrived
  POST /upload      streams the body in, answers its length and CRC32 (never holds it whole)
  GET  /sse         5 server-sent events, 300 ms apart
  GET  /slow        a chunked response, 5 chunks 300 ms apart
  GET  /ws          WebSocket echo (text and binary, ping, close)
  GET  /big?mb=N    N MiB of body, written as fast as the reader takes them (backpressure)
  GET  /cut         starts a response, then drops the connection (a server dying mid-way)
  GET  /page        an HTML page that loads /asset.js, fetches /, and echoes "hello" over a WebSocket on /ws
                    (the browser test of share links: its title becomes "ws ok" when all three worked)
  GET  /status?code=N  answers N
  GET  /set-cookies  answers 200 with the Set-Cookie headers an attacker's app would send (cookie tossing, Cove's
                    name), and two harmless ones
  GET  /posts       how many POSTs this server has received ({"posts": N})
  GET  /attack?target=URL  an HTML page that tries, against another sandbox's port at URL, what a sibling sandbox's
                    page could: toss cookies (its own response), POST with the victim's cookie, open a WebSocket to it;
                    its title becomes "attack done" with the outcomes in #result (the browser isolation test)
  --allowed-host H  like Vite: anything (page or WebSocket) with another Host gets 403 "Blocked request"
"""
import argparse, base64, hashlib, json, socket, struct, sys, threading, time, zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

WS_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
ap = argparse.ArgumentParser()
ap.add_argument("--bind", default="0.0.0.0")
ap.add_argument("--port", type=int, required=True)
ap.add_argument("--allowed-host", action="append", default=[])
args = ap.parse_args()


PAGE = """<!doctype html><html><head><title>loading</title><script src="/asset.js"></script></head>
<body><p id="state">loading</p></body></html>"""
ASSET = """
window.addEventListener('load', async () => {
  const state = document.getElementById('state');
  try {
    const r = await fetch('/?from=fetch');
    if (r.status !== 200) throw new Error('fetch answered ' + r.status);
    const ws = new WebSocket((location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/ws');
    ws.onopen = () => ws.send('hello');
    ws.onmessage = (m) => { if (m.data === 'hello') { document.title = 'ws ok'; state.textContent = 'ws ok'; } };
    ws.onerror = () => { document.title = 'ws failed'; };
  } catch (e) { document.title = 'failed: ' + e.message; }
});
"""


# What a hostile app answers to toss cookies onto its sibling sandboxes (Domain = the whole Cove domain), to shadow
# Cove's access cookie (a longer Path wins), and to set Cove's cookie itself; the last two are an app's ordinary ones.
TOSSED_COOKIES = [
    "app_session=tossed; Domain=cove.localhost; Path=/",
    "cove_access=tossed; Domain=cove.localhost; Path=/x",
    "__Host-cove_access=tossed; Path=/; Secure",
    "__SECURE-Cove_Access=tossed; Secure; Path=/",
    "=cove_access=tossed",
    "theme=dark; Path=/; HttpOnly",
    "wide=1; Path=/; domain=.COVE.localhost; Max-Age=60",
]

# The page of sandbox A that attacks sandbox B (?target=<B's origin>): cookies tossed by A's own /set-cookies,
# a cross-origin form-like POST and a WebSocket to B, both carrying B's cookie if the browser sends it.
ATTACK_PAGE = """<!doctype html><html><head><title>attacking</title></head><body><pre id="result"></pre><script>
const target = new URLSearchParams(location.search).get('target');
const out = {};
function done() { document.getElementById('result').textContent = JSON.stringify(out); document.title = 'attack done'; }
(async () => {
  try { const r = await fetch('/set-cookies', {credentials: 'include'}); out.toss = r.status; } catch (e) { out.toss = 'error'; }
  try {
    const r = await fetch(target + '/upload', {method: 'POST', body: 'x', credentials: 'include', mode: 'no-cors'});
    out.post = r.type;
  } catch (e) { out.post = 'error'; }
  await new Promise((resolve) => {
    const ws = new WebSocket(target.replace(/^http/, 'ws') + '/ws');
    const timer = setTimeout(() => { out.ws = 'timeout'; resolve(); }, 5000);
    ws.onopen = () => { ws.send('hello'); };
    ws.onmessage = (m) => { out.ws = 'open:' + m.data; clearTimeout(timer); resolve(); };
    ws.onerror = () => { out.ws = 'refused'; clearTimeout(timer); resolve(); };
  });
  done();
})();
</script></body></html>"""


POSTS = 0
POSTS_LOCK = threading.Lock()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *a):
        pass

    def host_allowed(self):
        if not args.allowed_host:
            return True
        if self.headers.get("Host", "") in args.allowed_host:
            return True
        body = ("Blocked request. This host (%s) is not allowed." % self.headers.get("Host")).encode()
        self.send_response(403)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        return False

    def send_json(self, obj, status=200):
        body = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        if not self.host_allowed():
            return
        path = self.path.split("?")[0]
        if path == "/ws":
            return self.websocket()
        if path == "/sse":
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Cache-Control", "no-cache")
            self.send_header("Connection", "close")
            self.end_headers()
            for i in range(5):
                self.wfile.write(("data: event %d\n\n" % i).encode())
                self.wfile.flush()
                time.sleep(0.3)
            self.close_connection = True
            return
        if path == "/slow":
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for i in range(5):
                chunk = ("chunk %d\n" % i).encode()
                self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                self.wfile.flush()
                time.sleep(0.3)
            self.wfile.write(b"0\r\n\r\n")
            return
        if path == "/big":  # ?mb=N: N MiB, as fast as the reader takes them
            mb = int(self.path.split("mb=")[1]) if "mb=" in self.path else 64
            self.send_response(200)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Content-Length", str(mb << 20))
            self.end_headers()
            block = b"\x5a" * 65536
            for _ in range(mb * 16):
                self.wfile.write(block)
            return
        if path == "/page":
            return self.send_text(PAGE, "text/html; charset=utf-8")
        if path == "/asset.js":
            return self.send_text(ASSET, "application/javascript")
        if path == "/set-cookies":
            self.send_response(200)
            for c in TOSSED_COOKIES:
                self.send_header("Set-Cookie", c)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")
            return
        if path == "/posts":
            return self.send_json({"posts": POSTS})
        if path == "/attack":
            return self.send_text(ATTACK_PAGE, "text/html; charset=utf-8")
        if path == "/status":
            code = int(self.path.split("code=")[1]) if "code=" in self.path else 200
            return self.send_json({"status": code}, code)
        if path == "/cut":
            self.send_response(200)
            self.send_header("Content-Length", "1000")
            self.end_headers()
            self.wfile.write(b"partial")
            self.wfile.flush()
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()
            self.close_connection = True
            return
        self.send_json({
            "bind": args.bind, "port": args.port, "path": self.path,
            "host": self.headers.get("Host"),
            "xForwardedHost": self.headers.get("X-Forwarded-Host"),
            "xForwardedProto": self.headers.get("X-Forwarded-Proto"),
            "xForwardedFor": self.headers.get("X-Forwarded-For"),
            "xForwardedPort": self.headers.get("X-Forwarded-Port"),
            "cookie": self.headers.get("Cookie"),
            "trafficToken": self.headers.get("e2b-traffic-access-token"),
            "apiKey": self.headers.get("X-API-Key"),
            "connection": self.headers.get("Connection"),
            "authorization": self.headers.get("Authorization"),
            "headers": {k: v for k, v in self.headers.items()},
        })

    def send_text(self, text, content_type):
        body = text.encode()
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        if not self.host_allowed():
            return
        global POSTS
        with POSTS_LOCK:
            POSTS += 1
        remaining = int(self.headers.get("Content-Length", "0"))
        crc, total = 0, 0
        while remaining > 0:
            data = self.rfile.read(min(remaining, 65536))
            if not data:
                break
            crc = zlib.crc32(data, crc)
            total += len(data)
            remaining -= len(data)
        self.send_json({"length": total, "crc32": crc})

    def websocket(self):
        key = self.headers.get("Sec-WebSocket-Key")
        if self.headers.get("Upgrade", "").lower() != "websocket" or not key:
            return self.send_json({"error": "not a websocket request"}, 400)
        accept = base64.b64encode(hashlib.sha1((key + WS_GUID).encode()).digest()).decode()
        self.send_response(101)
        self.send_header("Upgrade", "websocket")
        self.send_header("Connection", "Upgrade")
        self.send_header("Sec-WebSocket-Accept", accept)
        self.end_headers()
        self.wfile.flush()
        self.close_connection = True
        try:
            while True:
                head = self.rfile.read(2)
                if len(head) < 2:
                    return
                fin, opcode, length = head[0] & 0x80, head[0] & 0x0F, head[1] & 0x7F
                if length == 126:
                    length = struct.unpack(">H", self.rfile.read(2))[0]
                elif length == 127:
                    length = struct.unpack(">Q", self.rfile.read(8))[0]
                mask = self.rfile.read(4) if head[1] & 0x80 else b"\0\0\0\0"
                payload = bytearray(self.rfile.read(length))
                for i in range(len(payload)):
                    payload[i] ^= mask[i % 4]
                if opcode == 8:
                    self.send_frame(8, bytes(payload[:2]))
                    return
                if opcode == 9:
                    self.send_frame(10, bytes(payload))
                elif opcode in (0, 1, 2):  # fragments are echoed as fragments
                    self.send_frame(opcode, bytes(payload), fin)
        except (ConnectionError, OSError):
            return

    def send_frame(self, opcode, payload, fin=0x80):
        n = len(payload)
        if n < 126:
            head = struct.pack(">BB", fin | opcode, n)
        elif n < 65536:
            head = struct.pack(">BBH", fin | opcode, 126, n)
        else:
            head = struct.pack(">BBQ", fin | opcode, 127, n)
        self.wfile.write(head + payload)
        self.wfile.flush()


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    address_family = socket.AF_INET6 if ":" in args.bind else socket.AF_INET


Server((args.bind, args.port), Handler).serve_forever()
