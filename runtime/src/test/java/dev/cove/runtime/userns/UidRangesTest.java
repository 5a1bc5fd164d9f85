package dev.cove.runtime.userns;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class UidRangesTest {
    @TempDir
    Path dir;

    @Test
    void rangesAreDistinctAcrossInstancesAndInsideSystemdsContainerBlock() {
        UidRanges a = new UidRanges(dir, "covea", List.of());
        UidRanges b = new UidRanges(dir, "coveb", List.of());
        Set<Long> bases = new HashSet<>();
        for (int i = 0; i < 200; i++) {
            UidRanges.Range r = (i % 2 == 0 ? a : b).allocate("sb" + i);
            assertThat(bases.add(r.base())).as("range %d handed out twice", r.index()).isTrue();
            assertThat(r.base()).isGreaterThanOrEqualTo(0x80000L);
            assertThat(r.base() + UidRanges.SIZE - 1).isLessThanOrEqualTo(0x6FFFFFFFL);
            assertThat(r.base() % UidRanges.SIZE).isZero();
        }
    }

    @Test
    void subordinateRangesOfOtherToolsAreNeverHandedOut() {
        // everything but one range is someone else's (/etc/subuid style): only that one comes back
        UidRanges.Range only = UidRanges.range(7);
        List<long[]> reserved = List.of(new long[] {0, only.base()},
                new long[] {only.base() + UidRanges.SIZE, 1L << 32});
        UidRanges r = new UidRanges(dir, "cove", reserved);
        assertThat(r.allocate("x").index()).isEqualTo(7);
        assertThatThrownBy(() -> r.allocate("y"))
                .hasMessageContaining("uid ranges of this host are in use");
    }

    @Test
    void releaseAdoptAndSweepTouchOnlyTheOwnersClaims() throws Exception {
        UidRanges mine = new UidRanges(dir, "cove", List.of());
        UidRanges theirs = new UidRanges(dir, "other", List.of());
        UidRanges.Range kept = mine.allocate("kept");
        UidRanges.Range gone = mine.allocate("gone");
        UidRanges.Range foreign = theirs.allocate("gone");
        // another owner's release of my claim does nothing
        theirs.release(kept.index(), "kept");
        assertThat(Files.exists(dir.resolve(Integer.toString(kept.index())))).isTrue();
        // recovery: my live sandbox adopts its range; a foreign range cannot be adopted
        assertThat(mine.adopt(kept.index(), "kept")).isTrue();
        assertThat(mine.adopt(foreign.index(), "gone")).isFalse();
        assertThat(mine.sweep(Set.of("kept"))).isEqualTo(1);
        assertThat(Files.exists(dir.resolve(Integer.toString(gone.index())))).isFalse();
        assertThat(Files.exists(dir.resolve(Integer.toString(foreign.index())))).isTrue();
        // a claim lost meanwhile is made again on adoption
        Files.delete(dir.resolve(Integer.toString(kept.index())));
        assertThat(mine.adopt(kept.index(), "kept")).isTrue();
        mine.release(kept.index(), "kept");
        assertThat(Files.exists(dir.resolve(Integer.toString(kept.index())))).isFalse();
    }

    @Test
    void aReadyRangeIsHandedOverOnlyFromItsOwnClaim() {
        UidRanges r = new UidRanges(dir, "cove", List.of());
        UidRanges.Range ready = r.allocate("ready-1");
        assertThat(r.relabel(ready.index(), "ready-2", "sb")).isFalse();
        assertThat(r.relabel(ready.index(), "ready-1", "sb")).isTrue();
        assertThat(r.adopt(ready.index(), "sb")).isTrue();
    }

    @Test
    void mapLinesShiftContainerIdsIntoTheRange() {
        UidRanges.Range r = UidRanges.range(3);
        assertThat(r.mapLine()).isEqualTo("0 " + (0x80000 + 3 * 65536) + " 65536");
        assertThat(r.host(1000)).isEqualTo(r.base() + 1000);
        assertThat(r.container(r.base() + 65535)).isEqualTo(65535);
        assertThat(r.container(r.base() + 65536)).isEqualTo(-1);
        assertThat(r.container(0)).isEqualTo(-1);
    }
}
