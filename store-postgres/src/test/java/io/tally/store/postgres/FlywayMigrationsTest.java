package io.tally.store.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.inject.Module;
import io.tally.core.Clock;
import io.tally.core.Tally;
import io.tally.core.TallyConfig;
import io.tally.core.TallyModule;
import io.tally.testkit.ConnectionLogRow;
import io.tally.testkit.ConnectionLogStoreContract;
import io.tally.testkit.ManualClock;
import io.tally.testkit.PostgresDatabase;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;
import java.util.UUID;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.output.MigrateResult;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Tally's PostgreSQL migrations applied by the user's own Flyway, as docs/migrations.md shows: the
 * SQL files from the class path ({@code classpath:db/tally/postgres}), the table prefix as the
 * Flyway placeholder {@code prefix}, Flyway's own history table; then Tally started with {@code
 * tally.migrate-on-start=false} on that schema writes and reads. The class has a schema of its own.
 */
class FlywayMigrationsTest {
  @RegisterExtension static final PostgresDatabase pg = PostgresDatabase.create();

  private static final String PREFIX = "fw_";

  private final ManualClock clock = ManualClock.create();
  private final Module manualClock = binder -> binder.bind(Clock.class).toInstance(clock);

  @Test
  void flywayAppliesTallysFilesAndTallyRunsOnTheSchemaWithoutMigrating() throws Exception {
    MigrateResult result = flyway().migrate();
    assertThat(result.migrationsExecuted).isEqualTo(5); // V1..V5
    assertThat(result.targetSchemaVersion).isEqualTo("5");

    TallyConfig config =
        TallyConfig.builder()
            .store("postgres")
            .jdbcUrl(pg.jdbcUrl())
            .jdbcUser(pg.user())
            .jdbcPassword(pg.password())
            .poolSize(2)
            .tablePrefix(PREFIX)
            .migrateOnStart(false)
            .build();
    UUID id = UUID.randomUUID();
    UUID connection = UUID.randomUUID();
    try (Tally tally = Tally.start(TallyModule.create(config), manualClock)) {
      tally.lastUsed().markUsed(id);
      assertThat(tally.lastUsed().flush().rows()).isEqualTo(1);
      tally
          .connectionLog()
          .write(
              ConnectionLogStoreContract.session().connectionId(connection).connect(clock.now()));
    }
    assertThat(count("SELECT COUNT(*) FROM " + PREFIX + "last_used WHERE id = '" + id + "'"))
        .isEqualTo(1);
    assertThat(ConnectionLogRow.readAll(pg.dataSource(), PREFIX + "connection_log"))
        .extracting(ConnectionLogRow::connectionId)
        .containsExactly(connection);
    // Tally kept its hands off the schema: no history table of its own next to Flyway's.
    assertThat(
            count(
                "SELECT COUNT(*) FROM pg_tables WHERE schemaname = current_schema()"
                    + " AND tablename = '"
                    + PREFIX
                    + "schema_history'"))
        .isZero();
    // Flyway again: up to date, nothing applied.
    assertThat(flyway().migrate().migrationsExecuted).isZero();
  }

  /** The user's Flyway for Tally's files, as docs/migrations.md shows it. */
  private static Flyway flyway() {
    return Flyway.configure()
        .dataSource(pg.dataSource())
        .locations("classpath:db/tally/postgres")
        .placeholders(Map.of("prefix", PREFIX))
        .table(PREFIX + "flyway_history")
        .load();
  }

  private static long count(String sql) throws SQLException {
    try (Connection c = pg.dataSource().getConnection();
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    }
  }
}
