# Syscall attacks run inside a sandbox by SyscallAttackTest. "python3 -c <this> all" runs every case in a child
# process of its own (a case that crashes cannot hide the others) and prints "<case> <result>" lines, where the
# result is "ok" (the call succeeded) or the errno's name (the call was refused), or "crash <signal>".
# Every call is made so that it would do no harm if a defence were missing (bad magic numbers, paths that do not
# exist, invalid flags), and the script refuses to run anywhere but in a sandbox.
import ctypes
import errno
import mmap
import os
import socket
import struct
import subprocess
import sys

libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
MAP_32BIT = 0x40


def sc(nr, *args):
    """A raw x86_64 syscall; 0 on success, else the errno's name."""
    ctypes.set_errno(0)
    r = libc.syscall(ctypes.c_long(nr), *[a if isinstance(a, (bytes, ctypes._SimpleCData, ctypes.Array))
                                        or hasattr(a, "_obj") else ctypes.c_long(a) for a in args])
    return "ok" if r >= 0 else errno.errorcode[ctypes.get_errno()]


def fork_like(nr, *args):
    """clone-style calls: a child that was made exits at once; the parent reaps it."""
    r = libc.syscall(ctypes.c_long(nr), *[ctypes.c_long(a) for a in args])
    if r == 0:
        os._exit(0)
    if r < 0:
        return errno.errorcode[ctypes.get_errno()]
    os.waitpid(r, 0)
    return "ok"


_i386 = None


def i386(nr, a=0, b=0, c=0):
    """A syscall through the 32-bit entry point (int $0x80), as an i386 program would make it."""
    global _i386
    if _i386 is None:
        # push rbx; mov eax,edi; mov ebx,esi; xchg ecx,edx; int 0x80; pop rbx; ret  (f(nr, a, b, c))
        code = bytes([0x53, 0x89, 0xF8, 0x89, 0xF3, 0x87, 0xCA, 0xCD, 0x80, 0x5B, 0xC3])
        page = mmap.mmap(-1, 4096, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS | MAP_32BIT,
                         prot=mmap.PROT_READ | mmap.PROT_WRITE | mmap.PROT_EXEC)
        page.write(code)
        base = ctypes.addressof(ctypes.c_char.from_buffer(page))
        fn = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_long, ctypes.c_long, ctypes.c_long, ctypes.c_long)(base)
        _i386 = (page, base, fn)
    page, base, fn = _i386
    r = fn(nr, a, b, c)
    return "ok" if r >= 0 else errno.errorcode[-r]


def i386_args(*words):
    """Places 32-bit words in the low page (after the code) and returns their address, for socketcall."""
    i386(20)  # makes the page
    page, base, _ = _i386
    page.seek(64)
    page.write(struct.pack("<%dI" % len(words), *words))
    return base + 64


def sock(family, type_, proto=0):
    try:
        socket.socket(family, type_, proto).close()
        return "ok"
    except OSError as e:
        return errno.errorcode[e.errno]


def mknod_char():
    path = "/tmp/probe-null-%d" % os.getpid()
    try:
        os.mknod(path, 0o666 | 0o020000, os.makedev(1, 3))
        os.unlink(path)
        return "ok"
    except OSError as e:
        return errno.errorcode[e.errno]


def mkfifo():
    path = "/tmp/probe-fifo-%d" % os.getpid()
    os.mkfifo(path)
    os.unlink(path)
    return "ok"


def pidfd_getfd():
    pidfd = os.pidfd_open(os.getpid())
    return sc(438, pidfd, 0, 0)


def raise_core_limit():
    import resource
    soft, hard = resource.getrlimit(resource.RLIMIT_CORE)
    if (soft, hard) != (0, 0):
        return "limit %d %d" % (soft, hard)
    try:
        resource.setrlimit(resource.RLIMIT_CORE, (1 << 20, 1 << 20))
        return "ok"
    except (OSError, ValueError) as e:
        return errno.errorcode.get(getattr(e, "errno", None) or errno.EPERM, "EPERM")


def ping_loopback():
    """ICMP echo to 127.0.0.1 over an ICMP datagram socket (what ping does without CAP_NET_RAW)."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM, socket.IPPROTO_ICMP)
    s.settimeout(3)
    s.sendto(struct.pack("!BBHHH", 8, 0, 0, 0, 1) + b"cove", ("127.0.0.1", 0))
    data, _ = s.recvfrom(1024)
    return "ok" if data[0] == 0 else "type %d" % data[0]


def setns_net():
    fd = os.open("/proc/self/ns/net", os.O_RDONLY)
    return sc(308, fd, 0)


def open_for_write(path):
    """Opens a kernel knob for writing (and writes nothing): the errno's name, or ok."""
    try:
        os.close(os.open(path, os.O_WRONLY))
        return "ok"
    except OSError as e:
        return errno.errorcode[e.errno]


def cgroup_knob():
    """A control file of the sandbox's own cgroup (its memory or pids limit), for writing."""
    for knob in ("/sys/fs/cgroup/pids/pids.max", "/sys/fs/cgroup/pids.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"):
        if os.path.exists(knob):
            return open_for_write(knob)
    return "ENOENT"


def setuid_host_root():
    """setuid to an id beyond the sandbox's range (host root's neighbourhood as the host counts): not mappable."""
    r = sc(105, 65536)  # setuid(65536): the first id outside a 65,536-id range
    return r


FSOPEN_TMPFS = ctypes.c_char_p(b"tmpfs")
CASES = {
    "fanotify_init": lambda: sc(300, 0, 0),
    "memfd_secret": lambda: sc(447, 0),
    "pidfd_getfd": pidfd_getfd,
    "personality_no_aslr": lambda: sc(135, 0x0040000),
    "personality_query": lambda: sc(135, 0xFFFFFFFF),
    "socket_vsock": lambda: sock(40, socket.SOCK_STREAM),
    "socket_packet": lambda: sock(17, socket.SOCK_RAW, 0x0300),
    "socket_raw_inet": lambda: sock(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP),
    "socket_raw_inet6": lambda: sock(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6),
    "socket_alg": lambda: sock(38, socket.SOCK_SEQPACKET),
    "socket_netlink_route": lambda: sock(socket.AF_NETLINK, socket.SOCK_RAW, 0),
    "mknod_char_device": mknod_char,
    "mkfifo": mkfifo,
    "unshare_user": lambda: sc(272, 0x10000000),
    "unshare_mount": lambda: sc(272, 0x00020000),
    "unshare_net": lambda: sc(272, 0x40000000),
    "clone_newuser": lambda: fork_like(56, 0x10000000 | 17, 0, 0, 0, 0),
    "clone_newpid": lambda: fork_like(56, 0x20000000 | 17, 0, 0, 0, 0),
    "clone_newnet": lambda: fork_like(56, 0x40000000 | 17, 0, 0, 0, 0),
    "clone_plain": lambda: fork_like(56, 17, 0, 0, 0, 0),
    "clone3": lambda: sc(435, 0, 0),
    "setns": setns_net,
    "mount_tmpfs": lambda: sc(165, b"none", b"/nonexistent-cove", b"tmpfs", 0, 0),
    "umount": lambda: sc(166, b"/nonexistent-cove", 0),
    "open_tree": lambda: sc(428, -100, b"/", 1),
    "fsopen": lambda: sc(430, FSOPEN_TMPFS, 0),
    "move_mount": lambda: sc(429, -100, b"/nonexistent-cove", -100, b"/nonexistent-cove2", 0),
    "init_module": lambda: sc(175, 0, 0, b""),
    "finit_module": lambda: sc(313, -1, b"", 0),
    "delete_module": lambda: sc(176, b"cove_nonexistent", 0),
    "kexec_load": lambda: sc(246, 0, 0, 0, 0x7FFF0000),
    "kexec_file_load": lambda: sc(320, -1, -1, 1, b"", 0x7FFF0000),
    "open_by_handle_at": lambda: sc(304, -100, 0, 0),
    "name_to_handle_at": lambda: sc(303, -100, b"/", 0, 0, 0),
    "bpf": lambda: sc(321, 0, 0, 0),
    "io_uring_setup": lambda: sc(425, 1, ctypes.create_string_buffer(120)),
    "keyctl": lambda: sc(250, 0, -3, 0),
    "add_key": lambda: sc(248, b"user", b"cove", b"x", 1, -3),
    "request_key": lambda: sc(249, b"user", b"cove", 0, 0),
    "perf_event_open": lambda: sc(298, ctypes.create_string_buffer(128), 0, -1, -1, 0),
    "userfaultfd": lambda: sc(323, 0),
    "kcmp": lambda: sc(312, os.getpid(), os.getpid(), 0, 0, 0),
    "process_madvise": lambda: sc(440, 0, 0, 0, 0, 0),
    "reboot": lambda: sc(169, 0x1234, 0x5678, 0, 0),
    "syslog": lambda: sc(103, 3, ctypes.create_string_buffer(64), 64),
    "iopl": lambda: sc(172, 4),
    "clock_settime": lambda: sc(227, 1, ctypes.create_string_buffer(16)),
    "swapon": lambda: sc(167, b"/nonexistent-cove", 0),
    "acct": lambda: sc(163, b"/nonexistent-cove"),
    "sethostname": lambda: sc(170, b"evil", 4),
    "i386_getpid": lambda: i386(20),
    "i386_unshare_user": lambda: i386(310, 0x10000000),
    "i386_fanotify_init": lambda: i386(338, 0, 0),
    "i386_personality_no_aslr": lambda: i386(136, 0x0040000),
    "i386_socket_vsock": lambda: i386(359, 40, 1, 0),
    "i386_socketcall_vsock": lambda: i386(102, 1, i386_args(40, 1, 0)),
    "i386_keyctl": lambda: i386(288, 0, 0xFFFFFFFD, 0),
    "i386_mount": lambda: i386(21, 0, 0, 0),  # NULL paths: EFAULT at worst
    "x32_unshare_user": lambda: sc(0x40000000 | 272, 0x10000000),
    "unknown_syscall_1000": lambda: sc(1000),
    "fchmodat2_newer_than_profile": lambda: sc(452, -100, b"/tmp", 0o1777, 0),
    "raise_core_limit": raise_core_limit,
    "ping_loopback": ping_loopback,
    # module autoload: a socket of a family the kernel has no module loaded for would load one
    "socket_autoload_appletalk": lambda: sock(5, socket.SOCK_DGRAM),
    "proc_sys_write": lambda: open_for_write("/proc/sys/kernel/hostname"),
    "core_pattern_write": lambda: open_for_write("/proc/sys/kernel/core_pattern"),
    "cgroup_limit_write": cgroup_knob,
    "setuid_outside_range": setuid_host_root,
}


def main():
    with open("/proc/1/cmdline", "rb") as f:
        if b"trap 'exit 0' TERM" not in f.read():
            sys.exit("not in a Cove sandbox (PID 1 is not its init): refusing to run syscall attacks here")
    if sys.argv[1] != "all":
        print(CASES[sys.argv[1]](), flush=True)
        return
    for name in CASES:
        p = subprocess.run([sys.executable, "-c", SOURCE, name], capture_output=True, text=True, timeout=20)
        if p.returncode < 0:
            result = "crash %d" % -p.returncode
        elif p.returncode != 0:
            result = "error " + (p.stderr.strip().splitlines() or ["?"])[-1]
        else:
            result = p.stdout.strip()
        print(name, result, flush=True)


with open("/proc/self/cmdline", "rb") as f:
    SOURCE = f.read().split(b"\0")[2].decode()  # python3 -c SOURCE: run the cases again in children
main()
