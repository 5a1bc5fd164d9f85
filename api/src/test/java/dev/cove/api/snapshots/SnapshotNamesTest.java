package dev.cove.api.snapshots;

import dev.cove.core.CoveException;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** E2B's naming rules as Cove applies them to snapshot names, and how ids and names are looked up. */
class SnapshotNamesTest {

    @Test
    void aNameIsTrimmedLowerCasedAndMayCarryTheDefaultTag() {
        assertThat(SnapshotNames.forCreate("  My-Snap_1 ")).isEqualTo("my-snap_1");
        assertThat(SnapshotNames.forCreate("my-snap:default")).isEqualTo("my-snap");
    }

    @Test
    void otherTagsNamespacesAndCharactersAreRefusedSayingWhy() {
        assertThatThrownBy(() -> SnapshotNames.forCreate("snap:v2")).isInstanceOf(CoveException.class)
                .hasMessageContaining("one version per snapshot name").hasMessageContaining("'v2'");
        assertThatThrownBy(() -> SnapshotNames.forCreate("team/snap")).isInstanceOf(CoveException.class)
                .hasMessageContaining("no 'namespace/' prefix").hasMessageContaining("give 'snap'");
        assertThatThrownBy(() -> SnapshotNames.forCreate("not a name!")).isInstanceOf(CoveException.class)
                .hasMessageContaining("a-z, 0-9, '_' and '-'");
        assertThatThrownBy(() -> SnapshotNames.forCreate("")).isInstanceOf(CoveException.class);
        assertThatThrownBy(() -> SnapshotNames.forCreate("x".repeat(129))).isInstanceOf(CoveException.class);
        assertThatThrownBy(() -> SnapshotNames.forCreate("snap:bad tag")).hasMessageContaining("invalid tag");
    }

    @Test
    void lookupsAcceptIdsAndNamesWithTheDefaultTagAndNothingElse() {
        assertThat(SnapshotNames.forLookup("Abc123:default")).isEqualTo("abc123");
        assertThat(SnapshotNames.forLookup("abc123")).isEqualTo("abc123");
        assertThat(SnapshotNames.forLookup("abc123:v1")).isNull();
        assertThat(SnapshotNames.forLookup("team/abc")).isNull();
        assertThat(SnapshotNames.forLookup(null)).isNull();
    }
}
