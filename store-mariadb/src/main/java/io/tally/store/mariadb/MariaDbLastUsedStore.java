package io.tally.store.mariadb;

import io.tally.core.StoreException;
import io.tally.core.lastused.LastUsedStore;
import io.tally.jdbc.JdbcLastUsedStore;
import java.util.List;
import javax.sql.DataSource;

/**
 * A {@link LastUsedStore} on MariaDB/MySQL: {@link JdbcLastUsedStore}'s algorithm over {@code
 * MariaDbDialect}, a JDBC batch of {@code INSERT … ON DUPLICATE KEY UPDATE last_used_at =
 * GREATEST(…)} into Tally's own table, or of {@code UPDATE}s of an existing table ({@link
 * Builder#userTable}). Thread-safe.
 *
 * @param <K> the key type
 */
public final class MariaDbLastUsedStore<K> extends JdbcLastUsedStore<K> {
  private final MariaDbSchema schema;

  private MariaDbLastUsedStore(
      DataSource dataSource, Class<K> keyType, MariaDbSchema schema, UserTable userTable) {
    super(dataSource, MariaDbDialect.INSTANCE, keyType, schema.table("last_used"), userTable);
    this.schema = schema;
  }

  /**
   * Creates a store writing Tally's own table of the default schema.
   *
   * @param dataSource the database
   * @param keyType the key class: {@code UUID.class}, {@code Long.class} or {@code String.class}
   * @param <K> the key type
   * @return the store; call {@link #migrate()} once to create its table
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if the key type is not supported
   */
  public static <K> MariaDbLastUsedStore<K> create(DataSource dataSource, Class<K> keyType) {
    return builder(dataSource, keyType).build();
  }

  /**
   * Starts building a store.
   *
   * @param dataSource where to connect
   * @param keyType the key class: {@code UUID.class}, {@code Long.class} or {@code String.class}
   * @param <K> the key type
   * @return a builder writing to Tally's own table of {@link MariaDbSchema#defaults()}
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if the key type is not supported
   */
  public static <K> Builder<K> builder(DataSource dataSource, Class<K> keyType) {
    return new Builder<>(dataSource, keyType);
  }

  /**
   * Applies the missing migrations of this store's schema.
   *
   * @return the versions applied now
   * @throws StoreException if a migration fails
   */
  public List<Integer> migrate() {
    return schema.migrate(dataSource());
  }

  /**
   * Builds a {@link MariaDbLastUsedStore}. Not thread-safe.
   *
   * @param <K> the key type
   */
  public static final class Builder<K>
      extends JdbcLastUsedStore.Builder<K, MariaDbSchema, Builder<K>> {
    private Builder(DataSource dataSource, Class<K> keyType) {
      super(dataSource, keyType, MariaDbSchema.defaults());
    }

    @Override
    public MariaDbLastUsedStore<K> build() {
      return new MariaDbLastUsedStore<>(dataSource(), keyType(), schema(), userTable());
    }
  }
}
