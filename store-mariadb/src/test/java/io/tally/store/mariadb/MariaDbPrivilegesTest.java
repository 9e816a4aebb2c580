package io.tally.store.mariadb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.google.inject.Module;
import io.tally.core.Clock;
import io.tally.core.StoreException;
import io.tally.core.Tally;
import io.tally.core.TallyConfig;
import io.tally.core.TallyModule;
import io.tally.testkit.ManualClock;
import io.tally.testkit.MariaDbDatabase;
import java.sql.Connection;
import java.sql.ResultSet;
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
 * {@code Tally.start} on MariaDB checks the database user's privileges and fails naming the missing
 * one and its table or database, for a user that lacks each grant in turn (users made here, with
 * unique names, dropped after each test; the class has a database of its own).
 */
class MariaDbPrivilegesTest {
  @RegisterExtension static final MariaDbDatabase db = MariaDbDatabase.create();

  /** Tables the administrator created; the users get grants on them. */
  private static final String PREFIX = "priv_";

  private static final String PASSWORD = "tally-priv-pw";

  private final ManualClock clock = ManualClock.create();
  private final Module manualClock = binder -> binder.bind(Clock.class).toInstance(clock);
  private final List<String> users = new ArrayList<>();

  @BeforeAll
  static void createTables() {
    MariaDbSchema.withTablePrefix(PREFIX).migrate(db.dataSource());
  }

  @AfterEach
  void dropUsers() throws SQLException {
    for (String user : users) {
      admin("DROP USER IF EXISTS " + user);
    }
  }

  private static void admin(String... sql) throws SQLException {
    try (Connection c = db.dataSource().getConnection();
        Statement s = c.createStatement()) {
      for (String q : sql) {
        s.execute(q);
      }
    }
  }

  /**
   * @return a new user ({@code 'name'@'%'}) holding only {@code grants} (each {@code %s} is it)
   */
  private String user(String... grants) throws SQLException {
    String name = "tally_priv_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    String user = "'" + name + "'@'%'";
    admin("CREATE USER " + user + " IDENTIFIED BY '" + PASSWORD + "'");
    users.add(user);
    for (String g : grants) {
      admin(String.format(g, user));
    }
    return name;
  }

  private Tally start(String user, String prefix, boolean migrate) {
    TallyConfig config =
        TallyConfig.builder()
            .store("mariadb")
            .jdbcUrl(db.jdbcUrl())
            .jdbcUser(user)
            .jdbcPassword(PASSWORD)
            .poolSize(1)
            .tablePrefix(prefix)
            .migrateOnStart(migrate)
            .build();
    return Tally.start(TallyModule.create(config), manualClock);
  }

  private String refused(String user, String prefix, boolean migrate) {
    Throwable thrown = catchThrowable(() -> start(user, prefix, migrate).close());
    assertThat(thrown).isInstanceOf(StoreException.class);
    assertThat(thrown.getMessage())
        .startsWith(
            "the database user lacks privileges Tally needs (README, \"Database privileges\"): ");
    return thrown.getMessage();
  }

  private static String table(String base) {
    return db.database() + "." + PREFIX + base;
  }

  @ParameterizedTest
  @ValueSource(strings = {"SELECT", "INSERT", "UPDATE", "DELETE"})
  void eachMissingTablePrivilegeIsNamedWithEveryTable(String lacking) throws Exception {
    List<String> granted = new ArrayList<>(MariaDbPrivileges.TABLE_PRIVILEGES);
    granted.remove(lacking);
    String user = user("GRANT " + String.join(", ", granted) + " ON " + db.database() + ".* TO %s");
    String message = refused(user, PREFIX, false);
    for (String base : MariaDbPrivileges.TABLES.keySet()) {
      assertThat(message)
          .contains(
              lacking
                  + " on table "
                  + table(base)
                  + " (GRANT SELECT, INSERT, UPDATE, DELETE ON "
                  + table(base)
                  + " TO '"
                  + user
                  + "'@'%')");
    }
    assertThat(message.split("; ")).hasSize(MariaDbPrivileges.TABLES.size());
  }

  @Test
  void aTableGrantCountsAsMuchAsADatabaseGrant() throws Exception {
    List<String> grants = new ArrayList<>();
    for (String base : MariaDbPrivileges.TABLES.keySet()) {
      if (!base.equals("usage_stats_lock")) {
        grants.add("GRANT SELECT, INSERT, UPDATE, DELETE ON " + table(base) + " TO %s");
      }
    }
    grants.add("GRANT SELECT, UPDATE ON " + table("usage_stats_lock") + " TO %s");
    String message = refused(user(grants.toArray(String[]::new)), PREFIX, false);
    assertThat(message).contains("INSERT, DELETE on table " + table("usage_stats_lock"));
    assertThat(message.split("; ")).hasSize(1);
  }

  @Test
  void missingTablesWithoutMigrationsAreNamed() throws Exception {
    String user = user("GRANT SELECT, INSERT, UPDATE, DELETE ON " + db.database() + ".* TO %s");
    assertThat(refused(user, "absent_", false))
        .contains("table(s) absent_last_used, absent_connection_log,")
        .contains("do not exist in database " + db.database())
        .contains("tally.migrate-on-start=true");
  }

  @Test
  void migratingWithoutCreateOnTheDatabaseIsNamed() throws Exception {
    String user = user("GRANT SELECT, INSERT, UPDATE, DELETE ON " + db.database() + ".* TO %s");
    assertThat(refused(user, "fresh_", true))
        .contains(
            "CREATE on database "
                + db.database()
                + ", to create the missing table(s) fresh_last_used")
        .contains("GRANT CREATE, ALTER, INDEX ON " + db.database() + ".* TO '" + user + "'@'%'");
  }

  @Test
  void migratingWithTheDocumentedGrantsStarts() throws Exception {
    String user =
        user(
            "GRANT SELECT, INSERT, UPDATE, DELETE, CREATE, ALTER, INDEX ON "
                + db.database()
                + ".* TO %s");
    start(user, "own_", true).close();
    assertThat(count("own_schema_history")).isEqualTo(4);
  }

  @Test
  void theDocumentedGrantsAreEnoughToStartAndWrite() throws Exception {
    String user = user("GRANT SELECT, INSERT, UPDATE, DELETE ON " + db.database() + ".* TO %s");
    UUID id = UUID.randomUUID();
    try (Tally tally = start(user, PREFIX, false)) {
      tally.lastUsed().markUsed(id);
      assertThat(tally.lastUsed().flush().rows()).isEqualTo(1);
    }
    try (Connection c = db.dataSource().getConnection();
        Statement s = c.createStatement();
        ResultSet rs =
            s.executeQuery(
                "SELECT COUNT(*) FROM " + PREFIX + "last_used WHERE id = '" + id + "'")) {
      rs.next();
      assertThat(rs.getInt(1)).isEqualTo(1);
    }
  }

  private static int count(String table) throws SQLException {
    try (Connection c = db.dataSource().getConnection();
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM " + table)) {
      rs.next();
      return rs.getInt(1);
    }
  }
}
