package io.tally.jdbc;

import io.tally.core.TallyConfig;
import java.util.List;
import java.util.Objects;
import javax.sql.DataSource;

/**
 * Names and migrates Tally's own tables of one SQL store: a table prefix and the store's {@link
 * SqlMigrations}. Each store's schema class ({@code PostgresSchema}, {@code H2Schema}, {@code
 * MariaDbSchema}) is a subclass that names its SQL folder and its migration lock.
 */
public abstract class JdbcSchema {
  /** The default table prefix: {@value}. */
  public static final String DEFAULT_TABLE_PREFIX = "tally_";

  /**
   * The longest table prefix: {@value} characters, one limit for every store and for {@code
   * tally.table-prefix}; with the longest derived name it fits PostgreSQL's 63 bytes.
   */
  public static final int MAX_TABLE_PREFIX_LENGTH = TallyConfig.MAX_TABLE_PREFIX_LENGTH;

  /** The longest name derived from the prefix (an index), which the prefix must leave room for. */
  public static final String LONGEST_DERIVED_NAME = "connection_log_connect_time_idx";

  private final String prefix;
  private final SqlMigrations migrations;

  /**
   * Creates the schema.
   *
   * @param prefix the table prefix, already validated with {@link #checkPrefix(String)}
   * @param migrations its migrations, with the prefix as their placeholder
   * @throws NullPointerException if an argument is null
   */
  protected JdbcSchema(String prefix, SqlMigrations migrations) {
    this.prefix = Objects.requireNonNull(prefix, "prefix");
    this.migrations = Objects.requireNonNull(migrations, "migrations");
  }

  /**
   * Starts the migrations every SQL store has: {@code V1__last_used}, {@code V2__connection_log},
   * {@code V3__usage_stats} and {@code V4__usage_stats_claims} from {@code folder}, with {@code
   * ${prefix}} replaced and the history in {@code <prefix>schema_history}.
   *
   * @param folder the class-path folder of the SQL files, e.g. {@code db/tally/h2}
   * @param prefix the table prefix
   * @param loader the class loader that sees the files
   * @return a builder, for a store to add its lock statement and later migrations
   */
  protected static SqlMigrations.Builder standardMigrations(
      String folder, String prefix, ClassLoader loader) {
    return SqlMigrations.builder(folder)
        .migration(1, "last_used")
        .migration(2, "connection_log")
        .migration(3, "usage_stats")
        .migration(4, "usage_stats_claims")
        .prefixPlaceholder("prefix", prefix)
        .historyTable(prefix + "schema_history")
        .classLoader(loader);
  }

  /**
   * Checks a table prefix: empty, or letters, digits and underscores, at most {@value
   * #MAX_TABLE_PREFIX_LENGTH} characters.
   *
   * @param prefix the prefix
   * @return {@code prefix}
   * @throws NullPointerException if {@code prefix} is null
   * @throws IllegalArgumentException if it is not a valid identifier start or too long
   */
  protected static String checkPrefix(String prefix) {
    Objects.requireNonNull(prefix, "prefix");
    Identifiers.requireTablePrefix(prefix, LONGEST_DERIVED_NAME);
    return prefix;
  }

  /**
   * @return the table prefix
   */
  public String tablePrefix() {
    return prefix;
  }

  /**
   * Returns a table's full name.
   *
   * @param name a table's base name, e.g. {@code last_used}
   * @return the full table name, e.g. {@code tally_last_used}
   */
  public String table(String name) {
    return prefix + name;
  }

  /**
   * Applies the missing migrations. Safe to run again and from several replicas at once.
   *
   * @param dataSource the database
   * @return the versions applied now (empty if up to date)
   * @throws io.tally.core.StoreException if a migration fails
   */
  public List<Integer> migrate(DataSource dataSource) {
    return migrations.migrate(dataSource);
  }

  @Override
  public String toString() {
    return getClass().getSimpleName() + "{prefix='" + prefix + "'}";
  }
}
