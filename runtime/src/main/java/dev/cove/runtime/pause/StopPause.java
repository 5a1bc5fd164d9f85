package dev.cove.runtime.pause;

import dev.cove.core.runtime.PauseState;
import dev.cove.runtime.cgroup.CgroupLayout;
import dev.cove.runtime.disk.SandboxDisk;
import dev.cove.runtime.fs.MountTable;
import dev.cove.runtime.host.Linux;
import dev.cove.runtime.journal.SandboxJournal;
import dev.cove.runtime.userns.SandboxNamespaces;
import dev.cove.runtime.net.Network;
import dev.cove.runtime.oci.BootId;
import dev.cove.runtime.oci.OciCli;
import dev.cove.runtime.oci.SandboxContainer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Function;

/**
 * Pause with the file system only: the container ends (every process, its runtime state and cgroups, so its memory
 * is freed), while its overlay (mounted, upper layer), bundle, network namespace with veth and addresses, and
 * egress policy stay. Resume runs a new container from the same bundle on them, with a new boot id (a reboot).
 */
public final class StopPause implements PauseStrategy {
    private final CgroupLayout cgroups;
    private final Function<String, OciCli> ociByName;
    private final BootId bootId;

    /**
     * @param ociByName the OCI runtime CLI for a journal's runtime name
     * @param bootId    gives the new container a new boot id: a resume without memory is a reboot
     */
    public StopPause(CgroupLayout cgroups, Function<String, OciCli> ociByName, BootId bootId) {
        this.cgroups = cgroups;
        this.ociByName = ociByName;
        this.bootId = bootId;
    }

    @Override
    public PauseState state() { return PauseState.STOPPED; }

    @Override
    public void pause(SandboxJournal journal, Path sandboxDir, long initPid) throws IOException {
        List<String> problems = SandboxContainer.stop(ociByName.apply(journal.ociRuntime()), cgroups, journal, initPid);
        if (!problems.isEmpty()) throw new IOException(String.join("; ", problems));
    }

    @Override
    public long resume(SandboxJournal journal, Path sandboxDir, long initPid) throws IOException {
        OciCli cli = ociByName.apply(journal.ociRuntime());
        // what a failed resume or a crash during the stop may have left
        List<String> left = SandboxContainer.stop(cli, cgroups, journal, 0);
        if (!left.isEmpty()) throw new IOException("the previous container is not gone: " + String.join("; ", left));
        restoreHostSide(journal);
        try {
            long pid = cli.run(journal.containerId(), sandboxDir, journal.consoleLog());
            bootId.renew(journal.id(), pid);
            return pid;
        } catch (IOException e) {
            SandboxContainer.stop(cli, cgroups, journal, 0);
            throw e;
        }
    }

    /**
     * Makes the network namespace (with its veth and addresses, the same as before), the disk mount (its image on a
     * new loop device) and the overlay mount when they are missing, as after a host restart. All are normally kept
     * through a stop.
     */
    public static void restoreHostSide(SandboxJournal journal) throws IOException {
        SandboxNamespaces.restore(journal); // the user namespace owns the network namespace: it comes first
        if (!Network.netnsExists(journal.netns())) {
            if (!Network.awaitHostVethGone(journal.hostVeth(), Network.VETH_GONE))
                throw new IOException("host veth " + journal.hostVeth() + " exists without its network namespace");
            Network.create(journal);
        }
        if (journal.hasDisk() && !MountTable.isMountPoint(Path.of(journal.diskDir()))) {
            Path image = Path.of(journal.diskImage());
            if (!Files.isRegularFile(image)) throw new IOException("disk image " + image + " of the sandbox is gone");
            if (!SandboxDisk.loopsBackedBy(image).isEmpty())
                throw new IOException("disk image " + image + " is attached to a loop device but not mounted");
            SandboxDisk.mount(image, Path.of(journal.diskDir()));
        }
        if (!MountTable.isMountPoint(Path.of(journal.rootfs()))) {
            if (journal.hasUserNamespace()) SandboxNamespaces.prepareRootDir(journal); // /run is gone after a reboot
            for (String lower : journal.lowerSources())
                if (lower == null || !Files.isDirectory(Path.of(lower)))
                    throw new IOException("template rootfs or layer " + lower + " of the sandbox is gone");
            Linux.mount("overlay", journal.rootfs(), "overlay", 0, journal.overlayOptions());
        }
    }
}
