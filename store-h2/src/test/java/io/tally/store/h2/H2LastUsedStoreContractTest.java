package io.tally.store.h2;

import io.tally.core.lastused.LastUsedStore;
import io.tally.testkit.LastUsedStoreContract;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;

/** Runs the testkit's store contract on H2, for every key type and both store modes. */
class H2LastUsedStoreContractTest {
  static final JdbcDataSource DB = new JdbcDataSource();
  static final AtomicLong NEXT_LONG = new AtomicLong(-5); // negative, zero and positive ids
  static final AtomicLong NEXT_STRING = new AtomicLong();

  @BeforeAll
  static void createDatabase() throws SQLException {
    DB.setURL("jdbc:h2:mem:lastused-contract-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1");
    try (Connection c = DB.getConnection();
        Statement s = c.createStatement()) {
      s.execute("CREATE TABLE workspaces (id UUID PRIMARY KEY, last_used_at TIMESTAMP WITH TIME ZONE)");
    }
  }

  /** Reads every row of a table into text id to time. */
  static Map<String, Instant> readAll(String table, String idColumn, String timeColumn) {
    Map<String, Instant> out = new HashMap<>();
    String sql =
        "SELECT " + idColumn + ", " + timeColumn + " FROM " + table + " WHERE " + timeColumn
            + " IS NOT NULL";
    try (Connection c = DB.getConnection();
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(sql)) {
      while (rs.next()) {
        out.put(rs.getString(1), rs.getObject(2, OffsetDateTime.class).toInstant());
      }
    } catch (SQLException e) {
      throw new AssertionError(e);
    }
    return out;
  }

  /** Reads stored times straight from the table, bypassing the store. */
  abstract static class H2Contract<K> extends LastUsedStoreContract<K> {
    private final String table;
    private final String idColumn;
    private final String timeColumn;

    H2Contract(String table, String idColumn, String timeColumn) {
      this.table = table;
      this.idColumn = idColumn;
      this.timeColumn = timeColumn;
    }

    @Override
    protected Optional<Instant> storedTime(K id) {
      String sql =
          "SELECT " + timeColumn + " FROM " + table + " WHERE CAST(" + idColumn
              + " AS VARCHAR) = ?";
      try (Connection c = DB.getConnection();
          PreparedStatement ps = c.prepareStatement(sql)) {
        ps.setString(1, id.toString());
        try (ResultSet rs = ps.executeQuery()) {
          return rs.next()
              ? Optional.ofNullable(rs.getObject(1, OffsetDateTime.class)).map(OffsetDateTime::toInstant)
              : Optional.empty();
        }
      } catch (SQLException e) {
        throw new AssertionError(e);
      }
    }

    @Override
    protected Map<K, Instant> storedTimes(Collection<K> ids) {
      Map<String, Instant> all = readAll(table, idColumn, timeColumn);
      Map<K, Instant> out = new HashMap<>();
      for (K id : ids) {
        Instant t = all.get(id.toString());
        if (t != null) {
          out.put(id, t);
        }
      }
      return out;
    }
  }

  abstract static class OwnTable<K> extends H2Contract<K> {
    private final H2LastUsedStore<K> h2;

    OwnTable(Class<K> keyType, String prefix) {
      super(prefix + "last_used", "id", "last_used_at");
      h2 = H2LastUsedStore.builder(DB, keyType).schema(H2Schema.withTablePrefix(prefix)).build();
      h2.migrate();
    }

    @Override
    protected LastUsedStore<K> createStore() {
      return h2;
    }
  }

  @Nested
  class UuidKeys extends OwnTable<UUID> {
    UuidKeys() {
      super(UUID.class, "uuid_");
    }

    @Override
    protected UUID newKey() {
      return UUID.randomUUID();
    }
  }

  @Nested
  class LongKeys extends OwnTable<Long> {

    LongKeys() {
      super(Long.class, "long_");
    }

    @Override
    protected Long newKey() {
      return NEXT_LONG.getAndIncrement() * 7_919L;
    }
  }

  @Nested
  class StringKeys extends OwnTable<String> {

    StringKeys() {
      super(String.class, "string_");
    }

    @Override
    protected String newKey() {
      return "wörkspace/'" + NEXT_STRING.incrementAndGet() + "\"; --";
    }
  }

  @Nested
  class UserTable extends H2Contract<UUID> {
    private final H2LastUsedStore<UUID> h2 =
        H2LastUsedStore.builder(DB, UUID.class).userTable("workspaces", "id", "last_used_at").build();

    UserTable() {
      super("workspaces", "id", "last_used_at");
    }

    @Override
    protected LastUsedStore<UUID> createStore() {
      return h2;
    }

    @Override
    protected UUID newKey() {
      return newKeys(1).get(0);
    }

    @Override
    protected List<UUID> newKeys(int n) {
      List<UUID> keys = new ArrayList<>(n);
      try (Connection c = DB.getConnection();
          PreparedStatement ps = c.prepareStatement("INSERT INTO workspaces (id) VALUES (?)")) {
        for (int i = 0; i < n; i++) {
          UUID id = UUID.randomUUID();
          ps.setObject(1, id);
          ps.addBatch();
          keys.add(id);
        }
        ps.executeBatch();
      } catch (SQLException e) {
        throw new AssertionError(e);
      }
      return keys;
    }
  }
}
