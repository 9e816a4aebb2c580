package io.tally.store.mariadb;

import io.tally.core.StoreException;
import io.tally.core.lastused.LastUsedStore;
import io.tally.jdbc.JdbcLastUsedStore;
import io.tally.jdbc.KeyType;
import java.util.List;
import java.util.Objects;
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

  private MariaDbLastUsedStore(Builder<K> b) {
    super(
        b.dataSource, MariaDbDialect.INSTANCE, b.keyType, b.schema.table("last_used"), b.userTable);
    this.schema = b.schema;
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
  public static final class Builder<K> {
    private final DataSource dataSource;
    private final Class<K> keyType;
    private MariaDbSchema schema = MariaDbSchema.defaults();
    private UserTable userTable;

    private Builder(DataSource dataSource, Class<K> keyType) {
      this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
      this.keyType = Objects.requireNonNull(keyType, "keyType");
      KeyType.of(keyType);
    }

    /**
     * Sets the schema whose {@code last_used} table is written.
     *
     * @param schema default {@link MariaDbSchema#defaults()}
     * @return this
     * @throws NullPointerException if null
     */
    public Builder<K> schema(MariaDbSchema schema) {
      this.schema = Objects.requireNonNull(schema, "schema");
      return this;
    }

    /**
     * Updates an existing table instead of Tally's own: see {@link UserTable}.
     *
     * @param table the table
     * @param idColumn its id column
     * @param timeColumn its {@code DATETIME(6)} column (UTC)
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
    public MariaDbLastUsedStore<K> build() {
      return new MariaDbLastUsedStore<>(this);
    }
  }
}
