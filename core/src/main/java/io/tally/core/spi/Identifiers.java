package io.tally.core.spi;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Validates SQL identifiers that users configure (table names, column names, prefixes) before a
 * store splices them into SQL. Values are never quoted or escaped: anything outside the strict
 * pattern is rejected, so configuration can never inject SQL.
 */
public final class Identifiers {
  /** Letters, digits and underscores, starting with a letter or underscore, at most 63 long. */
  public static final Pattern IDENTIFIER = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,62}");

  /** An identifier optionally qualified by a schema: {@code schema.table}. */
  public static final Pattern QUALIFIED =
      Pattern.compile("([A-Za-z_][A-Za-z0-9_]{0,62}\\.)?[A-Za-z_][A-Za-z0-9_]{0,62}");

  private Identifiers() {}

  /**
   * @param value the identifier
   * @param what the option it came from, e.g. {@code "table"}, for the message
   * @return {@code value}
   * @throws IllegalArgumentException if it does not match {@link #IDENTIFIER}
   */
  public static String requireIdentifier(String value, String what) {
    Objects.requireNonNull(value, what);
    if (!IDENTIFIER.matcher(value).matches()) {
      throw new IllegalArgumentException(
          what
              + " was '"
              + value
              + "' but must match "
              + IDENTIFIER.pattern()
              + " (letters, digits, underscore; not starting with a digit; at most 63)");
    }
    return value;
  }

  /**
   * @param value the possibly schema-qualified name
   * @param what the option it came from, for the message
   * @return {@code value}
   * @throws IllegalArgumentException if it does not match {@link #QUALIFIED}
   */
  public static String requireQualified(String value, String what) {
    Objects.requireNonNull(value, what);
    if (!QUALIFIED.matcher(value).matches()) {
      throw new IllegalArgumentException(
          what + " was '" + value + "' but must match " + QUALIFIED.pattern() + " (schema.table or table)");
    }
    return value;
  }
}
