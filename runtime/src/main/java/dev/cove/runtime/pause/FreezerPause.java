package dev.cove.runtime.pause;

import dev.cove.core.runtime.PauseState;
import dev.cove.runtime.cgroup.CgroupFreezer;
import dev.cove.runtime.cgroup.CgroupLayout;
import dev.cove.runtime.journal.SandboxJournal;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;

/** Pause with memory: the cgroup freezer stops every process where it is; a thaw lets them go on. */
public final class FreezerPause implements PauseStrategy {
    /** Ordinary processes freeze in well under a millisecond; one stuck in the kernel may never. */
    private static final Duration FREEZE_TIMEOUT = Duration.ofSeconds(5);

    private final CgroupLayout cgroups;

    public FreezerPause(CgroupLayout cgroups) { this.cgroups = cgroups; }

    @Override
    public PauseState state() { return PauseState.FROZEN; }

    @Override
    public void pause(SandboxJournal journal, Path sandboxDir, long initPid) throws IOException {
        CgroupFreezer.of(cgroups, journal.cgroupsPath()).freeze(FREEZE_TIMEOUT);
    }

    @Override
    public long resume(SandboxJournal journal, Path sandboxDir, long initPid) throws IOException {
        CgroupFreezer.of(cgroups, journal.cgroupsPath()).thaw();
        return initPid;
    }

    /** True when the sandbox's container is frozen right now. */
    public boolean frozen(SandboxJournal journal) {
        try {
            return CgroupFreezer.of(cgroups, journal.cgroupsPath()).frozen();
        } catch (IOException e) {
            return false;
        }
    }
}
