package io.tally.store.postgres;

import io.tally.core.StoreException;
import io.tally.core.lastused.LastUsedStore;
import io.tally.jdbc.Identifiers;
import io.tally.jdbc.JdbcLastUsedStore;
import io.tally.jdbc.KeyType;
import java.util.List;
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
public final class PostgresLastUsedStore<K> extends JdbcLastUsedStore<K> {
  private final PostgresSchema schema;

  private PostgresLastUsedStore(Builder<K> b) {
    super(
        b.dataSource, PostgresDialect.INSTANCE, b.keyType, b.schema.table("last_used"), b.userTable);
    this.schema = b.schema;
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
    return schema.migrate(dataSource());
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
    private UserTable userTable;

    private Builder(DataSource dataSource, Class<K> keyType) {
      this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
      this.keyType = Objects.requireNonNull(keyType, "keyType");
      KeyType.of(keyType);
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
      this.userTable = new UserTable(table, idColumn, timeColumn);
      return this;
    }

    /** @return the store */
    public PostgresLastUsedStore<K> build() {
      return new PostgresLastUsedStore<>(this);
    }
  }
}
