/*
 * Gives a running sandbox a boot id of its own: mounts a one-line file over /proc/sys/kernel/random/boot_id in the
 * mount namespace of the sandbox's init, as a VM's fresh boot would give it one. Cove runs it (as the host's root)
 * right after each start of a sandbox's container: at create, and at resume after a pause that kept only the file
 * system, so processes that compare boot ids see the "reboot" the restart was.
 *
 *   cove-bootid <init pid> <boot id: 36 characters of [0-9a-f-]>
 *
 * Why C: the mount namespace can only be entered by a single-threaded process (the JVM is not), and nothing may be
 * executed after entering it (a binary would come from the sandbox's file system). OCI runtimes refuse mounts over
 * /proc/sys paths, so the spec cannot carry it.
 *
 * What the sandbox can reach: a read-only bind of a file on a private 4 KiB tmpfs made here (nosuid, nodev,
 * noexec). The target is opened after entering the namespace without following any symlink and must be a regular
 * file on procfs; anything else (a sandbox that replaced its /proc) is left alone and reported. The file is mounted
 * over, never written: the host's own boot id and /proc are never touched.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/mount.h>
#include <linux/openat2.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#define PROC_SUPER_MAGIC 0x9fa0
#define TARGET "/proc/sys/kernel/random/boot_id"

static int fail(const char *what) {
    fprintf(stderr, "cove-bootid: %s: %s\n", what, strerror(errno));
    return 1;
}

static int valid_id(const char *id) {
    if (strlen(id) != 36) return 0;
    for (const char *c = id; *c; c++)
        if (!((*c >= '0' && *c <= '9') || (*c >= 'a' && *c <= 'f') || *c == '-')) return 0;
    return 1;
}

int main(int argc, char **argv) {
    if (argc != 3 || !valid_id(argv[2])) {
        fprintf(stderr, "usage: cove-bootid <init pid> <boot id>\n");
        return 2;
    }
    char *end;
    long pid = strtol(argv[1], &end, 10);
    if (*end || pid <= 1) {
        fprintf(stderr, "cove-bootid: bad pid '%s'\n", argv[1]);
        return 2;
    }
    /* pin the process first: its mount namespace is the one entered, even if the pid is reused meanwhile */
    int pidfd = (int) syscall(SYS_pidfd_open, (pid_t) pid, 0);
    if (pidfd < 0) return fail("pidfd_open");

    /* a detached tmpfs of one page holding the file, in no namespace yet */
    int fs = (int) syscall(SYS_fsopen, "tmpfs", FSOPEN_CLOEXEC);
    if (fs < 0) return fail("fsopen tmpfs");
    if (syscall(SYS_fsconfig, fs, FSCONFIG_SET_STRING, "size", "4k", 0) < 0
        || syscall(SYS_fsconfig, fs, FSCONFIG_SET_STRING, "nr_inodes", "4", 0) < 0
        || syscall(SYS_fsconfig, fs, FSCONFIG_SET_STRING, "mode", "0755", 0) < 0
        || syscall(SYS_fsconfig, fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
        return fail("fsconfig tmpfs");
    int mnt = (int) syscall(SYS_fsmount, fs, FSMOUNT_CLOEXEC,
                            MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC);
    if (mnt < 0) return fail("fsmount");
    int file = openat(mnt, "boot_id", O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0444);
    if (file < 0) return fail("create boot_id");
    char line[38];
    memcpy(line, argv[2], 36);
    line[36] = '\n';
    if (write(file, line, 37) != 37) return fail("write boot_id");
    close(file);
    int tree = (int) syscall(SYS_open_tree, mnt, "boot_id", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
    if (tree < 0) return fail("open_tree");
    struct mount_attr ro = {.attr_set = MOUNT_ATTR_RDONLY};
    if (syscall(SYS_mount_setattr, tree, "", AT_EMPTY_PATH, &ro, sizeof ro) < 0) return fail("mount_setattr ro");

    if (setns(pidfd, CLONE_NEWNS) < 0) return fail("setns mnt");
    /* now "/" is the sandbox's root: its file system decides what the path is, so follow nothing */
    struct open_how how = {.flags = O_PATH | O_CLOEXEC | O_NOFOLLOW,
                           .resolve = RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS};
    int target = (int) syscall(SYS_openat2, AT_FDCWD, TARGET, &how, sizeof how);
    if (target < 0) return fail("open " TARGET " in the sandbox");
    struct statfs sfs;
    struct stat st;
    if (fstatfs(target, &sfs) < 0 || fstat(target, &st) < 0) return fail("stat " TARGET);
    if (sfs.f_type != PROC_SUPER_MAGIC || !S_ISREG(st.st_mode)) {
        fprintf(stderr, "cove-bootid: " TARGET " in the sandbox is not procfs's file; left alone\n");
        return 1;
    }
    if (syscall(SYS_move_mount, tree, "", target, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
        return fail("move_mount over " TARGET);
    return 0;
}
