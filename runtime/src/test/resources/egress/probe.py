# Runs inside a sandbox: one connection attempt, printed as "<outcome> <ms> <first line of the answer>".
import socket, ssl, sys, time

mode, host, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
name = sys.argv[4] if len(sys.argv) > 4 else host
t0 = time.monotonic()
try:
    s = socket.create_connection((host, port), timeout=3)
    if mode == "tcp":
        out = "open"
    else:
        if mode == "tls":
            ctx = ssl.create_default_context()
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
            s = ctx.wrap_socket(s, server_hostname=name)
        s.settimeout(3)
        s.sendall(("GET / HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n" % name).encode())
        data = b""
        while True:
            chunk = s.recv(4096)
            if not chunk:
                break
            data += chunk
        status = data.split(b"\r\n", 1)[0].decode(errors="replace")
        body = data.split(b"\r\n\r\n", 1)[-1].decode(errors="replace").strip().replace("\n", " ")
        out = ("ok" if " 200 " in status else "http-" + status.split(" ")[1] if " " in status else "empty") + " | " + body
except socket.timeout:
    out = "timeout"
except ConnectionRefusedError:
    out = "refused"
except ConnectionResetError:
    out = "reset"
except ssl.SSLError as e:
    out = "tls-error " + e.__class__.__name__
except OSError as e:
    out = "error-%s" % e.errno
print(out.split(" | ")[0], int((time.monotonic() - t0) * 1000), out.split(" | ")[1] if " | " in out else "")
