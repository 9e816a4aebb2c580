package io.tally.testkit;

import io.tally.core.InputRules;
import java.time.Instant;
import java.util.List;

/**
 * Values that probe the {@link InputRules}, for store contract tests and for tests of your own:
 * strings of many kinds of Unicode at exact lengths, and times just outside the storable range.
 */
public final class HostileValues {
  /**
   * Times no built-in store can hold: just outside the range, and the extremes of {@link Instant}.
   */
  public static final List<Instant> TIMES_OUTSIDE_THE_RANGE =
      List.of(
          InputRules.MIN_TIME.minusNanos(1),
          InputRules.MAX_TIME.plusNanos(1),
          Instant.parse("+10000-01-01T00:00:00Z"),
          Instant.parse("-0001-12-31T23:59:59Z"),
          Instant.MIN,
          Instant.MAX);

  private HostileValues() {}

  /**
   * Returns a string of exactly {@code length} UTF-16 code units cycling through many kinds of
   * character: ASCII, Latin with accents, a combining mark, Hebrew, CJK, emoji (surrogate pairs),
   * controls other than NUL, U+FFFD, quotes and backslashes.
   *
   * @param length the length in UTF-16 code units
   * @param seed where in the cycle to start
   * @return the string
   */
  public static String unicode(int length, int seed) {
    int[] cycle = {
      'a', 'Z', '0', ' ', '\'', '"', '\\', '%', '_', 0xE9, 0x301, 0x5D0, 0x6F22, 0x1F600, 0x1, 0x1F,
      0x7F, '\t', '\n', 0xFFFD, 0x10FFFD, 0xA0, 0x2028
    };
    StringBuilder b = new StringBuilder(length);
    for (int i = seed; b.length() < length; i++) {
      int cp = cycle[Math.floorMod(i, cycle.length)];
      if (b.length() + Character.charCount(cp) > length) {
        cp = 'x';
      }
      b.appendCodePoint(cp);
    }
    return b.toString();
  }
}
