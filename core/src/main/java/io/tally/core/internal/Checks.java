package io.tally.core.internal;

import java.time.Duration;
import java.util.Objects;

/** Argument checks whose messages name the bad value and the rule it broke. */
public final class Checks {
  private Checks() {}

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
