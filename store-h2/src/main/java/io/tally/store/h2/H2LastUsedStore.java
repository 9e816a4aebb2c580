package io.tally.store.h2;

import io.tally.core.StoreException;
import io.tally.core.lastused.LastUsedStore;
import io.tally.jdbc.JdbcLastUsedStore;
import java.util.List;
import java.util.UUID;
import javax.sql.DataSource;

/**
 * A {@link LastUsedStore} on H2 that writes a whole batch with one {@code MERGE} statement, the ids
 * and times passed as two array parameters expanded by {@code UNNEST}. A stored time never moves
 * backwards, so replicas may flush in any order and a repeated batch is harmless.
 *
 * <p>Two modes, as in the PostgreSQL store:
 *
 * <ul>
 *   <li><b>Tally's own table</b> (the default): merges into {@code <prefix>last_used} of the {@link
 *       H2Schema} (created by {@link #migrate()}), which holds every id in its text form.
 *   <li><b>An existing table</b> ({@link Builder#userTable(String, String, String)}): raises the
 *       timestamp column of the rows whose id column matches; ids with no row are ignored. The id
 *       column's type must match the key type ({@code UUID}, {@code BIGINT}, {@code VARCHAR}); the
 *       timestamp column should be {@code TIMESTAMP WITH TIME ZONE} (a {@code NULL} there counts as
 *       "never used").
 * </ul>
 *
 * <p>Keys are {@link UUID}, {@link Long} or {@link String}. Times are written with microsecond
 * precision, truncated (never rounded up). The statement is atomic. Writers of one table in one JVM
 * take turns, and a conflict with a writer elsewhere (duplicate key, deadlock, lock timeout) is
 * retried a few times (see {@code H2Writes}). A failure is thrown as a {@link StoreException}
 * naming the table. Thread-safe; holds no connection between calls.
 *
 * @param <K> the key type
 */
public final class H2LastUsedStore<K> extends JdbcLastUsedStore<K> {
  private final H2Schema schema;

  private H2LastUsedStore(
      DataSource dataSource, Class<K> keyType, H2Schema schema, UserTable userTable) {
    super(dataSource, H2Dialect.INSTANCE, keyType, schema.table("last_used"), userTable);
    this.schema = schema;
  }

  /**
   * Creates a store writing Tally's own table of the default schema ({@link H2Schema#defaults()});
   * the same as {@code builder(dataSource, keyType).build()}.
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
    return schema.migrate(dataSource());
  }

  /**
   * Builds an {@link H2LastUsedStore}. Not thread-safe.
   *
   * @param <K> the key type
   */
  public static final class Builder<K> extends JdbcLastUsedStore.Builder<K, H2Schema, Builder<K>> {
    private Builder(DataSource dataSource, Class<K> keyType) {
      super(dataSource, keyType, H2Schema.defaults());
    }

    @Override
    public H2LastUsedStore<K> build() {
      return new H2LastUsedStore<>(dataSource(), keyType(), schema(), userTable());
    }
  }
}
