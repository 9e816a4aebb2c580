package io.tally.store.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.google.inject.Module;
import io.tally.core.Clock;
import io.tally.core.ComponentStats;
import io.tally.core.StoreException;
import io.tally.core.Tally;
import io.tally.core.TallyConfig;
import io.tally.core.TallyModule;
import io.tally.testkit.ConnectionLogRow;
import io.tally.testkit.ConnectionLogStoreContract;
import io.tally.testkit.ManualClock;
import io.tally.testkit.PostgresDatabase;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code Tally.start} checks the database user's privileges and fails naming the missing one and
 * its table or schema, for a PostgreSQL role that lacks each grant in turn (roles made here, with
 * unique names, dropped after each test).
 */
class PostgresPrivilegesTest {
  @RegisterExtension static final PostgresDatabase pg = PostgresDatabase.create();

  /** Tables the administrator created; the roles get grants on them. */
  private static final String PREFIX = "priv_";

  private final ManualClock clock = ManualClock.create();
  private final Module manualClock = binder -> binder.bind(Clock.class).toInstance(clock);
  private final List<String> roles = new ArrayList<>();

  @BeforeAll
  static void createTables() {
    PostgresSchema.withTablePrefix(PREFIX).migrate(pg.dataSource());
  }

  @AfterEach
  void dropRoles() throws SQLException {
    for (String role : roles) {
      admin("DROP OWNED BY " + role, "DROP ROLE " + role);
    }
  }

  private static void admin(String... sql) throws SQLException {
    try (Connection c = pg.dataSource().getConnection();
        Statement s = c.createStatement()) {
      for (String q : sql) {
        s.execute(q);
      }
    }
  }

  /**
   * @return a new login role holding only {@code grants} (each {@code %s} is the role)
   */
  private String role(String... grants) throws SQLException {
    String role = "tally_priv_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    admin("CREATE ROLE " + role + " LOGIN");
    roles.add(role);
    for (String g : grants) {
      admin(String.format(g, role));
    }
    return role;
  }

  private Tally start(String role, String prefix, boolean migrate) {
    TallyConfig config =
        TallyConfig.builder()
            .store("postgres")
            .jdbcUrl(pg.jdbcUrl())
            .jdbcUser(role)
            .poolSize(1)
            .tablePrefix(prefix)
            .migrateOnStart(migrate)
            .build();
    return Tally.start(TallyModule.create(config), manualClock);
  }

  private String refused(String role, String prefix, boolean migrate) {
    Throwable thrown = catchThrowable(() -> start(role, prefix, migrate).close());
    assertThat(thrown).isInstanceOf(StoreException.class);
    assertThat(thrown.getMessage())
        .startsWith(
            "the database user lacks privileges Tally needs (README, \"Database privileges\"): ");
    return thrown.getMessage();
  }

  private static String table(String base) {
    return pg.schema() + "." + PREFIX + base;
  }

  @Test
  void withoutUsageOnTheSchemaTheStartNamesTheSchemaWithOrWithoutMigrations() throws Exception {
    String role = role();
    String usage =
        "USAGE on schema "
            + pg.schema()
            + ", the first schema of the search_path (GRANT USAGE ON SCHEMA "
            + pg.schema()
            + " TO "
            + role
            + ")";
    assertThat(refused(role, PREFIX, false)).endsWith(usage);
    assertThat(refused(role, PREFIX, true)).endsWith(usage); // not "no schema has been selected"
  }

  @ParameterizedTest
  @ValueSource(strings = {"SELECT", "INSERT", "UPDATE", "DELETE"})
  void eachMissingTablePrivilegeIsNamedWithEveryTable(String lacking) throws Exception {
    List<String> granted = new ArrayList<>(PostgresPrivileges.TABLE_PRIVILEGES);
    granted.remove(lacking);
    String role =
        role(
            "GRANT USAGE ON SCHEMA " + pg.schema() + " TO %s",
            "GRANT "
                + String.join(", ", granted)
                + " ON ALL TABLES IN SCHEMA "
                + pg.schema()
                + " TO %s");
    String message = refused(role, PREFIX, false);
    for (String base : PostgresPrivileges.TABLES) {
      assertThat(message)
          .contains(
              lacking
                  + " on table "
                  + table(base)
                  + " (GRANT SELECT, INSERT, UPDATE, DELETE ON "
                  + table(base)
                  + " TO "
                  + role
                  + ")");
    }
    assertThat(message.split("; ")).hasSize(PostgresPrivileges.TABLES.size());
  }

  @Test
  void missingTablesWithoutMigrationsAreNamed() throws Exception {
    String role = role("GRANT USAGE ON SCHEMA " + pg.schema() + " TO %s");
    assertThat(refused(role, "absent_", false))
        .contains("table(s) absent_last_used, absent_connection_log,")
        .contains("do not exist")
        .contains("tally.migrate-on-start=true");
  }

  @Test
  void migratingWithoutCreateOnTheSchemaIsNamed() throws Exception {
    String role = role("GRANT USAGE ON SCHEMA " + pg.schema() + " TO %s");
    assertThat(refused(role, "fresh_", true))
        .contains(
            "CREATE on schema " + pg.schema() + ", to create the missing table(s) fresh_last_used")
        .contains("GRANT CREATE ON SCHEMA " + pg.schema() + " TO " + role);
  }

  @Test
  void migratingWithUsageAndCreateStarts() throws Exception {
    String role = role("GRANT USAGE, CREATE ON SCHEMA " + pg.schema() + " TO %s");
    start(role, "own_", true).close();
  }

  @Test
  void theDocumentedGrantsAreEnoughToStartAndWrite() throws Exception {
    String role =
        role(
            "GRANT USAGE ON SCHEMA " + pg.schema() + " TO %s",
            "GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA "
                + pg.schema()
                + " TO %s");
    UUID connection = UUID.randomUUID();
    Tally tally = start(role, PREFIX, false);
    try {
      tally
          .connectionLog()
          .write(
              ConnectionLogStoreContract.session().connectionId(connection).connect(clock.now()));
    } finally {
      tally.close();
    }
    ComponentStats log = tally.stats().get(0);
    assertThat(log.flushedRows()).isEqualTo(1);
    assertThat(log.droppedTotal()).isZero();
    assertThat(ConnectionLogRow.readAll(pg.dataSource(), PREFIX + "connection_log"))
        .extracting(ConnectionLogRow::connectionId)
        .contains(connection);
  }
}
