package dev.cove.runtime;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cove.core.CoveException;
import dev.cove.core.SandboxId;
import dev.cove.core.runtime.PauseState;
import dev.cove.core.runtime.RuntimeSandbox;
import dev.cove.runtime.egress.Egress;
import dev.cove.runtime.egress.Firewall;
import dev.cove.runtime.fs.MountTable;
import dev.cove.runtime.journal.SandboxJournal;
import dev.cove.runtime.net.Network;
import dev.cove.runtime.net.SlotPool;
import dev.cove.runtime.oci.SandboxContainer;
import dev.cove.runtime.pause.PauseRecord;
import dev.cove.runtime.pause.StopPause;
import dev.cove.runtime.userns.UidRanges;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;
import java.util.stream.Stream;

/**
 * Recover after a (crash) restart: re-adopts the sandboxes to keep as they run, are frozen or were stopped, and sweeps
 * everything else the data directory, the OCI runtime's state and the firewall still know of.
 */
final class Recovery {
    private static final Logger log = LoggerFactory.getLogger(OciRuntime.class);

    private final Node node;
    private final Teardown teardown;

    Recovery(Node node, Teardown teardown) {
        this.node = node;
        this.teardown = teardown;
    }

    /** See {@link dev.cove.core.runtime.SandboxRuntime#recover}. */
    Set<String> recover(Set<String> keep) {
        Set<String> keepIds = keep == null ? Set.of() : keep;
        Set<String> adopted = new HashSet<>();
        Set<String> seen = new HashSet<>();
        List<Path> dirs;
        try (Stream<Path> s = Files.list(node.sandboxesDir)) {
            dirs = s.filter(Files::isDirectory).toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + node.sandboxesDir, e);
        }
        for (Path dir : dirs) {
            String id = dir.getFileName().toString();
            seen.add(id);
            if (!SandboxId.isValid(id)) {
                log.warn("recover: ignoring {} (not a sandbox id)", dir);
                continue;
            }
            ReentrantLock lock = node.lockFor(id);
            lock.lock();
            try {
                if (keepIds.contains(id)) {
                    if (node.held.containsKey(id)) {
                        adopted.add(id);
                        continue;
                    }
                    SandboxJournal j = SandboxJournal.read(dir);
                    HeldSandbox found = j == null ? null : readopt(j, dir);
                    if (found != null && j.hasUserNamespace()
                            && !node.uidRanges.adopt(UidRanges.rangeOf(j.uidBase()).index(), id)) {
                        log.warn("recover: sandbox {}: its uid range {} is claimed by someone else; kept anyway", id,
                                j.uidBase());
                    }
                    if (found != null) {
                        node.slots.reserve(j.slot());
                        node.held.put(id, found);
                        try {
                            node.egress.attach(id, Node.net(j), Egress.readPolicy(dir), dir);
                        } catch (IOException | RuntimeException e) {
                            log.warn("recover: sandbox {}: egress rules not restored: {}", id, e.getMessage());
                        }
                        adopted.add(id);
                        log.info("recover: re-adopted sandbox {} ({}, init pid {})", id, found.state,
                                found.sandbox.initPid());
                        continue;
                    }
                }
            } finally {
                lock.unlock();
            }
            try {
                teardown.destroy(id);
                log.info("recover: swept sandbox {}", id);
            } catch (CoveException e) {
                log.warn("recover: {}", e.getMessage());
            }
        }
        for (String id : List.copyOf(node.held.keySet())) {
            if (!keepIds.contains(id) || !seen.contains(id)) {
                try {
                    teardown.destroy(id);
                } catch (CoveException e) {
                    log.warn("recover: {}", e.getMessage());
                }
                adopted.remove(id);
            }
        }
        sweepOrphanContainers(seen);
        pruneFirewall();
        return adopted;
    }

    /** Firewall entries of veths that no held sandbox owns and that no longer exist (a crash mid-teardown). */
    private void pruneFirewall() {
        try {
            Set<String> owned = new HashSet<>();
            for (HeldSandbox h : node.held.values()) owned.add(h.journal.hostVeth());
            SlotPool slots = node.slots;
            for (String veth : node.egress.firewallInterfaces()) {
                if (owned.contains(veth) || Network.linkExists(veth)) continue;
                int slot = slots.slotOf(veth);
                if (slot < 0) continue;
                node.egress.detach("", new Firewall.SandboxNet(slot, veth, slots.hostIpv4(slot),
                        slots.sandboxIpv4(slot), slots.hostIpv6(slot), slots.sandboxIpv6(slot)));
                log.info("recover: removed the firewall entries of {} (its sandbox is gone)", veth);
            }
        } catch (IOException | RuntimeException e) {
            log.warn("recover: cannot prune firewall entries: {}", e.getMessage());
        }
    }

    /**
     * The sandbox as this node left it, or null when it is to be swept. A container that still exists decides by
     * itself (the kernel's freezer says frozen or running, whatever {@code pause.json} says: a restart may have cut
     * a pause or a resume short). Without a container, only a sandbox with a {@link PauseRecord} is kept: stopped,
     * on its files, with its network namespace and mount made again if the host restarted.
     */
    private HeldSandbox readopt(SandboxJournal j, Path dir) {
        PauseRecord record = PauseRecord.read(dir);
        RuntimeSandbox alive = aliveSandbox(j);
        try {
            if (alive != null) {
                if (node.freezerPause.frozen(j)) {
                    if (record == null || record.state() != PauseState.FROZEN)
                        new PauseRecord(PauseState.FROZEN, System.currentTimeMillis()).write(dir);
                    return new HeldSandbox(j, alive, PauseState.FROZEN);
                }
                if (record != null) {
                    try {
                        node.freezerPause.resume(j, dir, alive.initPid()); // a freeze cut short may have left it half-frozen
                    } catch (IOException e) {
                        log.warn("recover: sandbox {}: cannot thaw what a cut-short pause froze: {}", j.id(), e.getMessage());
                    }
                    PauseRecord.delete(dir);
                }
                return new HeldSandbox(j, alive, PauseState.RUNNING);
            }
            if (record == null || j.slot() < 0) return null;
            List<String> left = SandboxContainer.stop(node.cli(j.ociRuntime()), node.cgroups, j, 0);
            if (!left.isEmpty()) throw new IOException(String.join("; ", left));
            StopPause.restoreHostSide(j);
            if (record.state() != PauseState.STOPPED) {
                log.warn("recover: sandbox {} was frozen but its processes are gone (host restart?); kept stopped, "
                        + "with its files", j.id());
                new PauseRecord(PauseState.STOPPED, record.pausedAtMillis()).write(dir);
            }
            return new HeldSandbox(j, HeldSandbox.sandbox(j, 0), PauseState.STOPPED);
        } catch (IOException | RuntimeException e) {
            log.warn("recover: paused sandbox {} cannot be kept, sweeping it: {}", j.id(), e.getMessage());
            return null;
        }
    }

    /** The sandbox as it still runs or is frozen (container there, netns and rootfs in place), or null. */
    private RuntimeSandbox aliveSandbox(SandboxJournal j) {
        if (j.slot() < 0 || !Network.netnsExists(j.netns()) || !MountTable.isMountPoint(Path.of(j.rootfs())))
            return null;
        try {
            JsonNode state = node.cli(j.ociRuntime()).state(j.containerId());
            String status = state == null ? "" : state.path("status").asText();
            if (!status.equals("running") && !status.equals("paused")) return null;
            long pid = state.path("pid").asLong();
            if (pid <= 0 || ProcessHandle.of(pid).isEmpty()) return null;
            return HeldSandbox.sandbox(j, pid);
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /** Containers in our runtime state directory whose sandbox directory is gone. */
    private void sweepOrphanContainers(Set<String> sandboxDirs) {
        RuntimeConfig config = node.config;
        String prefix = config.resourcePrefix() + "-";
        for (String cid : node.oci.list()) {
            if (!cid.startsWith(prefix)) continue;
            String id = cid.substring(prefix.length());
            if (sandboxDirs.contains(id) && Files.isDirectory(node.dir(id))) continue;
            try {
                node.oci.deleteForce(cid);
                node.cgroups.killAndRemove("/" + config.resourcePrefix() + "/" + id, 2000);
                log.info("recover: removed orphan container {}", cid);
            } catch (IOException e) {
                log.warn("recover: cannot remove orphan container {}: {}", cid, e.getMessage());
            }
        }
    }
}
