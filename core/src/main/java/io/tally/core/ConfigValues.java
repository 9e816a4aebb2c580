package io.tally.core;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.NullMarked;
import org.jspecify.annotations.Nullable;

/**
 * Reads and writes configuration values in their string form: durations ({@code 250ms}, {@code 5s},
 * {@code 1m}, {@code 2h}, {@code 1d} or ISO-8601), integers, booleans, UUIDs, comma-separated lists
 * and enum constants. A value that cannot be read throws {@link IllegalArgumentException} whose
 * message is the rule it broke ({@code must be an integer}), ready to follow "{@code key was
 * 'value' but }".
 */
@NullMarked
final class ConfigValues {
  /**
   * The longest duration any setting accepts: 365 days. Longer ones are refused rather than
   * overflowing a scheduler's nanosecond arithmetic.
   */
  static final Duration MAX_DURATION = Duration.ofDays(365);

  static final String POSITIVE = "must be positive";
  static final String TOO_LONG = "must be at most " + formatDuration(MAX_DURATION);

  private static final Pattern SHORT_DURATION = Pattern.compile("(-?\\d+)(ms|s|m|h|d)");
  private static final Pattern UUID_TEXT =
      Pattern.compile(
          "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");

  private ConfigValues() {}

  static Duration parseDuration(String text) {
    Matcher m = SHORT_DURATION.matcher(text);
    if (m.matches()) {
      try {
        long n = Long.parseLong(m.group(1));
        switch (m.group(2)) {
          case "ms":
            return Duration.ofMillis(n);
          case "s":
            return Duration.ofSeconds(n);
          case "m":
            return Duration.ofMinutes(n);
          case "h":
            return Duration.ofHours(n);
          default:
            return Duration.ofDays(n);
        }
      } catch (ArithmeticException | NumberFormatException e) {
        // beyond what a Duration (or a long) holds: far outside the rule, on one side or the other
        throw new IllegalArgumentException(m.group(1).startsWith("-") ? POSITIVE : TOO_LONG, e);
      }
    }
    try {
      return Duration.parse(text);
    } catch (DateTimeParseException | ArithmeticException e) {
      throw new IllegalArgumentException("must be a duration such as 250ms, 5s, 1m, 2h or PT5S", e);
    }
  }

  /** Formats a duration in the short form when it has one, else ISO-8601. */
  static String formatDuration(Duration d) {
    if (d.isNegative() || d.getNano() % 1_000_000 != 0) {
      return d.toString();
    }
    long ms = d.toMillis();
    long[] units = {86_400_000L, 3_600_000L, 60_000L, 1_000L};
    String[] names = {"d", "h", "m", "s"};
    for (int i = 0; i < units.length; i++) {
      if (ms != 0 && ms % units[i] == 0) {
        return ms / units[i] + names[i];
      }
    }
    return ms + "ms";
  }

  /**
   * Returns the rule a duration setting breaks, or null: positive and at most {@link
   * #MAX_DURATION}.
   */
  static @Nullable String durationRule(Duration d) {
    if (d.isZero() || d.isNegative()) {
      return POSITIVE;
    }
    return d.compareTo(MAX_DURATION) > 0 ? TOO_LONG : null;
  }

  static int parseInt(String text) {
    try {
      return Integer.parseInt(text);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("must be an integer", e);
    }
  }

  static long parseLong(String text) {
    try {
      return Long.parseLong(text);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("must be an integer", e);
    }
  }

  static boolean parseBoolean(String text) {
    if (text.equalsIgnoreCase("true")) {
      return true;
    }
    if (text.equalsIgnoreCase("false")) {
      return false;
    }
    throw new IllegalArgumentException("must be true or false");
  }

  static UUID parseUuid(String text) {
    if (!UUID_TEXT.matcher(text).matches()) {
      throw new IllegalArgumentException("must be a UUID");
    }
    return UUID.fromString(text);
  }

  /** Splits a comma-separated list, trimming each element and skipping empty ones. */
  static List<String> parseList(String text) {
    List<String> out = new ArrayList<>();
    for (String part : text.split(",", -1)) {
      String p = part.trim();
      if (!p.isEmpty()) {
        out.add(p);
      }
    }
    return List.copyOf(out);
  }

  static String formatList(List<String> list) {
    return String.join(",", list);
  }

  /** How an enum constant is written in configuration: lower case, {@code _} as {@code -}. */
  static String spell(Enum<?> e) {
    return spell(e.name());
  }

  /** How a choice is matched: lower case, {@code _} as {@code -}. */
  static String spell(String name) {
    return name.toLowerCase(Locale.ROOT).replace('_', '-');
  }
}
