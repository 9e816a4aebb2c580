package io.tally.testkit;

import io.tally.core.InputRules;
import java.time.Instant;
import java.util.Random;

/**
 * Random values for property-style tests of the input rules, and an oracle written apart from
 * {@link InputRules} that says what the rules make of each value.
 */
final class RandomValues {
  private RandomValues() {}

  /**
   * A random string around {@code limit}: short, at the limit give or take two, or far past it; of
   * ASCII or of any Unicode code point; sometimes with a NUL or a lone surrogate put in.
   */
  static String string(Random random, int limit) {
    int length;
    int pick = random.nextInt(8);
    if (pick < 3) {
      length = random.nextInt(9);
    } else if (pick < 5) {
      length = Math.max(0, limit - 2 + random.nextInt(5)); // at the limit, give or take two
    } else if (pick < 7) {
      length = random.nextInt(limit + 1);
    } else {
      length = limit * 2 + random.nextInt(10);
    }
    boolean ascii = random.nextBoolean();
    StringBuilder b = new StringBuilder(length);
    while (b.length() < length) {
      int cp;
      if (ascii) {
        cp = 0x20 + random.nextInt(0x5F);
      } else {
        do {
          cp =
              random.nextInt(4) == 0
                  ? 0x10000 + random.nextInt(0x100000)
                  : 1 + random.nextInt(0xFFFF);
        } while (cp >= 0xD800 && cp <= 0xDFFF);
      }
      if (b.length() + Character.charCount(cp) > length) {
        cp = 'x';
      }
      b.appendCodePoint(cp);
    }
    if (length > 0 && random.nextInt(12) == 0) {
      char[] hostile = {'\u0000', '\uD800', '\uDBFF', '\uDC00', '\uDFFF'};
      b.setCharAt(random.nextInt(length), hostile[random.nextInt(hostile.length)]);
    }
    return b.toString();
  }

  /** A random time: anywhere in {@link Instant}'s range, in the storable range, or at its edges. */
  static Instant time(Random random) {
    long nanos = random.nextInt(1_000_000_000);
    switch (random.nextInt(4)) {
      case 0:
        return Instant.ofEpochSecond(
            between(random, Instant.MIN.getEpochSecond(), Instant.MAX.getEpochSecond()), nanos);
      case 1:
        return Instant.ofEpochSecond(
            between(
                random, InputRules.MIN_TIME.getEpochSecond(), InputRules.MAX_TIME.getEpochSecond()),
            nanos);
      case 2:
        Instant edge = random.nextBoolean() ? InputRules.MIN_TIME : InputRules.MAX_TIME;
        return edge.plusNanos(random.nextInt(2_001) - 1_000);
      default:
        return Instant.parse("2026-01-01T00:00:00Z")
            .plusSeconds(random.nextInt(Integer.MAX_VALUE) - (long) Integer.MAX_VALUE / 2)
            .plusNanos(nanos);
    }
  }

  private static long between(Random random, long min, long max) {
    return min + (long) (random.nextDouble() * (max - min));
  }

  /**
   * @return true if the time is in the storable range
   */
  static boolean inRange(Instant t) {
    return t.compareTo(InputRules.MIN_TIME) >= 0 && t.compareTo(InputRules.MAX_TIME) <= 0;
  }

  /**
   * @return true if {@code s} has no NUL and every surrogate is part of a pair
   */
  static boolean clean(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == 0) {
        return false;
      }
      if (Character.isHighSurrogate(c)
          && i + 1 < s.length()
          && Character.isLowSurrogate(s.charAt(i + 1))) {
        i++;
      } else if (Character.isSurrogate(c)) {
        return false;
      }
    }
    return true;
  }

  /**
   * @return true if {@code s} is clean and at most {@code limit} code units long
   */
  static boolean identifying(String s, int limit) {
    return clean(s) && s.length() <= limit;
  }

  /**
   * @return {@code s} truncated as documented: the first {@code limit} units, never half a pair
   */
  static String truncated(String s, int limit) {
    if (s.length() <= limit) {
      return s;
    }
    return s.substring(0, Character.isHighSurrogate(s.charAt(limit - 1)) ? limit - 1 : limit);
  }
}
