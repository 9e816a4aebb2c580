package io.tally.store.h2;

import io.tally.core.InputRules;
import io.tally.core.StoreException;
import io.tally.core.lastused.LastUsedStore;
import io.tally.jdbc.Identifiers;
import io.tally.jdbc.SqlStates;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import javax.sql.DataSource;

/**
 * A {@link LastUsedStore} on H2 that writes a whole batch with one {@code MERGE} statement, the
 * ids and times passed as two array parameters expanded by {@code UNNEST}. A stored time never
 * moves backwards, so replicas may flush in any order and a repeated batch is harmless.
 *
 * <p>Two modes, as in the PostgreSQL store:
 *
 * <ul>
 *   <li><b>Tally's own table</b> (the default): merges into {@code <prefix>last_used} of the
 *       {@link H2Schema} (created by {@link #migrate()}), which holds every id in its text form.
 *   <li><b>An existing table</b> ({@link Builder#userTable(String, String, String)}): raises the
 *       timestamp column of the rows whose id column matches; ids with no row are ignored. The id
 *       column's type must match the key type ({@code UUID}, {@code BIGINT}, {@code VARCHAR}); the
 *       timestamp column should be {@code TIMESTAMP WITH TIME ZONE} (a {@code NULL} there counts as
 *       "never used").
 * </ul>
 *
 * <p>Keys are {@link UUID}, {@link Long} or {@link String}. Times are written with microsecond
 * precision, truncated (never rounded up). The statement is atomic. Writers of one table in one
 * JVM take turns, and a conflict with a writer elsewhere (duplicate key, deadlock, lock timeout) is
 * retried a few times (see {@code H2Writes}). A failure is thrown as a {@link StoreException}
 * naming the table. Thread-safe; holds no connection between calls.
 *
 * @param <K> the key type
 */
public final class H2LastUsedStore<K> implements LastUsedStore<K> {
  private final DataSource dataSource;
  private final H2Schema schema;
  private final KeyKind kind;
  private final String table;
  private final String sql;
  private final boolean ownTable;

  private H2LastUsedStore(Builder<K> b) {
    this.dataSource = b.dataSource;
    this.schema = b.schema;
    this.kind = KeyKind.of(b.keyType);
    this.ownTable = b.userTable == null;
    String rows =
        "(SELECT C1 AS id, C2 AS at FROM UNNEST(CAST(? AS "
            + (ownTable ? "VARCHAR" : kind.sqlType)
            + " ARRAY), CAST(? AS TIMESTAMP(6) WITH TIME ZONE ARRAY))) AS v";
    if (ownTable) {
      this.table = schema.table("last_used");
      this.sql =
          "MERGE INTO "
              + table
              + " AS t USING "
              + rows
              + " ON t.id = v.id"
              + " WHEN MATCHED AND t.last_used_at < v.at THEN UPDATE SET last_used_at = v.at"
              + " WHEN NOT MATCHED THEN INSERT (id, last_used_at) VALUES (v.id, v.at)";
    } else {
      this.table = b.userTable;
      this.sql =
          "MERGE INTO "
              + table
              + " AS t USING "
              + rows
              + " ON t."
              + b.idColumn
              + " = v.id WHEN MATCHED AND (t."
              + b.timeColumn
              + " IS NULL OR t."
              + b.timeColumn
              + " < v.at) THEN UPDATE SET "
              + b.timeColumn
              + " = v.at";
    }
  }

  /**
   * Creates a store writing Tally's own table of the default schema
   * ({@link H2Schema#defaults()}); the same as {@code builder(dataSource, keyType).build()}.
   *
   * @param dataSource the database
   * @param keyType the key class: {@code UUID.class}, {@code Long.class} or {@code String.class}
   * @param <K> the key type
   * @return the store; call {@link #migrate()} once to create its table
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if the key type is not supported
   */
  public static <K> H2LastUsedStore<K> create(DataSource dataSource, Class<K> keyType) {
    return builder(dataSource, keyType).build();
  }

  /**
   * Creates a store writing Tally's own table of {@code schema}; the same as
   * {@code builder(dataSource, keyType).schema(schema).build()}.
   *
   * @param dataSource the database
   * @param keyType the key class: {@code UUID.class}, {@code Long.class} or {@code String.class}
   * @param schema names the table
   * @param <K> the key type
   * @return the store; call {@link #migrate()} once to create its table
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if the key type is not supported
   */
  public static <K> H2LastUsedStore<K> create(
      DataSource dataSource, Class<K> keyType, H2Schema schema) {
    return builder(dataSource, keyType).schema(schema).build();
  }

  /**
   * Starts building a store.
   *
   * @param dataSource where to connect
   * @param keyType the key class: {@code UUID.class}, {@code Long.class} or {@code String.class}
   * @param <K> the key type
   * @return a builder writing to Tally's own table of {@link H2Schema#defaults()}
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if the key type is not supported
   */
  public static <K> Builder<K> builder(DataSource dataSource, Class<K> keyType) {
    return new Builder<>(dataSource, keyType);
  }

  /**
   * Applies the missing migrations of this store's {@link H2Schema} (Tally's own tables). Safe to
   * run again.
   *
   * @return the versions applied now
   * @throws StoreException if a migration fails
   */
  public List<Integer> migrate() {
    return schema.migrate(dataSource);
  }

  /** @return the table this store writes: Tally's own, or the configured user table */
  public String table() {
    return table;
  }

  /**
   * Writes the batch with one statement; a stored time only moves forward.
   *
   * @param lastUsed ids and times; an empty map does nothing
   * @throws NullPointerException if the map, an id or a time is null
   * @throws StoreException if the statement fails
   */
  @Override
  public void markUsed(Map<K, Instant> lastUsed) {
    Objects.requireNonNull(lastUsed, "lastUsed");
    if (lastUsed.isEmpty()) {
      return;
    }
    InputRules.checkLastUsedBatch(lastUsed);
    List<Map.Entry<K, Instant>> rows = new ArrayList<>(lastUsed.entrySet());
    rows.sort(kind.order());
    int n = rows.size();
    Object[] ids = new Object[n];
    Object[] times = new Object[n];
    for (int i = 0; i < n; i++) {
      Map.Entry<K, Instant> row = rows.get(i);
      K id = Objects.requireNonNull(row.getKey(), "id");
      ids[i] = ownTable ? id.toString() : id;
      times[i] =
          OffsetDateTime.ofInstant(
              Objects.requireNonNull(row.getValue(), "time").truncatedTo(ChronoUnit.MICROS),
              ZoneOffset.UTC);
    }
    try {
      H2Writes.run(dataSource, table, c -> execute(c, ids, times));
    } catch (SQLException failure) {
      throw SqlStates.storeException("marking " + n + " ids used in table " + table, failure);
    }
  }
  private void execute(Connection c, Object[] ids, Object[] times) throws SQLException {
    boolean autoCommit = c.getAutoCommit();
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      ps.setObject(1, ids);
      ps.setObject(2, times);
      ps.executeUpdate();
      if (!autoCommit) {
        c.commit();
      }
    } catch (SQLException | RuntimeException e) {
      if (!autoCommit) {
        rollbackQuietly(c, e);
      }
      throw e;
    }
  }

  private static void rollbackQuietly(Connection c, Exception failure) {
    try {
      c.rollback();
    } catch (SQLException e) {
      failure.addSuppressed(e);
    }
  }

  @Override
  public String toString() {
    return "H2LastUsedStore{table=" + table + ", keyType=" + kind + '}';
  }

  /** The supported key types and their H2 element types. */
  private enum KeyKind {
    UUID_KEY(UUID.class, "UUID"),
    LONG_KEY(Long.class, "BIGINT"),
    STRING_KEY(String.class, "VARCHAR");

    final Class<?> type;
    final String sqlType;

    KeyKind(Class<?> type, String sqlType) {
      this.type = type;
      this.sqlType = sqlType;
    }

    static KeyKind of(Class<?> keyType) {
      for (KeyKind k : values()) {
        if (k.type == keyType) {
          return k;
        }
      }
      throw new IllegalArgumentException(
          "keyType was "
              + keyType.getName()
              + " but must be java.util.UUID, java.lang.Long or java.lang.String");
    }

    /** Orders rows by key, so concurrent writers lock rows in the same order. */
    @SuppressWarnings("unchecked")
    <K> Comparator<Map.Entry<K, Instant>> order() {
      // Safe: KeyKind.of accepted only UUID, Long and String, each Comparable to itself.
      return (a, b) -> ((Comparable<Object>) a.getKey()).compareTo(b.getKey());
    }

    @Override
    public String toString() {
      return type.getSimpleName();
    }
  }

  /**
   * Builds an {@link H2LastUsedStore}. Not thread-safe.
   *
   * @param <K> the key type
   */
  public static final class Builder<K> {
    private final DataSource dataSource;
    private final Class<K> keyType;
    private H2Schema schema = H2Schema.defaults();
    private String userTable;
    private String idColumn;
    private String timeColumn;

    private Builder(DataSource dataSource, Class<K> keyType) {
      this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
      this.keyType = Objects.requireNonNull(keyType, "keyType");
      KeyKind.of(keyType);
    }

    /**
     * Sets the schema whose {@code last_used} table is written and which {@link #migrate()}
     * applies.
     *
     * @param schema default {@link H2Schema#defaults()}
     * @return this
     * @throws NullPointerException if null
     */
    public Builder<K> schema(H2Schema schema) {
      this.schema = Objects.requireNonNull(schema, "schema");
      return this;
    }

    /**
     * Updates an existing table instead of Tally's own. Each name must match
     * {@link Identifiers#IDENTIFIER} (the table may be schema-qualified); they are spliced into
     * SQL unquoted.
     *
     * @param table the table, e.g. {@code workspaces} or {@code app.workspaces}
     * @param idColumn its id column, e.g. {@code id}
     * @param timeColumn its timestamp column, e.g. {@code last_used_at}
     * @return this
     * @throws NullPointerException if an argument is null
     * @throws IllegalArgumentException naming the argument and value, if one is not a valid
     *     identifier
     */
    public Builder<K> userTable(String table, String idColumn, String timeColumn) {
      this.userTable = Identifiers.requireQualified(table, "table");
      this.idColumn = Identifiers.requireIdentifier(idColumn, "idColumn");
      this.timeColumn = Identifiers.requireIdentifier(timeColumn, "timeColumn");
      return this;
    }

    /** @return the store */
    public H2LastUsedStore<K> build() {
      return new H2LastUsedStore<>(this);
    }
  }
}
