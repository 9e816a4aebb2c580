package io.tally.core.internal;

import java.time.Duration;
import java.util.Objects;
import java.util.regex.Pattern;

/** Argument checks whose messages name the bad value and the rule it broke. */
public final class Checks {
  /** The longest component name: {@value}. */
  public static final int MAX_NAME_LENGTH = 40;

  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_-]{1," + MAX_NAME_LENGTH + "}");

  private Checks() {}

  /**
   * Checks a component name, the one rule of every builder: 1 to {@value #MAX_NAME_LENGTH} letters,
   * digits, {@code -} or {@code _} (it appears in thread names, logs and metrics).
   *
   * @param name the name to check
   * @return {@code name}
   * @throws NullPointerException if name is null
   * @throws IllegalArgumentException naming the value and the rule, if it breaks the rule
   */
  public static String name(String name) {
    Objects.requireNonNull(name, "name");
    if (!NAME.matcher(name).matches()) {
      throw new IllegalArgumentException(
          "name was '"
              + name
              + "' but must be 1 to "
              + MAX_NAME_LENGTH
              + " letters, digits, '-' or '_'");
    }
    return name;
  }

  /**
   * @param value the duration to check
   * @param name the option's name, used in the message
   * @return {@code value}
   * @throws NullPointerException if value is null
   * @throws IllegalArgumentException if value is zero or negative
   */
  public static Duration positive(Duration value, String name) {
    Objects.requireNonNull(value, name);
    if (value.isZero() || value.isNegative()) {
      throw new IllegalArgumentException(name + " was " + value + " but must be positive");
    }
    return value;
  }

  /**
   * @param value the duration to check
   * @param name the option's name, used in the message
   * @return {@code value}
   * @throws IllegalArgumentException if value is negative
   */
  public static Duration notNegative(Duration value, String name) {
    Objects.requireNonNull(value, name);
    if (value.isNegative()) {
      throw new IllegalArgumentException(name + " was " + value + " but must not be negative");
    }
    return value;
  }

  /**
   * @param value the number to check
   * @param min the smallest allowed value
   * @param name the option's name, used in the message
   * @return {@code value}
   * @throws IllegalArgumentException if value is below min
   */
  public static int atLeast(int value, int min, String name) {
    if (value < min) {
      throw new IllegalArgumentException(name + " was " + value + " but must be >= " + min);
    }
    return value;
  }

  /**
   * @param value the number to check
   * @param min the smallest allowed value
   * @param name the option's name, used in the message
   * @return {@code value}
   * @throws IllegalArgumentException if value is below min
   */
  public static long atLeast(long value, long min, String name) {
    if (value < min) {
      throw new IllegalArgumentException(name + " was " + value + " but must be >= " + min);
    }
    return value;
  }
}
