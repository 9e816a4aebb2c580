package io.tally.store.h2;

import io.tally.jdbc.Identifiers;
import io.tally.jdbc.JdbcSchema;
import java.util.List;
import javax.sql.DataSource;

/**
 * Names and creates Tally's H2 tables. Every table is {@code <prefix><name>} (default prefix
 * {@value #DEFAULT_TABLE_PREFIX}, so {@code tally_last_used}); the prefix is validated as an SQL
 * identifier, at most {@value #MAX_TABLE_PREFIX_LENGTH} characters. {@link #migrate(DataSource)}
 * applies the versioned files under {@code db/tally/h2/} that the database lacks (one at a time per
 * JVM; H2's table locks keep a second JVM from applying a file twice), and is safe to run again.
 * Immutable.
 */
public final class H2Schema extends JdbcSchema {
  /** The longest identifier the stores allow: {@value} characters. */
  static final int MAX_IDENTIFIER_LENGTH = Identifiers.MAX_LENGTH;

  private static final H2Schema DEFAULT = new H2Schema(DEFAULT_TABLE_PREFIX);

  private H2Schema(String prefix) {
    super(
        prefix, standardMigrations("db/tally/h2", prefix, H2Schema.class.getClassLoader()).build());
  }

  /**
   * @return the schema with the default prefix {@value #DEFAULT_TABLE_PREFIX}
   */
  public static H2Schema defaults() {
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
  public static H2Schema withTablePrefix(String prefix) {
    checkPrefix(prefix);
    return prefix.equals(DEFAULT_TABLE_PREFIX) ? DEFAULT : new H2Schema(prefix);
  }

  /**
   * Applies the missing migrations, one JVM-wide at a time.
   *
   * @param dataSource the database
   * @return the versions applied now (empty if up to date)
   */
  @Override
  public List<Integer> migrate(DataSource dataSource) {
    synchronized (H2Schema.class) {
      return super.migrate(dataSource);
    }
  }
}
