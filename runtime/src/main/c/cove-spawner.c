/*
 * Cove's per-sandbox process spawner (the sealed agent).
 *
 * Why C and not a script: the spawner must come from the host, not from the sandbox. A script needs an
 * interpreter and its library from the sandbox's own file system, which the sandbox's root can replace; this
 * program is linked statically, lives on the host (mode 0111, owned by the host's root) and is bind-mounted
 * read-only into the sandbox at a fixed path, so nothing in the sandbox is loaded into it. It makes itself
 * non-dumpable before anything else: nothing in the sandbox (which holds no CAP_SYS_PTRACE) may ptrace it, read
 * its memory or environment, list or take its descriptors (pidfd_getfd). In a user namespace the binary is not
 * even readable, so the kernel marks it non-dumpable from execve on.
 *
 * It is started once per sandbox through the OCI runtime's exec (so it lives in the sandbox's cgroup and
 * namespaces, under its seccomp filter, capability bounding set and no_new_privs), connects to the host's one-time
 * listening socket (argv[1]), proves itself with the token read from stdin and serves that single connection
 * (SOCK_SEQPACKET, one message per packet):
 *
 *   hello    {"hello":"<token>","v":2}   (the newest request version it reads)
 *   request  binary, little-endian (see read_request) + 3 fds [stdout, stderr, stdin]
 *   reply    {"id":N,"pid":P} + fd [pidfd]   or   {"id":N,"errno":E,"stage":"request|fork|cwd|user|exec"}
 *   end      {"id":N,"exit":C}   or   {"id":N,"signal":S}
 *
 * Requests come from the host only; still, every length is checked. When the connection ends it exits; the
 * processes it started live on.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef P_PIDFD
#define P_PIDFD 3
#endif
#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

#define MAX_REQUEST (256 * 1024)
#define MAX_STRINGS 65536
#define MAX_GROUPS 64
#define REQUEST_VERSION 2 /* 2 added flags; 1 is still read */
#define FLAG_NO_NEW_PRIVS 1u

struct child {
    uint64_t id;
    int pidfd;
};

static struct child *children;
static size_t nchildren, capchildren;
static int conn = -1;

static void on_signal(int sig) { (void) sig; } /* a handler, not SIG_IGN: children must not inherit "ignored" */

static void send_json(const char *json, int fd) {
    struct iovec iov = {.iov_base = (void *) json, .iov_len = strlen(json)};
    union {
        char buf[CMSG_SPACE(sizeof(int))];
        struct cmsghdr align;
    } u;
    struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1};
    if (fd >= 0) {
        memset(&u, 0, sizeof u);
        msg.msg_control = u.buf;
        msg.msg_controllen = sizeof u.buf;
        struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(sizeof(int));
        memcpy(CMSG_DATA(c), &fd, sizeof(int));
    }
    while (sendmsg(conn, &msg, MSG_NOSIGNAL) < 0) {
        if (errno != EINTR) _exit(0); /* the host went away */
    }
}

static void reply_error(uint64_t id, int err, const char *stage) {
    char buf[128];
    snprintf(buf, sizeof buf, "{\"id\":%llu,\"errno\":%d,\"stage\":\"%s\"}", (unsigned long long) id, err, stage);
    send_json(buf, -1);
}

/* A cursor over a request; every read is bounds-checked. */
struct cursor {
    const unsigned char *p, *end;
    int bad;
};

static uint32_t u32(struct cursor *c) {
    if (c->end - c->p < 4) {
        c->bad = 1;
        return 0;
    }
    uint32_t v = (uint32_t) c->p[0] | (uint32_t) c->p[1] << 8 | (uint32_t) c->p[2] << 16 | (uint32_t) c->p[3] << 24;
    c->p += 4;
    return v;
}

static uint64_t u64(struct cursor *c) {
    uint64_t lo = u32(c);
    return lo | (uint64_t) u32(c) << 32;
}

/* A NUL-terminated copy of the next string; NULL (and bad) when it is too long or holds a NUL byte. */
static char *str(struct cursor *c) {
    uint32_t n = u32(c);
    if (c->bad || (uint64_t) (c->end - c->p) < n || memchr(c->p, 0, n) != NULL) {
        c->bad = 1;
        return NULL;
    }
    char *s = malloc((size_t) n + 1);
    if (s == NULL) {
        c->bad = 1;
        return NULL;
    }
    memcpy(s, c->p, n);
    s[n] = 0;
    c->p += n;
    return s;
}

/* A NULL-terminated vector of strings. */
static char **strs(struct cursor *c, int min) {
    uint32_t n = u32(c);
    if (c->bad || n > MAX_STRINGS || n < (uint32_t) min) {
        c->bad = 1;
        return NULL;
    }
    char **v = calloc((size_t) n + 1, sizeof(char *));
    if (v == NULL) {
        c->bad = 1;
        return NULL;
    }
    for (uint32_t i = 0; i < n && !c->bad; i++) v[i] = str(c);
    return v;
}

static void free_strs(char **v) {
    if (v == NULL) return;
    for (char **s = v; *s != NULL; s++) free(*s);
    free(v);
}

struct request {
    uint64_t id;
    uint32_t uid, gid, flags, ngroups;
    gid_t groups[MAX_GROUPS];
    char **argv, **env, *cwd;
};

static int read_request(const unsigned char *data, size_t len, struct request *r) {
    struct cursor c = {.p = data, .end = data + len};
    memset(r, 0, sizeof *r);
    uint32_t version = u32(&c);
    if (version < 1 || version > REQUEST_VERSION) return -1;
    r->id = u64(&c);
    r->uid = u32(&c);
    r->gid = u32(&c);
    /* version 1 had no flags: its spawners always ran with no_new_privs, which their children inherit */
    r->flags = version >= 2 ? u32(&c) : FLAG_NO_NEW_PRIVS;
    r->ngroups = u32(&c);
    if (c.bad || r->ngroups > MAX_GROUPS) return -1;
    for (uint32_t i = 0; i < r->ngroups; i++) r->groups[i] = u32(&c);
    r->argv = strs(&c, 1);
    r->env = strs(&c, 0);
    r->cwd = str(&c);
    return c.bad || c.p != c.end ? -1 : 0;
}

/* The PATH of the process's own environment (as a shell would use it), or the system's default. */
static const char *path_of(char **env) {
    for (char **e = env; *e != NULL; e++)
        if (strncmp(*e, "PATH=", 5) == 0) return *e + 5;
    return "/bin:/usr/bin";
}

/* execve through PATH; returns the errno to report (the first that is not "not there"), like execvpe. */
static int exec_path(char **argv, char **env) {
    if (strchr(argv[0], '/') != NULL) {
        execve(argv[0], argv, env);
        return errno;
    }
    const char *path = path_of(env);
    size_t nlen = strlen(argv[0]);
    int saved = ENOENT;
    for (const char *p = path;; p++) {
        const char *colon = strchrnul(p, ':');
        size_t dlen = (size_t) (colon - p);
        char full[4096];
        if (dlen + 1 + nlen + 1 <= sizeof full) {
            if (dlen == 0) {
                memcpy(full, argv[0], nlen + 1); /* an empty entry is the working directory */
            } else {
                memcpy(full, p, dlen);
                full[dlen] = '/';
                memcpy(full + dlen + 1, argv[0], nlen + 1);
            }
            execve(full, argv, env);
            if (errno == EACCES) saved = EACCES;
            else if (errno != ENOENT && errno != ENOTDIR && errno != ENAMETOOLONG) return errno;
        }
        if (*colon == 0) break;
        p = colon;
    }
    return saved;
}

/* In the child: reports {errno, stage} through the close-on-exec pipe and ends. */
static void child_fail(int errpipe, int err, char stage) {
    char msg[5];
    memcpy(msg, &err, 4);
    msg[4] = stage;
    ssize_t ignored = write(errpipe, msg, sizeof msg);
    (void) ignored;
    _exit(127);
}

static void child(struct request *r, int fds[3], int errpipe) {
    sigset_t all;
    sigemptyset(&all);
    sigprocmask(SIG_SETMASK, &all, NULL);
    for (int s = 1; s < NSIG; s++) signal(s, SIG_DFL);
    setsid();
    /* stdio onto 0..2; the sources are >= 3 (0..2 are the spawner's own placeholders) */
    if (dup2(fds[2], 0) < 0 || dup2(fds[0], 1) < 0 || dup2(fds[1], 2) < 0) child_fail(errpipe, errno, 'f');
    syscall(SYS_close_range, 3, ~0U, CLOSE_RANGE_CLOEXEC);
    if (syscall(SYS_setgroups, (size_t) r->ngroups, r->groups) != 0) child_fail(errpipe, errno, 'u');
    if (setresgid(r->gid, r->gid, r->gid) != 0) child_fail(errpipe, errno, 'u');
    if (setresuid(r->uid, r->uid, r->uid) != 0) child_fail(errpipe, errno, 'u');
    if (chdir(r->cwd) != 0) child_fail(errpipe, errno, 'c');
    /* the host decides per process: no_new_privs unless this user may gain privileges (sudo) */
    if ((r->flags & FLAG_NO_NEW_PRIVS) && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) child_fail(errpipe, errno, 'u');
    child_fail(errpipe, exec_path(r->argv, r->env), 'e');
}

static const char *stage_name(char s) {
    switch (s) {
        case 'c': return "cwd";
        case 'u': return "user";
        case 'e': return "exec";
        default: return "fork";
    }
}

static void start(const unsigned char *data, size_t len, int *fds, int nfds) {
    struct request r;
    int ok = read_request(data, len, &r) == 0 && nfds == 3;
    if (!ok) {
        reply_error(r.id, EINVAL, "request");
        goto done;
    }
    int errpipe[2];
    if (pipe2(errpipe, O_CLOEXEC) != 0) {
        reply_error(r.id, errno, "fork");
        goto done;
    }
    pid_t pid = fork();
    if (pid == 0) {
        close(errpipe[0]);
        child(&r, fds, errpipe[1]);
    }
    int forkerr = errno;
    close(errpipe[1]);
    if (pid < 0) {
        close(errpipe[0]);
        reply_error(r.id, forkerr, "fork");
        goto done;
    }
    char msg[5];
    ssize_t n;
    do n = read(errpipe[0], msg, sizeof msg);
    while (n < 0 && errno == EINTR);
    close(errpipe[0]);
    if (n > 0) {
        int err = EIO;
        if (n == 5) memcpy(&err, msg, 4);
        while (waitpid(pid, NULL, 0) < 0 && errno == EINTR) {}
        reply_error(r.id, err, n == 5 ? stage_name(msg[4]) : "fork");
        goto done;
    }
    int pidfd = (int) syscall(SYS_pidfd_open, pid, 0);
    if (pidfd < 0) {
        reply_error(r.id, errno, "fork");
        goto done;
    }
    if (nchildren == capchildren) {
        size_t cap = capchildren ? capchildren * 2 : 16;
        struct child *grown = realloc(children, cap * sizeof *children);
        if (grown == NULL) _exit(1);
        children = grown;
        capchildren = cap;
    }
    children[nchildren++] = (struct child) {.id = r.id, .pidfd = pidfd};
    char buf[96];
    snprintf(buf, sizeof buf, "{\"id\":%llu,\"pid\":%d}", (unsigned long long) r.id, (int) pid);
    send_json(buf, pidfd);
done:
    for (int i = 0; i < nfds; i++) close(fds[i]);
    free_strs(r.argv);
    free_strs(r.env);
    free(r.cwd);
}

static void ended(size_t i) {
    siginfo_t info;
    memset(&info, 0, sizeof info);
    if (syscall(SYS_waitid, P_PIDFD, children[i].pidfd, &info, WEXITED | WNOHANG, NULL) != 0 || info.si_pid == 0)
        return;
    char buf[96];
    if (info.si_code == CLD_EXITED)
        snprintf(buf, sizeof buf, "{\"id\":%llu,\"exit\":%d}", (unsigned long long) children[i].id, info.si_status);
    else
        snprintf(buf, sizeof buf, "{\"id\":%llu,\"signal\":%d}", (unsigned long long) children[i].id, info.si_status);
    close(children[i].pidfd);
    children[i] = children[--nchildren];
    send_json(buf, -1);
}

static void serve(void) {
    static unsigned char data[MAX_REQUEST];
    union {
        char buf[CMSG_SPACE(4 * sizeof(int))];
        struct cmsghdr align;
    } u;
    for (;;) {
        struct pollfd *p = calloc(nchildren + 1, sizeof *p);
        if (p == NULL) _exit(1);
        p[0] = (struct pollfd) {.fd = conn, .events = POLLIN};
        for (size_t i = 0; i < nchildren; i++) p[i + 1] = (struct pollfd) {.fd = children[i].pidfd, .events = POLLIN};
        size_t polled = nchildren;
        if (poll(p, polled + 1, -1) < 0) {
            free(p);
            if (errno == EINTR) continue;
            _exit(1);
        }
        for (size_t i = polled; i > 0; i--)
            if (p[i].revents) ended(i - 1); /* from the back: ended() moves the last child into slot i-1 */
        int readable = p[0].revents != 0;
        free(p);
        if (!readable) continue;
        struct iovec iov = {.iov_base = data, .iov_len = sizeof data};
        struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof u.buf};
        ssize_t n = recvmsg(conn, &msg, MSG_CMSG_CLOEXEC);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) _exit(0); /* the host hung up */
        int fds[4];
        int nfds = 0;
        for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c != NULL; c = CMSG_NXTHDR(&msg, c)) {
            if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
            int k = (int) ((c->cmsg_len - CMSG_LEN(0)) / sizeof(int));
            for (int j = 0; j < k && nfds < 4; j++) memcpy(&fds[nfds++], CMSG_DATA(c) + j * sizeof(int), sizeof(int));
        }
        if (msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) {
            for (int j = 0; j < nfds; j++) close(fds[j]);
            reply_error(0, EMSGSIZE, "request");
            continue;
        }
        start(data, (size_t) n, fds, nfds);
    }
}

int main(int argc, char **argv) {
    prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
    if (argc != 2) return 2;
    char token[129];
    size_t t = 0;
    while (t < sizeof token - 1) {
        ssize_t n = read(0, token + t, 1);
        if (n <= 0 || token[t] == '\n') break;
        t++;
    }
    token[t] = 0;
    for (size_t i = 0; i < t; i++)
        if (!((token[i] >= '0' && token[i] <= '9') || (token[i] >= 'a' && token[i] <= 'f'))) return 2;
    /* 0..2 become placeholders (a pipe nobody reads), so the descriptors we receive are never 0..2 */
    int ph[2];
    if (pipe(ph) != 0) return 1;
    dup2(ph[0], 0);
    dup2(ph[1], 1);
    dup2(ph[1], 2);
    if (ph[0] > 2) close(ph[0]);
    if (ph[1] > 2) close(ph[1]);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGHUP, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);

    conn = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    if (conn < 0 || strlen(argv[1]) >= sizeof addr.sun_path) return 1;
    strcpy(addr.sun_path, argv[1]);
    if (connect(conn, (struct sockaddr *) &addr, sizeof addr) != 0) return 1;
    char hello[160];
    snprintf(hello, sizeof hello, "{\"hello\":\"%s\",\"v\":%d}", token, REQUEST_VERSION);
    send_json(hello, -1);
    /* Go on in a child, adopted by the sandbox's init; we exit and the runtime's exec, our parent, reaps us. The
     * host checked the pid that connected: ours. */
    pid_t pid = fork();
    if (pid < 0) return 1;
    if (pid > 0) _exit(0);
    serve();
    return 0;
}
