package io.tally.backend.slog;

import io.tally.core.ConfigKey;
import io.tally.core.TallyConfig;
import io.tally.core.backend.Backend;
import io.tally.core.connectionlog.ConnectionEvent;
import io.tally.core.spi.BackendProvider;
import io.tally.core.spi.ProviderContext;
import java.util.List;
import org.slf4j.event.Level;

/**
 * The {@code slog} backend provider: a {@link SlogBackend} configured by {@link #LOGGER}, {@link
 * #LEVEL} and {@link #REDACTED_FIELDS} (the package comment has the table). It declares these keys
 * ({@link #keys()}), so Tally checks them when it starts, and refuses any other key under {@code
 * tally.backend.slog.}. Discovered through {@code META-INF/services}.
 */
public final class SlogBackendProvider implements BackendProvider {
  /** The provider's name: {@value}. */
  public static final String NAME = "slog";

  /** The prefix of this provider's keys: {@value}. */
  public static final String PREFIX = "tally.backend.slog.";

  /** {@code tally.backend.slog.logger}: the SLF4J logger the backend writes to. */
  public static final ConfigKey<String> LOGGER =
      ConfigKey.text(
          PREFIX + "logger",
          SlogBackend.DEFAULT_LOGGER_NAME,
          s -> !s.isEmpty(),
          "must not be empty");

  /** {@code tally.backend.slog.level}: the level of its lines, {@code info} by default. */
  public static final ConfigKey<Level> LEVEL =
      ConfigKey.choice(PREFIX + "level", Level.class, SlogBackend.DEFAULT_LEVEL);

  /** {@code tally.backend.slog.redacted-fields}: event fields logged as {@code [redacted]}. */
  public static final ConfigKey<List<String>> REDACTED_FIELDS =
      ConfigKey.list(
          PREFIX + "redacted-fields",
          List.of(),
          SlogBackend.FIELDS::containsAll,
          "must be a comma-separated list of event field names such as ip or user_agent ("
              + String.join(", ", SlogBackend.FIELDS)
              + ")");

  /** Creates the provider; does nothing else. */
  public SlogBackendProvider() {}

  @Override
  public String name() {
    return NAME;
  }

  /**
   * Returns {@link #LOGGER}, {@link #LEVEL} and {@link #REDACTED_FIELDS}.
   *
   * @return this provider's keys
   */
  @Override
  public List<ConfigKey<?>> keys() {
    return List.of(LOGGER, LEVEL, REDACTED_FIELDS);
  }

  /**
   * Builds the backend.
   *
   * @throws io.tally.core.ConfigException if a key's value is bad (Tally checks them at start)
   */
  @Override
  public Backend<ConnectionEvent> create(ProviderContext context) {
    TallyConfig c = context.config();
    return SlogBackend.builder()
        .loggerName(c.get(LOGGER))
        .level(c.get(LEVEL))
        .redact(c.get(REDACTED_FIELDS).toArray(new String[0]))
        .build();
  }

  @Override
  public String toString() {
    return "SlogBackendProvider{name=" + NAME + '}';
  }
}
