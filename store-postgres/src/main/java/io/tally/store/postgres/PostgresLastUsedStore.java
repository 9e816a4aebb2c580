package io.tally.store.postgres;

import io.tally.core.InputRules;
import io.tally.core.StoreException;
import io.tally.core.lastused.LastUsedStore;
import io.tally.jdbc.Identifiers;
import io.tally.jdbc.SqlStates;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import javax.sql.DataSource;

/**
 * A {@link LastUsedStore} on PostgreSQL that writes a whole batch with one statement, passing the
 * ids and times as two array parameters expanded by {@code unnest}. A stored time never moves
 * backwards ({@code GREATEST}), so replicas may flush in any order and a repeated batch is
 * harmless.
 *
 * <p>Two modes:
 *
 * <ul>
 *   <li><b>Tally's own table</b> (the default): upserts into {@code <prefix>last_used} of the
 *       {@link PostgresSchema} (created by {@link #migrate()}), which holds every id in its text
 *       form with a {@code timestamptz}.
 *   <li><b>An existing table</b> ({@link Builder#userTable(String, String, String)}): updates the
 *       timestamp column of the rows whose id column matches; ids with no row are ignored, no row
 *       is created. The id column's type must match the key type ({@code uuid}, {@code bigint} or
 *       a smaller integer, {@code text}/{@code varchar}); the timestamp column should be
 *       {@code timestamptz} (a {@code NULL} there counts as "never used").
 * </ul>
 *
 * <p>Keys are {@link UUID}, {@link Long} or {@link String}. Times are written with microsecond
 * precision, truncated (never rounded up). Rows are sent sorted by id, so concurrent writers from
 * several replicas take row locks in the same order. A failure is thrown as a
 * {@link StoreException} naming the table. Thread-safe; holds no connection between calls.
 *
 * @param <K> the key type
 */
public final class PostgresLastUsedStore<K> implements LastUsedStore<K> {
  private final DataSource dataSource;
  private final PostgresSchema schema;
  private final KeyKind kind;
  private final String table;
  private final String sql;
  private final boolean ownTable;

  private PostgresLastUsedStore(Builder<K> b) {
    this.dataSource = b.dataSource;
    this.schema = b.schema;
    this.kind = KeyKind.of(b.keyType);
    if (b.userTable == null) {
      this.ownTable = true;
      this.table = schema.table("last_used");
      this.sql =
          "INSERT INTO "
              + table
              + " AS t (id, last_used_at)"
              + " SELECT v.id, v.at FROM unnest(?::text[], ?::timestamptz[]) AS v(id, at)"
              + " ON CONFLICT (id) DO UPDATE"
              + " SET last_used_at = GREATEST(t.last_used_at, EXCLUDED.last_used_at)"
              + " WHERE t.last_used_at < EXCLUDED.last_used_at";
    } else {
      this.ownTable = false;
      this.table = b.userTable;
      this.sql =
          "UPDATE "
              + table
              + " AS t SET "
              + b.timeColumn
              + " = GREATEST(t."
              + b.timeColumn
              + ", v.at) FROM unnest(?::"
              + kind.sqlArrayType
              + "[], ?::timestamptz[]) AS v(id, at)"
              + " WHERE t."
              + b.idColumn
              + " = v.id AND (t."
              + b.timeColumn
              + " IS NULL OR t."
              + b.timeColumn
              + " < v.at)";
    }
  }

  /**
   * Creates a store writing Tally's own table of the default schema
   * ({@link PostgresSchema#defaults()}); the same as {@code builder(dataSource, keyType).build()}.
   *
   * @param dataSource the database
   * @param keyType the key class: {@code UUID.class}, {@code Long.class} or {@code String.class}
   * @param <K> the key type
   * @return the store; call {@link #migrate()} once to create its table
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if the key type is not supported
   */
  public static <K> PostgresLastUsedStore<K> create(DataSource dataSource, Class<K> keyType) {
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
  public static <K> PostgresLastUsedStore<K> create(
      DataSource dataSource, Class<K> keyType, PostgresSchema schema) {
    return builder(dataSource, keyType).schema(schema).build();
  }

  /**
   * Starts building a store.
   *
   * @param dataSource where to connect
   * @param keyType the key class: {@code UUID.class}, {@code Long.class} or {@code String.class}
   * @param <K> the key type
   * @return a builder writing to Tally's own table of {@link PostgresSchema#defaults()}
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if the key type is not supported
   */
  public static <K> Builder<K> builder(DataSource dataSource, Class<K> keyType) {
    return new Builder<>(dataSource, keyType);
  }

  /**
   * Applies the missing migrations of this store's {@link PostgresSchema} (Tally's own tables).
   * Safe to run again and from several replicas at once.
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
    String[] times = new String[n];
    for (int i = 0; i < n; i++) {
      Map.Entry<K, Instant> row = rows.get(i);
      K id = Objects.requireNonNull(row.getKey(), "id");
      ids[i] = ownTable ? id.toString() : id;
      times[i] = Objects.requireNonNull(row.getValue(), "time").truncatedTo(ChronoUnit.MICROS).toString();
    }
    try (Connection c = dataSource.getConnection()) {
      boolean autoCommit = c.getAutoCommit();
      try (PreparedStatement ps = c.prepareStatement(sql)) {
        Array idArray = c.createArrayOf(ownTable ? "text" : kind.sqlArrayType, ids);
        Array timeArray = c.createArrayOf("text", times);
        ps.setArray(1, idArray);
        ps.setArray(2, timeArray);
        ps.executeUpdate();
        idArray.free();
        timeArray.free();
        if (!autoCommit) {
          c.commit();
        }
      } catch (SQLException | RuntimeException e) {
        if (!autoCommit) {
          rollbackQuietly(c, e);
        }
        throw e;
      }
    } catch (SQLException e) {
      throw SqlStates.storeException("marking " + n + " ids used in table " + table, e);
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
    return "PostgresLastUsedStore{table=" + table + ", keyType=" + kind + '}';
  }

  /** The supported key types and their PostgreSQL array element types. */
  private enum KeyKind {
    UUID_KEY(UUID.class, "uuid"),
    LONG_KEY(Long.class, "int8"),
    STRING_KEY(String.class, "text");

    final Class<?> type;
    final String sqlArrayType;

    KeyKind(Class<?> type, String sqlArrayType) {
      this.type = type;
      this.sqlArrayType = sqlArrayType;
    }

    static KeyKind of(Class<?> keyType) {
      for (KeyKind k : values()) {
        if (k.type == keyType) {
          return k;
        }
      }
      throw new IllegalArgumentException(
          "keyType was " + keyType.getName() + " but must be java.util.UUID, java.lang.Long or java.lang.String");
    }

    /** Orders rows by key (all supported key types are comparable). */
    @SuppressWarnings("unchecked")
    <K> java.util.Comparator<Map.Entry<K, Instant>> order() {
      // Safe: KeyKind.of accepted only UUID, Long and String, each Comparable to itself.
      return (a, b) -> ((Comparable<Object>) a.getKey()).compareTo(b.getKey());
    }

    @Override
    public String toString() {
      return type.getSimpleName();
    }
  }

  /**
   * Builds a {@link PostgresLastUsedStore}. Not thread-safe.
   *
   * @param <K> the key type
   */
  public static final class Builder<K> {
    private final DataSource dataSource;
    private final Class<K> keyType;
    private PostgresSchema schema = PostgresSchema.defaults();
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
     * @param schema default {@link PostgresSchema#defaults()}
     * @return this
     * @throws NullPointerException if null
     */
    public Builder<K> schema(PostgresSchema schema) {
      this.schema = Objects.requireNonNull(schema, "schema");
      return this;
    }

    /**
     * Updates an existing table instead of Tally's own: {@code UPDATE table SET timeColumn =
     * GREATEST(timeColumn, at) WHERE idColumn = id}. Each name must match
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
    public PostgresLastUsedStore<K> build() {
      return new PostgresLastUsedStore<>(this);
    }
  }
}
