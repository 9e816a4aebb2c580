package io.tally.store.postgres;

import io.tally.core.StoreException;
import io.tally.core.lastused.LastUsedStore;
import io.tally.jdbc.JdbcLastUsedStore;
import java.util.List;
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
 *       is created. The id column's type must match the key type ({@code uuid}, {@code bigint} or a
 *       smaller integer, {@code text}/{@code varchar}); the timestamp column should be {@code
 *       timestamptz} (a {@code NULL} there counts as "never used").
 * </ul>
 *
 * <p>Keys are {@link UUID}, {@link Long} or {@link String}. Times are written with microsecond
 * precision, truncated (never rounded up). Rows are sent sorted by id, so concurrent writers from
 * several replicas take row locks in the same order. A failure is thrown as a {@link
 * StoreException} naming the table. Thread-safe; holds no connection between calls.
 *
 * @param <K> the key type
 */
public final class PostgresLastUsedStore<K> extends JdbcLastUsedStore<K> {
  private final PostgresSchema schema;

  private PostgresLastUsedStore(
      DataSource dataSource, Class<K> keyType, PostgresSchema schema, UserTable userTable) {
    super(dataSource, PostgresDialect.INSTANCE, keyType, schema.table("last_used"), userTable);
    this.schema = schema;
  }

  /**
   * Creates a store writing Tally's own table of the default schema ({@link
   * PostgresSchema#defaults()}); the same as {@code builder(dataSource, keyType).build()}.
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
   * Creates a store writing Tally's own table of {@code schema}; the same as {@code
   * builder(dataSource, keyType).schema(schema).build()}.
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
  public static final class Builder<K>
      extends JdbcLastUsedStore.Builder<K, PostgresSchema, Builder<K>> {
    private Builder(DataSource dataSource, Class<K> keyType) {
      super(dataSource, keyType, PostgresSchema.defaults());
    }

    @Override
    public PostgresLastUsedStore<K> build() {
      return new PostgresLastUsedStore<>(dataSource(), keyType(), schema(), userTable());
    }
  }
}
