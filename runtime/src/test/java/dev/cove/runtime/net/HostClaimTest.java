package dev.cove.runtime.net;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** One owner per prefix and pool: the rules, and claims in a directory of the test's own (real files and locks). */
class HostClaimTest {
    @TempDir
    Path tmp;

    @Test
    void prefixesCollideWhenTheyWouldShareInterfaceNames() {
        assertThat(HostClaim.prefixesCollide("cove", "cove")).isTrue();
        assertThat(HostClaim.prefixesCollide("cove", "cove1")).isTrue();   // cove1 + 2h = cove + 12h
        assertThat(HostClaim.prefixesCollide("cove1", "cove")).isTrue();
        assertThat(HostClaim.prefixesCollide("cove", "covetest")).isFalse(); // cove<digits>h never starts covet
        assertThat(HostClaim.prefixesCollide("covea", "coveb")).isFalse();
    }

    @Test
    void poolsOverlapWhenAnyAddressIsShared() {
        assertThat(HostClaim.overlap("10.200.0.0/16", "10.200.128.0/17")).isTrue();
        assertThat(HostClaim.overlap("10.200.0.0/16", "10.0.0.0/8")).isTrue();
        assertThat(HostClaim.overlap("10.200.0.0/16", "10.201.0.0/16")).isFalse();
        assertThat(HostClaim.overlap("fd63:6f76::/32", "fd63:6f76::/32")).isTrue();
        assertThat(HostClaim.overlap("fd63:6f76::/32", "fd63:6f77::/32")).isFalse();
        assertThat(HostClaim.overlap("10.200.0.0/16", "fd63:6f76::/32")).isFalse();
    }

    @Test
    void aLiveClaimBlocksCollisionsAndNamesItsOwner() throws Exception {
        Path a = data("a");
        try (HostClaim first = HostClaim.acquire(tmp, "cove", "10.200.0.0/16", "fd63:6f76::/32", a)) {
            assertThatThrownBy(() -> HostClaim.acquire(tmp, "cove", "10.201.0.0/16", "fd63:6f77::/32", data("b")))
                    .hasMessageContaining("--resource-prefix 'cove'").hasMessageContaining(a.toString())
                    .hasMessageContaining("pid " + ProcessHandle.current().pid());
            assertThatThrownBy(() -> HostClaim.acquire(tmp, "other", "10.200.64.0/18", "fd63:6f77::/32", data("b")))
                    .hasMessageContaining("--pool-subnet 10.200.64.0/18 overlaps 10.200.0.0/16");
            assertThatThrownBy(() -> HostClaim.acquire(tmp, "other", "10.201.0.0/16", "fd63:6f76::/32", data("b")))
                    .hasMessageContaining("--pool-subnet6");
            try (HostClaim distinct = HostClaim.acquire(tmp, "other", "10.201.0.0/16", "fd63:6f77::/32", data("b"))) {
                assertThat(tmp.resolve("other.json")).exists();
            }
        }
        assertThat(tmp.resolve("cove.json")).as("stopped with no sandbox: claim gone").doesNotExist();
    }

    @Test
    void aStoppedOwnerWithSandboxesStillHoldsItsClaimAndItsOwnDataDirTakesItBack() throws Exception {
        Path a = data("a");
        Files.createDirectories(a.resolve("sandboxes/sbx1"));
        HostClaim.acquire(tmp, "cove", "10.200.0.0/16", "fd63:6f76::/32", a).close();
        assertThat(tmp.resolve("cove.json")).as("its sandboxes run on: the claim stays").exists();
        assertThatThrownBy(() -> HostClaim.acquire(tmp, "cove", "10.201.0.0/16", "fd63:6f77::/32", data("b")))
                .hasMessageContaining("not running; its 1 sandbox still use");
        HostClaim.acquire(tmp, "cove", "10.200.0.0/16", "fd63:6f76::/32", a).close(); // a restart of the owner
        Files.delete(a.resolve("sandboxes/sbx1"));
        // nothing left of the stopped owner: its claim is stale and goes
        HostClaim.acquire(tmp, "cove", "10.201.0.0/16", "fd63:6f77::/32", data("b")).close();
    }

    private Path data(String name) throws Exception {
        Path d = tmp.resolve("data-" + name);
        Files.createDirectories(d.resolve("sandboxes"));
        return d;
    }
}
