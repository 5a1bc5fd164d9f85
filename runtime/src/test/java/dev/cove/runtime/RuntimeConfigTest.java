package dev.cove.runtime;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RuntimeConfigTest {

    @Test
    void defaultsFollowTheDataDir() {
        RuntimeConfig c = RuntimeConfig.defaults(Path.of("/var/lib/cove"));
        assertThat(c.templateDir()).isEqualTo(Path.of("/var/lib/cove/templates"));
        assertThat(c.resourcePrefix()).isEqualTo("cove");
        assertThat(c.poolSubnet()).isEqualTo("10.200.0.0/16");
        assertThat(c.poolSubnet6()).isEqualTo("fd63:6f76::/32");
        assertThat(c.ociRuntime()).isEqualTo("auto");
        assertThat(c.defaultCpuCount()).isEqualTo(2);
        assertThat(c.defaultMemoryMB()).isEqualTo(512);
        assertThat(c.userSudo()).isFalse();
        assertThat(c.withTemplateDir(Path.of("/cache")).templateDir()).isEqualTo(Path.of("/cache"));
    }

    @Test
    void rejectsNamesThatWouldNotFitAnInterfaceName() {
        RuntimeConfig c = RuntimeConfig.defaults(Path.of("/d"));
        assertThatThrownBy(() -> c.withResourcePrefix("toolongprefix")).hasMessageContaining("8 characters");
        assertThatThrownBy(() -> c.withResourcePrefix("Cove")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> c.withOciRuntime("docker")).hasMessageContaining("auto, runc or crun");
        assertThatThrownBy(() -> c.withPool("10.200.0.0/33", "fd63:6f76::/32")).isInstanceOf(IllegalArgumentException.class);
    }
}
