# Runs inside a sandbox: opens one connection to the echo port, proves it works, waits for /tmp/go, then uses it
# again and writes what happened to /tmp/hold.out ("alive" or the error).
import os, socket, sys, time

s = socket.create_connection((sys.argv[1], 9000), timeout=3)
s.sendall(b"one\n")
first = s.recv(100)
open("/tmp/hold.out", "w").write("connected %r\n" % first)
while not os.path.exists("/tmp/go"):
    time.sleep(0.05)
try:
    s.settimeout(3)
    s.sendall(b"two\n")
    time.sleep(0.3)
    s.sendall(b"three\n")
    got = s.recv(100)
    result = "alive %r" % got if got else "closed"
except Exception as e:
    result = "cut " + e.__class__.__name__
open("/tmp/hold.out", "a").write(result + "\n")
