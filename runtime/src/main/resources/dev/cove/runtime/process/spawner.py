# Cove's per-sandbox process spawner. Started once per sandbox through the OCI runtime's exec (as root, so it
# already lives in the sandbox's cgroup and namespaces, under its seccomp filter, capability bounding set and
# no_new_privs), it starts the agent API's processes without paying for a runtime exec each time.
#
# It connects to the host's one-time listening socket (argv[1]), proves itself with the token read from stdin and
# then serves that single connection (SOCK_SEQPACKET, one JSON message per packet):
#   request  {"id", "argv", "env": ["K=V"], "cwd", "uid", "gid", "groups", "stdin"} + fds [stdout, stderr(, stdin)]
#   reply    {"id", "pid"} + fd [pidfd]   or   {"id", "error", "errno"}
#   end      {"id", "exit": code}   or   {"id", "signal": n}
# When the connection ends (the host went away) it exits; the processes it started live on.
import json
import os
import selectors
import signal
import socket
import subprocess
import sys


def main():
    token = sys.stdin.readline().strip()
    devnull = os.open("/dev/null", os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(devnull, fd)
    for sig in (signal.SIGHUP, signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: None)  # a handler, not SIG_IGN: children must not inherit an ignored signal
    conn = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    conn.connect(sys.argv[1])
    conn.send(json.dumps({"hello": token}).encode())
    # Go on in a child, adopted by the sandbox's init (the sandbox's end reaps it at once); we exit, and the
    # runtime's exec, our parent, reaps us and ends. The host checks the pid that connected: ours.
    if os.fork() > 0:
        os._exit(0)
    sel = selectors.DefaultSelector()
    sel.register(conn, selectors.EVENT_READ, None)
    while True:
        for key, _ in sel.select():
            if key.data is None:
                try:
                    msg, fds, _, _ = socket.recv_fds(conn, 1 << 20, 4)
                except OSError:
                    return
                if not msg:
                    return
                start(conn, sel, msg, fds, devnull)
            else:
                ended(conn, sel, key)


def start(conn, sel, msg, fds, devnull):
    rid = None
    try:
        req = json.loads(msg)
        rid = req["id"]
        if len(fds) < 2 or (req.get("stdin") and len(fds) < 3):
            raise ValueError("missing file descriptors")
        for fd in fds:
            os.fchown(fd, req["uid"], req["gid"])  # as runc does: the user can reopen /dev/stdout and friends
        env = {}
        for kv in req["env"]:
            k, _, v = kv.partition("=")
            env[k] = v
        proc = subprocess.Popen(req["argv"], stdin=fds[2] if req.get("stdin") else devnull, stdout=fds[0],
                                stderr=fds[1], env=env, cwd=req["cwd"], user=req["uid"], group=req["gid"],
                                extra_groups=req["groups"], start_new_session=True, close_fds=True,
                                restore_signals=True)
        pidfd = os.pidfd_open(proc.pid)
    except OSError as e:
        reply(conn, {"id": rid, "error": describe(e, req), "errno": e.errno or 0})
        return
    except Exception as e:  # a malformed request
        reply(conn, {"id": rid, "error": str(e), "errno": 22})
        return
    finally:
        for fd in fds:
            os.close(fd)
    sel.register(pidfd, selectors.EVENT_READ, (rid, proc))
    try:
        socket.send_fds(conn, [json.dumps({"id": rid, "pid": proc.pid}).encode()], [pidfd])
    except OSError:
        sys.exit(0)


def describe(e, req):
    if isinstance(e, FileNotFoundError) and e.filename == req["argv"][0] and "/" not in req["argv"][0]:
        return 'exec: "%s": executable file not found in $PATH' % req["argv"][0]
    if e.filename is not None:
        return "%s: %s" % (e.filename, e.strerror)
    return str(e)


def ended(conn, sel, key):
    rid, proc = key.data
    code = proc.poll()
    if code is None:
        return
    sel.unregister(key.fileobj)
    os.close(key.fileobj)
    reply(conn, {"id": rid, "exit": code} if code >= 0 else {"id": rid, "signal": -code})


def reply(conn, obj):
    try:
        conn.send(json.dumps(obj).encode())
    except OSError:
        sys.exit(0)


main()
