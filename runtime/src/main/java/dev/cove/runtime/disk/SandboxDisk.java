package dev.cove.runtime.disk;

import dev.cove.core.linux.Native;
import dev.cove.runtime.host.Cmd;
import dev.cove.runtime.host.Linux;
import dev.cove.runtime.host.Sys;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * A sandbox's own file system, so that {@code diskSizeMB} is a limit and not a label: a sparse image file
 * ({@code <sandbox dir>/disk.img}, ext4 without a journal) on a loop device, mounted at {@code <sandbox dir>/disk/},
 * which holds the overlay's {@code upper/} and {@code work/} and the container's {@code console.log}. Writing past
 * its size, in bytes or in inodes, fails inside the sandbox with ENOSPC and touches nothing else of the host. The
 * host kernel has no file system quotas to do this with (no {@code prjquota}; see runtime-feasibility §10).
 *
 * <p>The loop device is attached with {@code LOOP_CONFIGURE} and {@code LO_FLAGS_AUTOCLEAR}: the kernel detaches it
 * when its last user goes, i.e. when the disk is unmounted (or, if the mount fails, when this class closes its
 * descriptor). So no loop device outlives its mount, and a crash between attaching and mounting leaves none.
 * Teardown still detaches whatever loop device names the image as its backing file, for a lazily detached mount.
 */
@SuppressWarnings("restricted") // native access is the point of this class
public final class SandboxDisk {
    public static final String IMAGE = "disk.img";
    public static final String MOUNT = "disk";
    /** Smallest disk: ext4 and the sandbox's own /etc files need a few MiB; below this a create is refused. */
    public static final int MIN_SIZE_MB = 16;
    /**
     * Bytes per inode (mkfs.ext4 {@code -i}): 64 inodes per MiB, so a 10 GiB disk has 655,360 (mkfs.ext4's own
     * choice at that size, about 40 times what a Debian base system uses) and a 64 MiB one 4,096. Fixed rather than
     * left to mkfs, whose ratio changes with the size ("small" below 512 MiB), so a test can count on it.
     */
    public static final int BYTES_PER_INODE = 16384;
    private static final Duration MKFS_TIMEOUT = Duration.ofSeconds(60);

    private static final long LOOP_CLR_FD = 0x4C01, LOOP_CONFIGURE = 0x4C0A, LOOP_CTL_GET_FREE = 0x4C82;
    private static final int LO_FLAGS_AUTOCLEAR = 4;
    private static final int EBUSY = 16, ENXIO = 6;
    /** struct loop_config: fd, block_size, struct loop_info64 (lo_flags at 52, lo_file_name[64] at 56), reserved. */
    private static final int LOOP_CONFIG_SIZE = 304, LO_FLAGS_OFFSET = 8 + 52, LO_FILE_NAME_OFFSET = 8 + 56;
    private static final long EXT4_SUPER_MAGIC = 0xEF53;

    private static final MethodHandle IOCTL_LONG = Native.function("ioctl",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_LONG), Linker.Option.firstVariadicArg(2));
    private static final MethodHandle IOCTL_PTR = Native.function("ioctl",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, ADDRESS), Linker.Option.firstVariadicArg(2));
    private static final MethodHandle STATFS = Native.function("statfs", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));

    /** statfs(2) of a file system: sizes in bytes, inode counts. */
    public record Usage(long type, long totalBytes, long usedBytes, long availableBytes, long inodes, long freeInodes) {}

    private SandboxDisk() {}

    /** Fails with a message naming the package when {@code mkfs.ext4} is missing (loop devices: the first create says). */
    public static void requireTools() {
        for (String dir : List.of("/usr/sbin", "/sbin", "/usr/bin", "/bin"))
            if (Files.isExecutable(Path.of(dir, "mkfs.ext4"))) return;
        throw new IllegalStateException("mkfs.ext4 not found; install it (apt-get install e2fsprogs): every sandbox "
                + "gets a file system of its own");
    }

    /**
     * Makes the image (sparse: it takes host space only as the sandbox writes), its ext4 file system, and mounts it
     * at {@code mountPoint}. {@code -m 0}: no blocks reserved for root, so root and user in the sandbox meet the
     * same limit.
     */
    public static void create(Path image, Path mountPoint, int sizeMB) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(Files.createFile(image).toFile(), "rw")) {
            f.setLength((long) sizeMB << 20);
        }
        Files.setPosixFilePermissions(image, PosixFilePermissions.fromString("rw-------"));
        Cmd.check(List.of(mkfs(), "-q", "-F", "-t", "ext4", "-b", "4096", "-i", Integer.toString(BYTES_PER_INODE),
                "-m", "0", "-O", "^has_journal", "-E", "lazy_itable_init=1,lazy_journal_init=1,root_owner=0:0",
                image.toString()), null, MKFS_TIMEOUT);
        mount(image, mountPoint);
    }

    private static String mkfs() {
        for (String dir : List.of("/usr/sbin", "/sbin")) if (Files.isExecutable(Path.of(dir, "mkfs.ext4"))) return dir + "/mkfs.ext4";
        return "mkfs.ext4";
    }

    /** Attaches the image to a free loop device (auto-clearing) and mounts it; also after a host restart. */
    public static void mount(Path image, Path mountPoint) throws IOException {
        Files.createDirectories(mountPoint);
        int fileFd = Native.open(image.toString(), Sys.O_RDWR, 0);
        int loopFd = -1;
        try {
            int[] attached = attach(fileFd, image);
            loopFd = attached[1];
            // mount(2) opens the device itself and keeps it while mounted; closing ours below leaves that the last
            // user, so the unmount detaches the loop device (autoclear)
            // noinit_itable: mkfs left the inode tables uninitialised (lazy_itable_init, safe with checksummed group
            // descriptors); without it the kernel zeroes them in the background after the mount, 160 MiB of writes
            // into the image of a 10 GiB disk, which also makes the unmount wait
            Linux.mount("/dev/loop" + attached[0], mountPoint.toString(), "ext4", 0, "noinit_itable");
        } finally {
            Native.close(loopFd);
            Native.close(fileFd);
        }
    }

    /** {@code [loop number, loop fd]}: a free loop device configured on {@code fileFd}. */
    private static int[] attach(int fileFd, Path image) throws IOException {
        int ctl = Native.open("/dev/loop-control", Sys.O_RDWR, 0);
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = a.allocate(Native.CALL_STATE);
            MemorySegment cfg = a.allocate(LOOP_CONFIG_SIZE);
            cfg.set(JAVA_INT, 0, fileFd);
            cfg.set(JAVA_INT, LO_FLAGS_OFFSET, LO_FLAGS_AUTOCLEAR);
            byte[] name = image.toString().getBytes(StandardCharsets.UTF_8);
            MemorySegment.copy(name, 0, cfg, JAVA_BYTE, LO_FILE_NAME_OFFSET, Math.min(name.length, 63));
            // another process (losetup, another node) may take the free device between the two calls: try again
            for (int attempt = 0; attempt < 20; attempt++) {
                int n = (int) IOCTL_LONG.invokeExact(st, ctl, LOOP_CTL_GET_FREE, 0L);
                if (n < 0) throw new Native.Errno("LOOP_CTL_GET_FREE (are loop devices available? modprobe loop)", Native.errno(st));
                int loopFd;
                try {
                    loopFd = Native.open("/dev/loop" + n, Sys.O_RDWR, 0);
                } catch (Native.Errno e) {
                    if (e.errno == Sys.ENOENT || e.errno == ENXIO) continue; // its node is not there yet, or gone
                    throw e;
                }
                int rc = (int) IOCTL_PTR.invokeExact(st, loopFd, LOOP_CONFIGURE, cfg);
                if (rc == 0) return new int[] {n, loopFd};
                int errno = Native.errno(st);
                Native.close(loopFd);
                if (errno != EBUSY) throw new Native.Errno("LOOP_CONFIGURE /dev/loop" + n + " for " + image, errno);
            }
            throw new IOException("no free loop device for " + image + " after 20 attempts");
        } catch (IOException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IOException("attaching " + image + " failed", t);
        } finally {
            Native.close(ctl);
        }
    }

    /**
     * Unmounts the disk of {@code sandboxDir} (lazily when busy) and detaches every loop device still backed by its
     * image; returns what could not be freed. A no-op for a sandbox without a disk. The image itself goes with the
     * sandbox directory.
     */
    public static List<String> release(Path sandboxDir) {
        List<String> problems = new ArrayList<>();
        Path mountPoint = sandboxDir.resolve(MOUNT);
        int errno = Linux.umount2(mountPoint.toString(), 0);
        if (errno == Linux.EBUSY) errno = Linux.umount2(mountPoint.toString(), Linux.MNT_DETACH);
        if (errno != 0 && errno != Linux.EINVAL && errno != Linux.ENOENT)
            problems.add("cannot unmount " + mountPoint + ": " + Native.describe(errno));
        Path image = sandboxDir.resolve(IMAGE);
        for (String loop : loopsBackedBy(image)) {
            try {
                detach(loop);
            } catch (IOException e) {
                problems.add(e.getMessage());
            }
        }
        return problems;
    }

    /** LOOP_CLR_FD; on a device still in use (a lazily detached mount) the kernel detaches it with its last user. */
    private static void detach(String loop) throws IOException {
        int fd;
        try {
            fd = Native.open("/dev/" + loop, Sys.O_RDWR, 0);
        } catch (Native.Errno e) {
            if (e.errno == Sys.ENOENT || e.errno == ENXIO) return;
            throw e;
        }
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = a.allocate(Native.CALL_STATE);
            int rc = (int) IOCTL_LONG.invokeExact(st, fd, LOOP_CLR_FD, 0L);
            if (rc != 0 && Native.errno(st) != ENXIO && Native.errno(st) != EBUSY)
                throw new Native.Errno("LOOP_CLR_FD /dev/" + loop, Native.errno(st));
        } catch (IOException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IOException("detaching /dev/" + loop + " failed", t);
        } finally {
            Native.close(fd);
        }
    }

    /** Loop devices ({@code loopN}) whose backing file is {@code image}, from the kernel's own record in sysfs. */
    public static List<String> loopsBackedBy(Path image) {
        String wanted = image.toAbsolutePath().normalize().toString();
        String real = wanted;
        try {
            real = image.toRealPath().toString();
        } catch (IOException gone) {
            // deleted already: the kernel shows the path it had, with " (deleted)"
        }
        List<String> found = new ArrayList<>();
        try (DirectoryStream<Path> loops = Files.newDirectoryStream(Path.of("/sys/block"), "loop*")) {
            for (Path loop : loops) {
                String backing;
                try {
                    backing = Files.readString(loop.resolve("loop/backing_file")).strip();
                } catch (IOException notAttached) {
                    continue;
                }
                if (backing.endsWith(" (deleted)")) backing = backing.substring(0, backing.length() - 10);
                if (backing.equals(wanted) || backing.equals(real)) found.add(loop.getFileName().toString());
            }
        } catch (IOException e) {
            // no sysfs: nothing can be found, nor attached
        }
        return found;
    }

    /**
     * The sandbox's disk figures from statfs(2) of its mount: used = (blocks - free blocks) x block size, total =
     * blocks x block size. Never from walking its files (which, as host root, would follow the sandbox's symlinks).
     * Null when the disk is not mounted there.
     */
    public static Usage usage(Path mountPoint) {
        try {
            Object parentDev = Files.getAttribute(mountPoint.getParent(), "unix:dev", LinkOption.NOFOLLOW_LINKS);
            Object dev = Files.getAttribute(mountPoint, "unix:dev", LinkOption.NOFOLLOW_LINKS);
            if (dev.equals(parentDev)) return null; // the bare mount point: statfs would describe the host
        } catch (IOException | RuntimeException e) {
            return null;
        }
        Usage u = statfs(mountPoint);
        return u != null && u.type() == EXT4_SUPER_MAGIC ? u : null;
    }

    /** statfs(2) of the file system holding {@code path}, or null when it fails. */
    public static Usage statfs(Path path) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = a.allocate(Native.CALL_STATE);
            // struct statfs (x86_64, aarch64): f_type, f_bsize, f_blocks, f_bfree, f_bavail, f_files, f_ffree, ...
            MemorySegment buf = a.allocate(120);
            int rc = (int) STATFS.invokeExact(st, a.allocateFrom(path.toString()), buf);
            if (rc != 0) return null;
            long bsize = buf.get(JAVA_LONG, 8);
            long blocks = buf.get(JAVA_LONG, 16);
            long bfree = buf.get(JAVA_LONG, 24);
            long bavail = buf.get(JAVA_LONG, 32);
            return new Usage(buf.get(JAVA_LONG, 0), blocks * bsize, (blocks - bfree) * bsize, bavail * bsize,
                    buf.get(JAVA_LONG, 40), buf.get(JAVA_LONG, 48));
        } catch (Throwable t) {
            return null;
        }
    }
}
