package io.tally.store.h2;

import io.tally.jdbc.Identifiers;
import io.tally.jdbc.SqlMigrations;
import java.util.List;
import java.util.Objects;
import javax.sql.DataSource;

/**
 * Names and creates Tally's H2 tables. Every table is {@code <prefix><name>} (default
 * prefix {@value #DEFAULT_TABLE_PREFIX}, so {@code tally_last_used}); the prefix is validated as
 * an SQL identifier. {@link #migrate(DataSource)} applies the versioned files under
 * {@code db/tally/h2/} that the database lacks (one at a time
 * per JVM; H2's table locks keep a second JVM from applying a file twice), and is safe to run
 * again. Immutable.
 */
public final class H2Schema {
  /** The default table prefix: {@value}. */
  public static final String DEFAULT_TABLE_PREFIX = "tally_";

  /**
   * The longest name the migrations ({@code db/tally/h2/V1..V4}) derive from the prefix,
   * indexes and constraints included: {@value}. A test checks it against the SQL files.
   */
  static final String LONGEST_DERIVED_NAME = "connection_log_connect_time_idx";

  /** The longest identifier PostgreSQL keeps whole: {@value} characters. */
  static final int MAX_IDENTIFIER_LENGTH = Identifiers.MAX_LENGTH;

  /**
   * The longest table prefix: {@value} characters, so that {@code <prefix>}{@value
   * #LONGEST_DERIVED_NAME} fits in {@value #MAX_IDENTIFIER_LENGTH} characters (H2 itself allows longer names; the limit is PostgreSQL's, so that one prefix works on both).
   */
  public static final int MAX_TABLE_PREFIX_LENGTH = 32;

  private static final H2Schema DEFAULT = new H2Schema(DEFAULT_TABLE_PREFIX);

  private final String prefix;
  private final SqlMigrations migrations;

  private H2Schema(String prefix) {
    this.prefix = prefix;
    this.migrations =
        SqlMigrations.builder("db/tally/h2")
            .migration(1, "last_used")
            .migration(2, "connection_log")
            .migration(3, "usage_stats")
            .migration(4, "usage_stats_claims")
            .prefixPlaceholder("prefix", prefix)
            .historyTable(prefix + "schema_history")
            .classLoader(H2Schema.class.getClassLoader())
            .build();
  }

  /** @return the schema with the default prefix {@value #DEFAULT_TABLE_PREFIX} */
  public static H2Schema defaults() {
    return DEFAULT;
  }

  /**
   * @param prefix the table prefix: empty, or letters, digits and underscores, at most
   *     {@value #MAX_TABLE_PREFIX_LENGTH} characters
   * @return the schema whose tables start with {@code prefix}
   * @throws IllegalArgumentException if the prefix is not a valid identifier, or so long that a
   *     derived name would exceed {@value #MAX_IDENTIFIER_LENGTH} characters
   */
  public static H2Schema withTablePrefix(String prefix) {
    Objects.requireNonNull(prefix, "prefix");
    Identifiers.requireTablePrefix(prefix, LONGEST_DERIVED_NAME);
    return prefix.equals(DEFAULT_TABLE_PREFIX) ? DEFAULT : new H2Schema(prefix);
  }

  /** @return the table prefix */
  public String tablePrefix() {
    return prefix;
  }

  /**
   * @param name a table's base name, e.g. {@code last_used}
   * @return the full table name, e.g. {@code tally_last_used}
   */
  public String table(String name) {
    return prefix + name;
  }

  /**
   * Applies the missing migrations.
   *
   * @param dataSource the database
   * @return the versions applied now (empty if up to date)
   */
  public List<Integer> migrate(DataSource dataSource) {
    synchronized (H2Schema.class) {
      return migrations.migrate(dataSource);
    }
  }

  @Override
  public String toString() {
    return "H2Schema{prefix='" + prefix + "'}";
  }
}
