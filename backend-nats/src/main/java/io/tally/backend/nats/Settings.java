package io.tally.backend.nats;

import io.tally.core.ConfigException;
import io.tally.core.ConfigKey;
import io.tally.core.TallyConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Reads the provider's {@code tally.backend.nats.*} keys ({@link NatsKeys}) from a {@link
 * TallyConfig} with core's parsing, collecting every bad value (Tally checks them at start too, but
 * the provider may be used on its own), and holds the argument checks the builders share.
 */
final class Settings {
  private final TallyConfig config;
  private final List<String> problems = new ArrayList<>();

  Settings(TallyConfig config) {
    this.config = config;
    problems.addAll(config.keyProblems(NatsBackendProvider.PREFIX, NatsKeys.ALL));
  }

  /** The key's value, or its default when the value is bad (the problem is already listed). */
  <T> T get(ConfigKey<T> key) {
    try {
      return config.get(key);
    } catch (ConfigException e) {
      return key.defaultValue().orElseThrow();
    }
  }

  /** A text key's value; empty counts as unset. */
  String string(ConfigKey<String> key, String fallback) {
    return config.find(key).filter(v -> !v.isEmpty()).orElse(fallback);
  }

  /** Records a problem found while building from the values read. */
  void problem(String problem) {
    problems.add(problem);
  }

  /**
   * @throws ConfigException listing every problem, if there is one
   */
  void check() {
    if (!problems.isEmpty()) {
      throw new ConfigException(problems);
    }
  }

  static int requireRange(String field, int value, int min, int max) {
    if (value < min || value > max) {
      throw new IllegalArgumentException(
          field + " was " + value + " but must be " + min + " to " + max);
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
