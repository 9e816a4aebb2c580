package io.tally.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tally.jdbc.JdbcSchema;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The table-prefix rules every {@link JdbcSchema} must keep, checked against the store's own SQL
 * files: the longest name they derive from the prefix is {@link JdbcSchema#LONGEST_DERIVED_NAME},
 * and a prefix that would push it past the identifier limit is refused, naming the limit. A store
 * gives its schema factory and its scripts:
 *
 * <pre>{@code
 * class MyDbSchemaTest extends JdbcSchemaContract {
 *   protected JdbcSchema withTablePrefix(String prefix) {
 *     return MyDbSchema.withTablePrefix(prefix);
 *   }
 *   protected String scriptDirectory() { return "db/tally/mydb/"; }
 *   protected List<String> scripts() { return List.of("V1__last_used", "V2__connection_log"); }
 *   protected int maxIdentifierLength() { return 63; }
 * }
 * }</pre>
 */
public abstract class JdbcSchemaContract {
  /** Creates the contract. */
  protected JdbcSchemaContract() {}

  /**
   * Returns the store's schema with a table prefix, validated as the store validates it.
   *
   * @param prefix the table prefix
   * @return the schema
   * @throws IllegalArgumentException if the store refuses the prefix
   */
  protected abstract JdbcSchema withTablePrefix(String prefix);

  /**
   * Returns the class-path directory of the store's SQL files, with a trailing slash.
   *
   * @return e.g. {@code "db/tally/h2/"}
   */
  protected abstract String scriptDirectory();

  /**
   * Returns the names of every SQL file of the store, without {@code .sql}.
   *
   * @return e.g. {@code List.of("V1__last_used", "V2__connection_log")}
   */
  protected abstract List<String> scripts();

  /**
   * Returns the longest identifier the store's schema allows for a derived name.
   *
   * @return the limit, in characters
   */
  protected abstract int maxIdentifierLength();

  /**
   * The longest name the SQL files derive from the prefix is the one the prefix leaves room for.
   */
  @Test
  protected void theLongestDerivedNameIsTheOneInTheSqlFiles() {
    String longest =
        MigrationScripts.longestDerivedName(
            withTablePrefix("").getClass(), scriptDirectory(), scripts());
    assertThat(longest).isEqualTo(JdbcSchema.LONGEST_DERIVED_NAME);
    assertThat(JdbcSchema.MAX_TABLE_PREFIX_LENGTH)
        .isEqualTo(maxIdentifierLength() - longest.length())
        .isEqualTo(32);
  }

  /** A prefix one character too long is refused with the derived name and the limit. */
  @Test
  protected void rejectsAPrefixThatWouldMakeADerivedNameTooLong() {
    String longest = "p".repeat(32);
    assertThat(withTablePrefix(longest).table("last_used")).isEqualTo(longest + "last_used");
    String tooLong = "p".repeat(33);
    assertThatThrownBy(() -> withTablePrefix(tooLong))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "prefix was '"
                + tooLong
                + "' (33 characters) but must be at most 32: the longest derived name, "
                + tooLong
                + "connection_log_connect_time_idx, would exceed the 63-character identifier"
                + " limit of PostgreSQL");
  }
}
