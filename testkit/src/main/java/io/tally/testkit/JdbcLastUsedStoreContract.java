package io.tally.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import io.tally.core.lastused.LastUsedStore;
import io.tally.core.lastused.LastUsedTracker;
import io.tally.jdbc.JdbcLastUsedStore;
import io.tally.jdbc.JdbcSchema;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * Runs {@link LastUsedStoreContract} on a JDBC store for every key type and in both modes: Tally's
 * own table with {@code UUID}, {@code Long} and {@code String} ids ({@link UuidKeys}, {@link
 * LongKeys}, {@link StringKeys}), and an existing user table with {@code UUID} ids ({@link
 * UserTable}). Stored times are read straight from the table, bypassing the store. A database costs
 * a few hooks:
 *
 * <pre>{@code
 * class MyDbLastUsedStoreContractTest extends JdbcLastUsedStoreContract {
 *   @RegisterExtension static final MyDatabase db = MyDatabase.create();
 *
 *   protected DataSource dataSource() { return db.dataSource(); }
 *
 *   protected <K> LastUsedStore<K> ownTableStore(
 *       DataSource dataSource, Class<K> keyType, String tablePrefix) {
 *     return migratedStore(
 *         dataSource, MyStore.builder(dataSource, keyType), MySchema.withTablePrefix(tablePrefix));
 *   }
 *
 *   protected <K> LastUsedStore<K> userTableStore(
 *       Class<K> keyType, String table, String idColumn, String timeColumn) {
 *     return MyStore.builder(db.dataSource(), keyType)
 *         .userTable(table, idColumn, timeColumn)
 *         .build();
 *   }
 *
 *   protected String userTableDdl(String table, String idColumn, String timeColumn) {
 *     return "CREATE TABLE IF NOT EXISTS " + table + " (" + idColumn + " UUID PRIMARY KEY, "
 *         + timeColumn + " TIMESTAMP WITH TIME ZONE)";
 *   }
 * }
 * }</pre>
 *
 * <p>Two tests of its own check what every JDBC store shares: a whole batch is one statement, and a
 * tracker flushes into the store on its timer. JUnit runs the contract once per {@code @Nested}
 * class of this class; a subclass may add more, extending {@link OwnTable} or {@link
 * UserTableContract} (for example a user table with {@code Long} ids in another schema). Each test
 * instance builds its store anew; tables are created on first use, so a fixture that gives each
 * nested class a fresh schema or database works as well as one shared database. Ids never repeat
 * within a JVM.
 */
public abstract class JdbcLastUsedStoreContract {
  /** The user table of {@link UserTable}: {@value}. */
  public static final String USER_TABLE = "workspaces";

  /** The id column of {@link UserTable} and of Tally's own table: {@value}. */
  public static final String ID_COLUMN = "id";

  /** The time column of {@link UserTable} and of Tally's own table: {@value}. */
  public static final String TIME_COLUMN = "last_used_at";

  private static final Instant T = Instant.parse("2026-01-01T00:00:00Z");

  // shared by every subclass in the JVM: ids must differ from every id handed out before
  private static final AtomicLong NEXT_LONG = new AtomicLong(-5); // negative, zero and positive
  private static final AtomicLong NEXT_STRING = new AtomicLong();

  /** Creates the contract. */
  protected JdbcLastUsedStoreContract() {}

  /**
   * Returns the database the stores write and the contract reads back.
   *
   * @return the data source
   */
  protected abstract DataSource dataSource();

  /**
   * Builds a store of Tally's own table over {@code dataSource} with the given table prefix, its
   * tables migrated. Called before each test of {@link OwnTable} (the prefix differs per key type)
   * and by the contract's own tests, which may pass a wrapper of {@link #dataSource()} that counts
   * statements.
   *
   * @param dataSource {@link #dataSource()} or a wrapper of it
   * @param keyType {@code UUID.class}, {@code Long.class} or {@code String.class}
   * @param tablePrefix the table prefix, e.g. {@code "uuid_"}
   * @param <K> the key type
   * @return the store, ready to write
   */
  protected abstract <K> LastUsedStore<K> ownTableStore(
      DataSource dataSource, Class<K> keyType, String tablePrefix);

  /**
   * Builds a store that updates the existing table {@code table}. Called before each test of {@link
   * UserTableContract}, after the table was created.
   *
   * @param keyType the key class
   * @param table the table, possibly schema-qualified
   * @param idColumn its id column
   * @param timeColumn its time column
   * @param <K> the key type
   * @return the store
   */
  protected abstract <K> LastUsedStore<K> userTableStore(
      Class<K> keyType, String table, String idColumn, String timeColumn);

  /**
   * Returns the statement that creates the user table of {@link UserTable} if it does not exist
   * yet: a {@code UUID} id (in the type the store binds UUIDs as) as primary key and a nullable
   * time column. It runs before each test, so it must be idempotent ({@code CREATE TABLE IF NOT
   * EXISTS}).
   *
   * @param table the table, {@value #USER_TABLE}
   * @param idColumn the id column, {@value #ID_COLUMN}
   * @param timeColumn the time column, {@value #TIME_COLUMN}
   * @return the DDL statement
   */
  protected abstract String userTableDdl(String table, String idColumn, String timeColumn);

  /**
   * Returns the name of Tally's own last-used table for a prefix. By default {@code prefix +
   * "last_used"}, as the built-in schemas name it.
   *
   * @param tablePrefix the table prefix given to {@link #ownTableStore(DataSource, Class, String)}
   * @return the table
   */
  protected String ownTable(String tablePrefix) {
    return tablePrefix + "last_used";
  }

  /**
   * Returns how the database's time columns map to {@link Instant}, to read stored times. By
   * default {@link SqlRunner.Timestamps#WITH_TIME_ZONE}; MariaDB's {@code DATETIME(6)} holds UTC
   * without a zone ({@link SqlRunner.Timestamps#UTC_LOCAL}).
   *
   * @return the mapping
   */
  protected SqlRunner.Timestamps timestamps() {
    return SqlRunner.Timestamps.WITH_TIME_ZONE;
  }

  /**
   * Returns an SQL expression that gives an id column as text, compared with {@code id.toString()}
   * to read a stored time back. By default the column itself (text columns, and drivers that
   * compare a UUID column with a string); H2 wants {@code CAST(c AS VARCHAR)}, PostgreSQL {@code
   * c::text}.
   *
   * @param idColumn the id column
   * @return the expression
   */
  protected String idAsText(String idColumn) {
    return idColumn;
  }

  /**
   * Binds an id of a user table's new row. By default {@code setObject}; a database whose driver
   * takes UUIDs as text overrides it.
   *
   * @param insert the {@code INSERT} statement
   * @param index the parameter index, from 1
   * @param id the id
   * @throws SQLException if the driver refuses the value
   */
  protected void bindUserTableId(PreparedStatement insert, int index, Object id)
      throws SQLException {
    insert.setObject(index, id);
  }

  /**
   * Builds a store of Tally's own tables with {@code schema} and applies the schema's migrations:
   * the body of {@link #ownTableStore(DataSource, Class, String)} for a store built on {@link
   * JdbcLastUsedStore}, typed so that no store needs a cast.
   *
   * @param dataSource where the store writes and the migrations run
   * @param builder the store's builder on {@code dataSource}
   * @param schema the store's schema, with the table prefix
   * @param <K> the key type
   * @param <S> the store's schema type
   * @param <B> the store's builder type
   * @return the store, its tables migrated
   */
  protected static <K, S extends JdbcSchema, B extends JdbcLastUsedStore.Builder<K, S, B>>
      LastUsedStore<K> migratedStore(DataSource dataSource, B builder, S schema) {
    LastUsedStore<K> store = builder.schema(schema).build();
    schema.migrate(dataSource);
    return store;
  }

  /**
   * Returns the SQL runner of {@link #dataSource()} with {@link #timestamps()}.
   *
   * @return a runner for fixture SQL
   */
  protected final SqlRunner sql() {
    return SqlRunner.on(dataSource(), timestamps());
  }

  /** A whole batch is written with one statement, and an empty batch touches no connection. */
  @Test
  protected void writesAWholeBatchWithOneStatement() {
    AtomicInteger statements = new AtomicInteger();
    LastUsedStore<UUID> store =
        ownTableStore(JdbcProxies.countingStatements(dataSource(), statements), UUID.class, "one_");
    statements.set(0);
    Map<UUID, Instant> batch = new HashMap<>();
    for (int i = 0; i < 20_000; i++) {
      batch.put(UUID.randomUUID(), T.plusMillis(i));
    }
    store.markUsed(batch);
    assertThat(statements).hasValue(1);
    store.markUsed(Map.of());
    assertThat(statements).as("an empty map touches no connection").hasValue(1);
  }

  /** A tracker over the store flushes on its timer, driven by a {@link ManualClock}. */
  @Test
  protected void trackerFlushesOnItsTimer() {
    ManualClock clock = ManualClock.create();
    LastUsedStore<UUID> store = ownTableStore(dataSource(), UUID.class, "timer_");
    UUID a = UUID.randomUUID();
    UUID b = UUID.randomUUID();
    LastUsedTracker<UUID> tracker =
        LastUsedTracker.builder(store).clock(clock).flushInterval(Duration.ofSeconds(10)).build();
    try {
      tracker.markUsed(a);
      clock.advance(Duration.ofSeconds(3));
      tracker.markUsed(b);
      tracker.markUsed(a, clock.now().minusSeconds(60)); // older: ignored
      clock.advance(Duration.ofSeconds(7));
      assertThat(sql().times("SELECT id, " + TIME_COLUMN + " FROM " + ownTable("timer_")))
          .isEqualTo(
              Map.of(
                  a.toString(), clock.now().minusSeconds(10),
                  b.toString(), clock.now().minusSeconds(7)));
    } finally {
      tracker.close();
    }
    assertThat(tracker.stats().flushedRows()).isEqualTo(2);
    ConservationCheck.assertConserved(tracker.stats());
  }

  /**
   * The contract on one table: writes through a store, reads stored times straight from the table.
   *
   * @param <K> the key type
   */
  protected abstract class TableContract<K> extends LastUsedStoreContract<K> {
    private final LastUsedStore<K> tableStore;
    private final String table;
    private final String idColumn;
    private final String timeColumn;

    /**
     * Creates the contract on a table.
     *
     * @param tableStore the store under test
     * @param table the table it writes
     * @param idColumn the table's id column
     * @param timeColumn the table's time column
     */
    protected TableContract(
        LastUsedStore<K> tableStore, String table, String idColumn, String timeColumn) {
      this.tableStore = Objects.requireNonNull(tableStore, "tableStore");
      this.table = Objects.requireNonNull(table, "table");
      this.idColumn = Objects.requireNonNull(idColumn, "idColumn");
      this.timeColumn = Objects.requireNonNull(timeColumn, "timeColumn");
    }

    /**
     * Returns the table this contract reads back.
     *
     * @return the table, possibly schema-qualified
     */
    protected final String table() {
      return table;
    }

    @Override
    protected LastUsedStore<K> createStore() {
      return tableStore;
    }

    @Override
    protected Optional<Instant> storedTime(K id) {
      String text = id.toString();
      return Optional.ofNullable(select(idAsText(idColumn) + " = ?", text).get(text));
    }

    @Override
    protected Map<K, Instant> storedTimes(Collection<K> ids) {
      // one query for the whole table: the contract reads back thousands of ids at once
      Map<String, @Nullable Instant> all = select(timeColumn + " IS NOT NULL");
      Map<K, Instant> out = new HashMap<>();
      for (K id : ids) {
        Instant t = all.get(id.toString());
        if (t != null) {
          out.put(id, t);
        }
      }
      return out;
    }

    /** Reads id text to time for the rows that match {@code where}. */
    private Map<String, @Nullable Instant> select(String where, Object... parameters) {
      return sql()
          .times(
              "SELECT "
                  + idAsText(idColumn)
                  + ", "
                  + timeColumn
                  + " FROM "
                  + table
                  + " WHERE "
                  + where,
              parameters);
    }
  }

  /**
   * The contract on Tally's own table, written by {@link #ownTableStore(DataSource, Class,
   * String)}.
   *
   * @param <K> the key type
   */
  protected abstract class OwnTable<K> extends TableContract<K> {
    private final Supplier<K> ids;

    /**
     * Builds the store and its table for a key type.
     *
     * @param keyType the key class
     * @param tablePrefix a table prefix of this key type's own
     * @param ids gives an id never given before on each call
     */
    protected OwnTable(Class<K> keyType, String tablePrefix, Supplier<K> ids) {
      super(
          ownTableStore(dataSource(), keyType, tablePrefix),
          ownTable(tablePrefix),
          ID_COLUMN,
          TIME_COLUMN);
      this.ids = Objects.requireNonNull(ids, "ids");
    }

    @Override
    protected K newKey() {
      return ids.get();
    }
  }

  /**
   * The contract on an existing table, written by {@link #userTableStore(Class, String, String,
   * String)}: each new id gets its row (time {@code NULL}) before the store writes it.
   *
   * @param <K> the key type
   */
  protected abstract class UserTableContract<K> extends TableContract<K> {
    private final String idColumn;
    private final Supplier<K> ids;

    /**
     * Creates the table with {@code ddl} if needed and builds the store.
     *
     * @param keyType the key class
     * @param ddl the idempotent statement that creates the table
     * @param table the table, possibly schema-qualified
     * @param idColumn its id column
     * @param timeColumn its time column
     * @param ids gives an id never given before on each call; {@link #newKeys(int)} inserts its row
     */
    protected UserTableContract(
        Class<K> keyType,
        String ddl,
        String table,
        String idColumn,
        String timeColumn,
        Supplier<K> ids) {
      super(
          createThenStore(ddl, keyType, table, idColumn, timeColumn), table, idColumn, timeColumn);
      this.idColumn = idColumn;
      this.ids = Objects.requireNonNull(ids, "ids");
    }

    @Override
    protected K newKey() {
      return newKeys(1).get(0);
    }

    @Override
    protected List<K> newKeys(int n) {
      List<K> keys = new ArrayList<>(n);
      String insert = "INSERT INTO " + table() + " (" + idColumn + ") VALUES (?)";
      try (Connection c = dataSource().getConnection();
          PreparedStatement ps = c.prepareStatement(insert)) {
        for (int i = 0; i < n; i++) {
          K id = ids.get();
          bindUserTableId(ps, 1, id);
          ps.addBatch();
          keys.add(id);
        }
        ps.executeBatch();
      } catch (SQLException e) {
        throw new IllegalStateException("inserting " + n + " rows into " + table() + " failed", e);
      }
      return keys;
    }
  }

  private <K> LastUsedStore<K> createThenStore(
      String ddl, Class<K> keyType, String table, String idColumn, String timeColumn) {
    sql().execute(ddl);
    return userTableStore(keyType, table, idColumn, timeColumn);
  }

  /**
   * Returns a {@code Long} id never returned before in this JVM: negative, zero and positive ones,
   * spread apart.
   *
   * @return a fresh id
   */
  protected static Long nextLongId() {
    return NEXT_LONG.getAndIncrement() * 7_919L;
  }

  /**
   * Returns a {@code String} id never returned before in this JVM, with quotes, a non-ASCII letter
   * and an SQL comment in it.
   *
   * @return a fresh id
   */
  protected static String nextStringId() {
    return "wörkspace/'" + NEXT_STRING.incrementAndGet() + "\"; --";
  }

  /** Tally's own table with {@code UUID} ids, prefix {@code uuid_}. */
  @Nested
  public class UuidKeys extends OwnTable<UUID> {
    /** Builds the store. */
    public UuidKeys() {
      super(UUID.class, "uuid_", UUID::randomUUID);
    }
  }

  /** Tally's own table with {@code Long} ids, prefix {@code long_}. */
  @Nested
  public class LongKeys extends OwnTable<Long> {
    /** Builds the store. */
    public LongKeys() {
      super(Long.class, "long_", JdbcLastUsedStoreContract::nextLongId);
    }
  }

  /** Tally's own table with {@code String} ids, prefix {@code string_}. */
  @Nested
  public class StringKeys extends OwnTable<String> {
    /** Builds the store. */
    public StringKeys() {
      super(String.class, "string_", JdbcLastUsedStoreContract::nextStringId);
    }
  }

  /**
   * The user table {@value #USER_TABLE} from {@link #userTableDdl(String, String, String)}, with
   * {@code UUID} ids.
   */
  @Nested
  public class UserTable extends UserTableContract<UUID> {
    /** Creates the table if needed and builds the store. */
    public UserTable() {
      super(
          UUID.class,
          userTableDdl(USER_TABLE, ID_COLUMN, TIME_COLUMN),
          USER_TABLE,
          ID_COLUMN,
          TIME_COLUMN,
          UUID::randomUUID);
    }
  }
}
