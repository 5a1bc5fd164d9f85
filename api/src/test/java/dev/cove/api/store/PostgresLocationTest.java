package dev.cove.api.store;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PostgresLocationTest {
    @Test
    void parsesUserPasswordHostPortAndDatabase() {
        PostgresLocation l = PostgresLocation.parse("postgresql://cove:p%40ss%2Fword@db.internal:6543/catalog", null);
        assertThat(l.user()).isEqualTo("cove");
        assertThat(l.password()).isEqualTo("p@ss/word");
        assertThat(l.jdbcUrl()).isEqualTo("jdbc:postgresql://db.internal:6543/catalog");
        assertThat(l.toString()).isEqualTo("postgresql://cove:***@db.internal:6543/catalog");
    }

    @Test
    void thePasswordMayComeFromTheEnvironmentAndThePortDefaults() {
        PostgresLocation l = PostgresLocation.parse("postgresql://cove@127.0.0.1/cove", "fromenv");
        assertThat(l.password()).isEqualTo("fromenv");
        assertThat(l.port()).isEqualTo(5432);
    }

    @Test
    void badValuesSayWhatIsExpectedWithoutRepeatingThem() {
        for (String bad : new String[]{"mysql://u:hunter2@h/db", "postgresql://h:5432/db", "postgresql://u:hunter2@h/",
                "postgresql://u:hunter2@h/db?sslmode=disable", "postgresql://u:hun ter2@h/db"}) {
            assertThatThrownBy(() -> PostgresLocation.parse(bad, null)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("postgresql://USER").hasMessageNotContaining("hunter2").hasMessageNotContaining("hun ter2");
        }
    }
}
