package io.tally.store.mariadb;

import io.tally.core.lastused.LastUsedStore;
import io.tally.testkit.LastUsedStoreContract;
import io.tally.testkit.MariaDbDatabase;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Runs the testkit's last-used store contract on MariaDB, for every key type and both modes. */
class MariaDbLastUsedStoreContractTest {
  @RegisterExtension static final MariaDbDatabase db = MariaDbDatabase.create();

  static final AtomicLong NEXT_LONG = new AtomicLong(-5); // negative, zero and positive ids
  static final AtomicLong NEXT_STRING = new AtomicLong();

  @BeforeAll
  static void createUserTable() throws SQLException {
    try (Connection c = db.dataSource().getConnection();
        Statement s = c.createStatement()) {
      s.execute(
          "CREATE TABLE workspaces (id CHAR(36) CHARACTER SET ascii PRIMARY KEY,"
              + " last_used_at DATETIME(6))");
    }
  }

  /** Reads stored times straight from the table, bypassing the store. */
  abstract static class MariaDbContract<K> extends LastUsedStoreContract<K> {
    private final String table;
    private final String idColumn;
    private final String timeColumn;

    MariaDbContract(String table, String idColumn, String timeColumn) {
      this.table = table;
      this.idColumn = idColumn;
      this.timeColumn = timeColumn;
    }

    @Override
    protected Optional<Instant> storedTime(K id) {
      return Optional.ofNullable(storedTimes(List.of(id)).get(id));
    }

    @Override
    protected Map<K, Instant> storedTimes(Collection<K> ids) {
      Map<String, Instant> all = new HashMap<>();
      String sql =
          "SELECT " + idColumn + ", " + timeColumn + " FROM " + table + " WHERE " + timeColumn
              + " IS NOT NULL";
      try (Connection c = db.dataSource().getConnection();
          PreparedStatement ps = c.prepareStatement(sql);
          ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          all.put(
              rs.getString(1), rs.getObject(2, LocalDateTime.class).toInstant(ZoneOffset.UTC));
        }
      } catch (SQLException e) {
        throw new AssertionError(e);
      }
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

  abstract static class OwnTable<K> extends MariaDbContract<K> {
    private final MariaDbLastUsedStore<K> store;

    OwnTable(Class<K> keyType, String prefix) {
      super(prefix + "last_used", "id", "last_used_at");
      store =
          MariaDbLastUsedStore.builder(db.dataSource(), keyType)
              .schema(MariaDbSchema.withTablePrefix(prefix))
              .build();
      store.migrate();
    }

    @Override
    protected LastUsedStore<K> createStore() {
      return store;
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
  class UserTable extends MariaDbContract<UUID> {
    private final MariaDbLastUsedStore<UUID> store =
        MariaDbLastUsedStore.builder(db.dataSource(), UUID.class)
            .userTable("workspaces", "id", "last_used_at")
            .build();

    UserTable() {
      super("workspaces", "id", "last_used_at");
    }

    @Override
    protected LastUsedStore<UUID> createStore() {
      return store;
    }

    @Override
    protected UUID newKey() {
      return newKeys(1).get(0);
    }

    @Override
    protected List<UUID> newKeys(int n) {
      List<UUID> keys = new ArrayList<>(n);
      try (Connection c = db.dataSource().getConnection();
          PreparedStatement ps = c.prepareStatement("INSERT INTO workspaces (id) VALUES (?)")) {
        for (int i = 0; i < n; i++) {
          UUID id = UUID.randomUUID();
          ps.setString(1, id.toString());
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
