package io.tally.store.h2;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.google.inject.Module;
import io.tally.core.Clock;
import io.tally.core.StoreException;
import io.tally.core.Tally;
import io.tally.core.TallyConfig;
import io.tally.core.TallyModule;
import io.tally.testkit.ManualClock;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.UUID;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@code Tally.start} on H2 names the privilege a non-admin user lacks, and its table. */
class H2PrivilegesTest {
  /** The user's URL: a non-admin may not set database settings such as DB_CLOSE_DELAY. */
  private final String url = "jdbc:h2:mem:privileges-" + UUID.randomUUID();

  private final JdbcDataSource admin = new JdbcDataSource();
  private Connection keepOpen; // an in-memory database lives while a connection is open
  private final ManualClock clock = ManualClock.create();
  private final Module manualClock = binder -> binder.bind(Clock.class).toInstance(clock);

  @BeforeEach
  void createTablesAndUser() throws SQLException {
    admin.setURL(url);
    admin.setUser("sa");
    keepOpen = admin.getConnection();
    H2Schema.defaults().migrate(admin);
    sql("CREATE USER app PASSWORD 'app-password'");
  }

  @AfterEach
  void dropDatabase() throws SQLException {
    keepOpen.close(); // the last connection: the in-memory database goes with it
  }

  private void sql(String... statements) throws SQLException {
    try (Connection c = admin.getConnection();
        Statement s = c.createStatement()) {
      for (String q : statements) {
        s.execute(q);
      }
    }
  }

  private Tally start(String prefix, boolean migrate) {
    TallyConfig config =
        TallyConfig.builder()
            .store("h2")
            .jdbcUrl(url)
            .jdbcUser("app")
            .jdbcPassword("app-password")
            .tablePrefix(prefix)
            .migrateOnStart(migrate)
            .build();
    return Tally.start(TallyModule.create(config), manualClock);
  }

  private String refused(String prefix, boolean migrate) {
    Throwable thrown = catchThrowable(() -> start(prefix, migrate).close());
    assertThat(thrown).isInstanceOf(StoreException.class);
    return thrown.getMessage();
  }

  @Test
  void aUserWithoutRightsIsToldEachPrivilegeAndTable() {
    assertThat(refused("tally_", false))
        .startsWith("the database user lacks privileges Tally needs")
        .contains(
            "SELECT, INSERT, UPDATE, DELETE on table tally_last_used (GRANT SELECT, INSERT,"
                + " UPDATE, DELETE ON tally_last_used TO <user>)")
        .contains("on table tally_usage_stats_lock");
  }

  @Test
  void aMissingPrivilegeIsNamedAloneAndSchemaGrantsCount() throws SQLException {
    sql("GRANT SELECT, INSERT, UPDATE ON SCHEMA PUBLIC TO app");
    assertThat(refused("tally_", false))
        .contains("\"Database privileges\"): DELETE on table tally_last_used (GRANT")
        .contains("; DELETE on table tally_connection_log (GRANT")
        .doesNotContain("SELECT on table", "INSERT on table", "UPDATE on table");
    sql("GRANT DELETE ON SCHEMA PUBLIC TO app");
    start("tally_", false).close();
  }

  @Test
  void migratingMissingTablesNeedsAnAdminOrTheSchemasOwner() throws SQLException {
    sql("GRANT SELECT, INSERT, UPDATE, DELETE ON SCHEMA PUBLIC TO app");
    assertThat(refused("fresh_", true))
        .contains("the right to create the missing table(s) fresh_last_used")
        .contains("H2 lets only an admin or the schema's owner create tables");
    assertThat(refused("fresh_", false)).contains("do not exist");
  }
}
