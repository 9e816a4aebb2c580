package io.tally.store.h2;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tally.core.StoreException;
import io.tally.testkit.SqlRunner;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class H2LastUsedStoreTest {
  private static final Instant T = Instant.parse("2026-01-01T00:00:00Z");

  private JdbcDataSource db;
  private SqlRunner sql;

  @BeforeEach
  void newDatabase() {
    db = new JdbcDataSource();
    db.setURL("jdbc:h2:mem:lastused-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1");
    sql = SqlRunner.on(db);
    exec("CREATE TABLE workspaces (id BIGINT PRIMARY KEY, last_used_at TIMESTAMP WITH TIME ZONE)");
  }

  private void exec(String statement) {
    sql.execute(statement);
  }

  private Map<String, Instant> rows(String table) {
    return sql.times("SELECT id, last_used_at FROM " + table);
  }

  @Test
  void migrateCreatesTheOwnTableAndIsSafeToRunTwice() throws SQLException {
    H2LastUsedStore<UUID> store = H2LastUsedStore.builder(db, UUID.class).build();
    assertThat(store.table()).isEqualTo("tally_last_used");
    assertThat(store.migrate()).containsExactly(1, 2, 3, 4);
    assertThat(store.migrate()).isEmpty();
    UUID id = UUID.randomUUID();
    store.markUsed(Map.of(id, T));
    assertThat(rows("tally_last_used")).isEqualTo(Map.of(id.toString(), T));
  }

  @Test
  void userTableModeUpdatesExistingRowsAndIgnoresUnknownIds() throws SQLException {
    exec(
        "INSERT INTO workspaces VALUES (1, NULL), (2, TIMESTAMP WITH TIME ZONE '2026-01-01 00:00:10Z')");
    H2LastUsedStore<Long> store =
        H2LastUsedStore.builder(db, Long.class)
            .userTable("workspaces", "id", "last_used_at")
            .build();

    store.markUsed(Map.of(1L, T, 2L, T.plusSeconds(5), 3L, T));

    Map<String, Instant> expected = new HashMap<>();
    expected.put("1", T);
    expected.put("2", T.plusSeconds(10));
    assertThat(rows("workspaces"))
        .as("no row created for id 3; id 2 not moved back")
        .isEqualTo(expected);
    store.markUsed(Map.of(2L, T.plusSeconds(11)));
    assertThat(rows("workspaces").get("2")).isEqualTo(T.plusSeconds(11));
  }

  @Test
  void userTableMayBeSchemaQualified() throws SQLException {
    exec("CREATE SCHEMA app");
    exec("CREATE TABLE app.users (uid VARCHAR PRIMARY KEY, seen TIMESTAMP WITH TIME ZONE)");
    exec("INSERT INTO app.users VALUES ('ann', NULL)");
    H2LastUsedStore<String> store =
        H2LastUsedStore.builder(db, String.class).userTable("app.users", "uid", "seen").build();
    store.markUsed(Map.of("ann", T, "bob", T));
    try (Connection c = db.getConnection();
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT uid, seen FROM app.users")) {
      assertThat(rs.next()).isTrue();
      assertThat(rs.getString(1)).isEqualTo("ann");
      assertThat(rs.getObject(2, OffsetDateTime.class).toInstant()).isEqualTo(T);
      assertThat(rs.next()).isFalse();
    }
  }

  @Test
  void rejectsBadIdentifiersNamingTheArgumentAndValue() {
    H2LastUsedStore.Builder<Long> b = H2LastUsedStore.builder(db, Long.class);
    assertThatThrownBy(() -> b.userTable("workspaces; DROP TABLE x", "id", "t"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("table was 'workspaces; DROP TABLE x' but must match");
    assertThatThrownBy(() -> b.userTable("workspaces", "1d", "t"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("idColumn was '1d' but must match");
    assertThatThrownBy(() -> b.userTable("workspaces", "id", "last used"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("timeColumn was 'last used' but must match");
    assertThatThrownBy(() -> b.userTable(null, "id", "t")).hasMessage("table");
  }

  @Test
  void rejectsUnsupportedKeyTypesAndNulls() {
    assertThatThrownBy(() -> H2LastUsedStore.builder(db, Integer.class))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "keyType was java.lang.Integer but must be java.util.UUID, java.lang.Long or"
                + " java.lang.String");
    assertThatThrownBy(() -> H2LastUsedStore.builder(null, UUID.class)).hasMessage("dataSource");
    assertThatThrownBy(() -> H2LastUsedStore.builder(db, null)).hasMessage("keyType");
    assertThatThrownBy(() -> H2LastUsedStore.builder(db, UUID.class).schema(null))
        .hasMessage("schema");
    H2LastUsedStore<UUID> store = H2LastUsedStore.builder(db, UUID.class).build();
    assertThatThrownBy(() -> store.markUsed(null)).hasMessage("lastUsed");
  }

  @Test
  void failureIsAStoreExceptionNamingTheTableNotTheUrl() {
    H2LastUsedStore<UUID> store =
        H2LastUsedStore.builder(db, UUID.class)
            .schema(H2Schema.withTablePrefix("never_migrated_"))
            .build();
    assertThatThrownBy(() -> store.markUsed(Map.of(UUID.randomUUID(), T)))
        .isInstanceOf(StoreException.class)
        .hasMessageStartingWith("marking 1 ids used in table never_migrated_last_used failed")
        .hasMessageNotContaining("jdbc:")
        .hasCauseInstanceOf(SQLException.class);
  }
}
