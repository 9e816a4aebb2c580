package io.tally.jdbc;

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
          what
              + " was '"
              + value
              + "' but must match "
              + QUALIFIED.pattern()
              + " (schema.table or table)");
    }
    return value;
  }

  /** The longest identifier PostgreSQL keeps whole: {@value} characters. */
  public static final int MAX_LENGTH = 63;

  /**
   * Checks a table prefix: empty, or an identifier short enough that {@code prefix +
   * longestDerivedName} (the longest table, index or constraint name a store derives from it) stays
   * within {@value #MAX_LENGTH} characters, since PostgreSQL silently truncates longer names and
   * two derived names could then collide.
   *
   * @param prefix the prefix
   * @param longestDerivedName the longest name the store appends to the prefix
   * @return {@code prefix}
   * @throws IllegalArgumentException if the prefix breaks either rule
   */
  public static String requireTablePrefix(String prefix, String longestDerivedName) {
    Objects.requireNonNull(prefix, "prefix");
    Objects.requireNonNull(longestDerivedName, "longestDerivedName");
    int max = MAX_LENGTH - longestDerivedName.length();
    if (prefix.length() > max) {
      throw new IllegalArgumentException(
          "prefix was '"
              + prefix
              + "' ("
              + prefix.length()
              + " characters) but must be at most "
              + max
              + ": the longest derived name, "
              + prefix
              + longestDerivedName
              + ", would exceed the "
              + MAX_LENGTH
              + "-character identifier limit of PostgreSQL");
    }
    return prefix.isEmpty() ? prefix : requireIdentifier(prefix, "prefix");
  }
}
