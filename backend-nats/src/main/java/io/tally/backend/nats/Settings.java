package io.tally.backend.nats;

import io.tally.core.ConfigException;
import io.tally.core.TallyConfig;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the provider's {@code tally.backend.nats.*} keys from a {@link TallyConfig}, collecting
 * every bad value, and holds the argument checks the builders share.
 */
final class Settings {
  private static final Pattern DURATION = Pattern.compile("(\\d{1,12})(ms|s|m|h|d)");

  private final TallyConfig config;
  private final List<String> problems = new ArrayList<>();

  Settings(TallyConfig config) {
    this.config = config;
  }

  String string(String key, String fallback) {
    return config.property(key).map(String::trim).filter(v -> !v.isEmpty()).orElse(fallback);
  }

  int integer(String key, int fallback, int min, int max) {
    return (int) number(key, fallback, min, max);
  }

  long number(String key, long fallback, long min, long max) {
    String raw = string(key, null);
    if (raw == null) {
      return fallback;
    }
    try {
      long v = Long.parseLong(raw);
      if (v < min || v > max) {
        problems.add(key + " was '" + raw + "' but must be " + min + " to " + max);
        return fallback;
      }
      return v;
    } catch (NumberFormatException e) {
      problems.add(key + " was '" + Wire.shorten(raw) + "' but must be an integer");
      return fallback;
    }
  }

  boolean bool(String key, boolean fallback) {
    String raw = string(key, null);
    if (raw == null) {
      return fallback;
    }
    if (raw.equalsIgnoreCase("true") || raw.equalsIgnoreCase("false")) {
      return Boolean.parseBoolean(raw);
    }
    problems.add(key + " was '" + Wire.shorten(raw) + "' but must be true or false");
    return fallback;
  }

  /** Reads a duration written {@code 250ms}, {@code 5s}, {@code 1m}, {@code 2h}, {@code 1d} or ISO-8601. */
  Duration duration(String key, Duration fallback) {
    String raw = string(key, null);
    if (raw == null) {
      return fallback;
    }
    Duration d = parseDuration(raw.toLowerCase(Locale.ROOT));
    if (d == null) {
      problems.add(key + " was '" + Wire.shorten(raw) + "' but must be a duration such as 250ms, 5s, 1m or PT5S");
      return fallback;
    }
    if (d.isZero() || d.isNegative() || d.compareTo(TallyConfig.MAX_DURATION) > 0) {
      problems.add(key + " was '" + raw + "' but must be positive and at most 365d");
      return fallback;
    }
    return d;
  }

  private static Duration parseDuration(String s) {
    Matcher m = DURATION.matcher(s);
    if (m.matches()) {
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
    }
    try {
      return Duration.parse(s.toUpperCase(Locale.ROOT));
    } catch (DateTimeParseException e) {
      return null;
    }
  }

  /** Records a problem found while building from the values read. */
  void problem(String problem) {
    problems.add(problem);
  }

  /** @throws ConfigException listing every problem, if there is one */
  void check() {
    if (!problems.isEmpty()) {
      throw new ConfigException(problems);
    }
  }

  static int requireRange(String field, int value, int min, int max) {
    if (value < min || value > max) {
      throw new IllegalArgumentException(field + " was " + value + " but must be " + min + " to " + max);
    }
    return value;
  }

  static Duration requirePositive(String field, Duration value) {
    Objects.requireNonNull(value, field);
    if (value.isZero() || value.isNegative()) {
      throw new IllegalArgumentException(field + " was " + value + " but must be positive");
    }
    return value;
  }

  /** Closes {@code c}, adding a failure to close to {@code failure} as suppressed. */
  static void closeQuietly(AutoCloseable c, Throwable failure) {
    try {
      c.close();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      failure.addSuppressed(e);
    } catch (Exception e) {
      failure.addSuppressed(e);
    }
  }
}
