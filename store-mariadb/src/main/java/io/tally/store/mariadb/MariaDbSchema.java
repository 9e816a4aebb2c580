package io.tally.store.mariadb;

import io.tally.jdbc.JdbcSchema;
import javax.sql.DataSource;

/**
 * Names and creates Tally's MariaDB/MySQL tables. Every table is {@code <prefix><name>} (default
 * prefix {@value #DEFAULT_TABLE_PREFIX}); the prefix is validated as an SQL identifier, at most
 * {@value #MAX_TABLE_PREFIX_LENGTH} characters. {@link #migrate(DataSource)} applies the versioned
 * files under {@code db/tally/mariadb/} that the database lacks, one replica at a time ({@code
 * GET_LOCK} on the prefix, released after each file: MariaDB's DDL commits implicitly, which would
 * end a row lock early), and is safe to run again. Each file is safe to re-run after a partial
 * failure ({@code IF NOT EXISTS} throughout), since a failed file's DDL is not rolled back.
 * Immutable.
 */
public final class MariaDbSchema extends JdbcSchema {
  private static final MariaDbSchema DEFAULT = new MariaDbSchema(DEFAULT_TABLE_PREFIX);

  private MariaDbSchema(String prefix) {
    super(
        prefix,
        standardMigrations("db/tally/mariadb", prefix, MariaDbSchema.class.getClassLoader())
            .lockStatement("SELECT GET_LOCK(" + lockName(prefix) + ", 60)")
            .unlockStatement("SELECT RELEASE_LOCK(" + lockName(prefix) + ")")
            .build());
  }

  private static String lockName(String prefix) {
    return "CONCAT('tally_m_', SHA1(CONCAT(DATABASE(), '." + prefix + "')))";
  }

  /**
   * @return the schema with the default prefix {@value #DEFAULT_TABLE_PREFIX}
   */
  public static MariaDbSchema defaults() {
    return DEFAULT;
  }

  /**
   * Returns the schema of a table prefix.
   *
   * @param prefix the table prefix: empty, or letters, digits and underscores, at most {@value
   *     #MAX_TABLE_PREFIX_LENGTH} characters
   * @return the schema whose tables start with {@code prefix}
   * @throws NullPointerException if {@code prefix} is null
   * @throws IllegalArgumentException if the prefix is not a valid identifier or too long
   */
  public static MariaDbSchema withTablePrefix(String prefix) {
    checkPrefix(prefix);
    return prefix.equals(DEFAULT_TABLE_PREFIX) ? DEFAULT : new MariaDbSchema(prefix);
  }
}
