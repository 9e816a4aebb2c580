package io.tally.store.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import io.tally.core.ComponentStats;
import io.tally.core.Tally;
import io.tally.testkit.ConnectionLogRow;
import io.tally.testkit.ConnectionLogStoreContract;
import io.tally.testkit.JdbcPrivilegesContract;
import io.tally.testkit.PostgresDatabase;
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
 * {@code Tally.start} checks the database user's privileges and fails naming the missing one and
 * its table or schema, for a PostgreSQL role that lacks each grant in turn (roles made here, with
 * unique names, dropped after each test).
 */
class PostgresPrivilegesTest extends JdbcPrivilegesContract {
  @RegisterExtension static final PostgresDatabase pg = PostgresDatabase.create();

  @BeforeAll
  static void createTables() {
    PostgresSchema.withTablePrefix(PREFIX).migrate(pg.dataSource());
  }

  @Override
  protected DataSource dataSource() {
    return pg.dataSource();
  }

  @Override
  protected String store() {
    return "postgres";
  }

  @Override
  protected String jdbcUrl() {
    return pg.jdbcUrl();
  }

  /** The login roles have no password. */
  @Override
  protected @Nullable String password() {
    return null;
  }

  @Override
  protected String grantee(String name) {
    return name;
  }

  @Override
  protected List<String> createUser(String grantee) {
    return List.of("CREATE ROLE " + grantee + " LOGIN");
  }

  @Override
  protected List<String> dropUser(String grantee) {
    return List.of("DROP OWNED BY " + grantee, "DROP ROLE " + grantee);
  }

  @Override
  protected String container() {
    return pg.schema();
  }

  @Override
  protected Collection<String> tables() {
    return PostgresPrivileges.TABLES;
  }

  @Override
  protected List<String> grantsOnEveryTable(String privileges) {
    return List.of(
        "GRANT USAGE ON SCHEMA " + pg.schema() + " TO %s",
        "GRANT " + privileges + " ON ALL TABLES IN SCHEMA " + pg.schema() + " TO %s");
  }

  @Test
  void withoutUsageOnTheSchemaTheStartNamesTheSchemaWithOrWithoutMigrations() throws Exception {
    String role = user();
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
    assertEachTableNamesTheMissing(lacking);
  }

  @Test
  void missingTablesWithoutMigrationsAreNamed() throws Exception {
    String role = user("GRANT USAGE ON SCHEMA " + pg.schema() + " TO %s");
    assertThat(refused(role, "absent_", false))
        .contains("table(s) absent_last_used, absent_connection_log,")
        .contains("do not exist")
        .contains("tally.migrate-on-start=true");
  }

  @Test
  void migratingWithoutCreateOnTheSchemaIsNamed() throws Exception {
    String role = user("GRANT USAGE ON SCHEMA " + pg.schema() + " TO %s");
    assertThat(refused(role, "fresh_", true))
        .contains(
            "CREATE on schema " + pg.schema() + ", to create the missing table(s) fresh_last_used")
        .contains("GRANT CREATE ON SCHEMA " + pg.schema() + " TO " + role);
  }

  @Test
  void migratingWithUsageAndCreateStarts() throws Exception {
    String role = user("GRANT USAGE, CREATE ON SCHEMA " + pg.schema() + " TO %s");
    start(role, "own_", true).close();
  }

  @Test
  void theDocumentedGrantsAreEnoughToStartAndWrite() throws Exception {
    String role =
        user(
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
