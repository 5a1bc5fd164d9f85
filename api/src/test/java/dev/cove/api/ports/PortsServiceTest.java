package dev.cove.api.ports;

import dev.cove.api.store.PortAccessStore.AuditRow;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class PortsServiceTest {
    static final Instant MINUTE = Instant.parse("2026-11-26T16:00:00Z");

    /** One minute's accesses written in several flushes read as one row; other events and other keys stay apart. */
    @Test
    void accessRowsOfOneMinuteAreSummed() {
        AuditRow expose = new AuditRow(MINUTE.plusSeconds(1), "s", "expose", 3000, null, "127.0.0.1", null, null, 1, "link");
        AuditRow a1 = new AuditRow(MINUTE, "s", "access", 3000, "lnk_1", "127.0.0.1", "link", 200, 1, null);
        AuditRow denied = new AuditRow(MINUTE, "s", "access", 3000, null, "127.0.0.1", "denied", 401, 1, null);
        AuditRow a2 = new AuditRow(MINUTE, "s", "access", 3000, "lnk_1", "127.0.0.1", "link", 200, 2, null);
        AuditRow next = new AuditRow(MINUTE.plusSeconds(60), "s", "access", 3000, "lnk_1", "127.0.0.1", "link", 200, 4, null);
        List<AuditRow> merged = PortsService.mergeAccesses(List.of(a1, denied, a2, expose, next));
        assertThat(merged).extracting(AuditRow::count).containsExactly(3L, 1L, 1L, 4L);
        assertThat(merged).extracting(AuditRow::kind).containsExactly("access", "access", "expose", "access");
    }
}
