package io.tally.store.mariadb;

import static org.assertj.core.api.Assertions.assertThat;

import io.tally.core.Tally;
import io.tally.testkit.JdbcPrivilegesContract;
import io.tally.testkit.MariaDbDatabase;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.UUID;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;
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
class MariaDbPrivilegesTest extends JdbcPrivilegesContract {
  @RegisterExtension static final MariaDbDatabase db = MariaDbDatabase.create();

  private static final String PASSWORD = "tally-priv-pw";

  @BeforeAll
  static void createTables() {
    MariaDbSchema.withTablePrefix(PREFIX).migrate(db.dataSource());
  }

  @Override
  protected DataSource dataSource() {
    return db.dataSource();
  }

  @Override
  protected String store() {
    return "mariadb";
  }

  @Override
  protected String jdbcUrl() {
    return db.jdbcUrl();
  }

  @Override
  protected @Nullable String password() {
    return PASSWORD;
  }

  /** A user is {@code 'name'@'%'}. */
  @Override
  protected String grantee(String name) {
    return "'" + name + "'@'%'";
  }

  @Override
  protected List<String> createUser(String grantee) {
    return List.of("CREATE USER " + grantee + " IDENTIFIED BY '" + PASSWORD + "'");
  }

  @Override
  protected List<String> dropUser(String grantee) {
    return List.of("DROP USER IF EXISTS " + grantee);
  }

  @Override
  protected String container() {
    return db.database();
  }

  @Override
  protected Collection<String> tables() {
    return MariaDbPrivileges.TABLES.keySet();
  }

  @Override
  protected List<String> grantsOnEveryTable(String privileges) {
    return List.of("GRANT " + privileges + " ON " + db.database() + ".* TO %s");
  }

  @ParameterizedTest
  @ValueSource(strings = {"SELECT", "INSERT", "UPDATE", "DELETE"})
  void eachMissingTablePrivilegeIsNamedWithEveryTable(String lacking) throws Exception {
    assertEachTableNamesTheMissing(lacking);
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
