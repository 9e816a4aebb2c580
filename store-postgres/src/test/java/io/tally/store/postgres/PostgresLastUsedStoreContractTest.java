package io.tally.store.postgres;

import io.tally.core.lastused.LastUsedStore;
import io.tally.testkit.LastUsedStoreContract;
import io.tally.testkit.PostgresDatabase;
import java.sql.Array;
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
import javax.sql.DataSource;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Runs the testkit's store contract on the real PostgreSQL server, for every key type and both
 * store modes. Each nested class gets its own fresh schema from {@link PostgresDatabase}.
 */
class PostgresLastUsedStoreContractTest {
  @RegisterExtension static final PostgresDatabase pg = PostgresDatabase.create();

  static final AtomicLong NEXT_LONG = new AtomicLong(-5); // negative, zero and positive ids
  static final AtomicLong NEXT_STRING = new AtomicLong();

  static void exec(DataSource db, String sql) {
    try (Connection c = db.getConnection();
        Statement s = c.createStatement()) {
      s.execute(sql);
    } catch (SQLException e) {
      throw new AssertionError(e);
    }
  }

  /** Reads stored times straight from the table, bypassing the store. */
  abstract static class PgContract<K> extends LastUsedStoreContract<K> {
    final DataSource db = pg.dataSource();
    private final String table;
    private final String idColumn;
    private final String timeColumn;

    PgContract(String table, String idColumn, String timeColumn) {
      this.table = table;
      this.idColumn = idColumn;
      this.timeColumn = timeColumn;
    }

    @Override
    protected Optional<Instant> storedTime(K id) {
      String sql =
          "SELECT " + timeColumn + " FROM " + table + " WHERE " + idColumn + "::text = ?";
      try (Connection c = db.getConnection();
          PreparedStatement ps = c.prepareStatement(sql)) {
        ps.setString(1, id.toString());
        try (ResultSet rs = ps.executeQuery()) {
          return rs.next()
              ? Optional.ofNullable(rs.getObject(1, OffsetDateTime.class))
                  .map(OffsetDateTime::toInstant)
              : Optional.empty();
        }
      } catch (SQLException e) {
        throw new AssertionError(e);
      }
    }

    @Override
    protected Map<K, Instant> storedTimes(Collection<K> ids) {
      Map<String, Instant> all = new HashMap<>();
      String sql =
          "SELECT " + idColumn + "::text, " + timeColumn + " FROM " + table + " WHERE "
              + timeColumn + " IS NOT NULL";
      try (Connection c = db.getConnection();
          Statement s = c.createStatement();
          ResultSet rs = s.executeQuery(sql)) {
        while (rs.next()) {
          all.put(rs.getString(1), rs.getObject(2, OffsetDateTime.class).toInstant());
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

  abstract static class OwnTable<K> extends PgContract<K> {
    private final PostgresLastUsedStore<K> store;

    OwnTable(Class<K> keyType) {
      super("tally_last_used", "id", "last_used_at");
      store = PostgresLastUsedStore.builder(db, keyType).build();
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
      super(UUID.class);
    }

    @Override
    protected UUID newKey() {
      return UUID.randomUUID();
    }
  }

  @Nested
  class LongKeys extends OwnTable<Long> {
    LongKeys() {
      super(Long.class);
    }

    @Override
    protected Long newKey() {
      return NEXT_LONG.getAndIncrement() * 7_919L;
    }
  }

  @Nested
  class StringKeys extends OwnTable<String> {
    StringKeys() {
      super(String.class);
    }

    @Override
    protected String newKey() {
      return "wörkspace/'" + NEXT_STRING.incrementAndGet() + "\"; --";
    }
  }

  @Nested
  class UserTableUuidKeys extends PgContract<UUID> {
    private final PostgresLastUsedStore<UUID> store;

    UserTableUuidKeys() {
      super("workspaces", "id", "last_used_at");
      exec(db, "CREATE TABLE IF NOT EXISTS workspaces (id uuid PRIMARY KEY, last_used_at timestamptz)");
      store =
          PostgresLastUsedStore.builder(db, UUID.class)
              .userTable("workspaces", "id", "last_used_at")
              .build();
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
      for (int i = 0; i < n; i++) {
        keys.add(UUID.randomUUID());
      }
      try (Connection c = db.getConnection();
          PreparedStatement ps =
              c.prepareStatement("INSERT INTO workspaces (id) SELECT unnest(?::uuid[])")) {
        Array ids = c.createArrayOf("uuid", keys.toArray());
        ps.setArray(1, ids);
        ps.executeUpdate();
      } catch (SQLException e) {
        throw new AssertionError(e);
      }
      return keys;
    }
  }

  @Nested
  class UserTableLongKeys extends PgContract<Long> {
    private final PostgresLastUsedStore<Long> store;

    private final String table = pg.schema() + ".accounts"; // schema-qualified on purpose

    UserTableLongKeys() {
      super(pg.schema() + ".accounts", "account_id", "seen_at");
      exec(
          db,
          "CREATE TABLE IF NOT EXISTS "
              + table
              + " (account_id bigint PRIMARY KEY, seen_at timestamptz)");
      store =
          PostgresLastUsedStore.builder(db, Long.class)
              .userTable(table, "account_id", "seen_at")
              .build();
    }

    @Override
    protected LastUsedStore<Long> createStore() {
      return store;
    }

    @Override
    protected Long newKey() {
      return newKeys(1).get(0);
    }

    @Override
    protected List<Long> newKeys(int n) {
      List<Long> keys = new ArrayList<>(n);
      for (int i = 0; i < n; i++) {
        keys.add(NEXT_LONG.getAndIncrement() * 7_919L);
      }
      try (Connection c = db.getConnection();
          PreparedStatement ps =
              c.prepareStatement(
                  "INSERT INTO " + table + " (account_id) SELECT unnest(?::bigint[])")) {
        ps.setArray(1, c.createArrayOf("int8", keys.toArray()));
        ps.executeUpdate();
      } catch (SQLException e) {
        throw new AssertionError(e);
      }
      return keys;
    }
  }
}
