package io.tally.store.postgres;

import io.tally.jdbc.Identifiers;
import io.tally.jdbc.JdbcSchema;
import javax.sql.DataSource;

/**
 * Names and creates Tally's PostgreSQL tables. Every table is {@code <prefix><name>} (default
 * prefix {@value #DEFAULT_TABLE_PREFIX}, so {@code tally_last_used}); the prefix is validated as an
 * SQL identifier, at most {@value #MAX_TABLE_PREFIX_LENGTH} characters so that the longest derived
 * name ({@value #LONGEST_DERIVED_NAME}) fits PostgreSQL's 63. {@link #migrate(DataSource)} applies
 * the versioned files under {@code db/tally/postgres/} that the database lacks, serialised across
 * replicas by an advisory lock, and is safe to run again. Immutable.
 */
public final class PostgresSchema extends JdbcSchema {
  /** The longest identifier PostgreSQL keeps whole: {@value} characters. */
  static final int MAX_IDENTIFIER_LENGTH = Identifiers.MAX_LENGTH;

  /** The advisory-lock key that serialises migrations across replicas. */
  static final long MIGRATION_LOCK_KEY = 0x7461_6c6c_796d_6967L; // "tallymig"

  private static final PostgresSchema DEFAULT = new PostgresSchema(DEFAULT_TABLE_PREFIX);

  private PostgresSchema(String prefix) {
    super(
        prefix,
        standardMigrations("db/tally/postgres", prefix, PostgresSchema.class.getClassLoader())
            .migration(5, "connection_log_storage")
            .lockStatement("SELECT pg_advisory_xact_lock(" + MIGRATION_LOCK_KEY + ")")
            .build());
  }

  /**
   * @return the schema with the default prefix {@value #DEFAULT_TABLE_PREFIX}
   */
  public static PostgresSchema defaults() {
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
  public static PostgresSchema withTablePrefix(String prefix) {
    checkPrefix(prefix);
    return prefix.equals(DEFAULT_TABLE_PREFIX) ? DEFAULT : new PostgresSchema(prefix);
  }
}
