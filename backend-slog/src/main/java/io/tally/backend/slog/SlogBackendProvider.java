package io.tally.backend.slog;

import io.tally.core.TallyConfig;
import io.tally.core.backend.Backend;
import io.tally.core.connectionlog.ConnectionEvent;
import io.tally.core.spi.BackendProvider;
import io.tally.core.spi.ProviderContext;

/**
 * The {@code slog} backend provider: a {@link SlogBackend} configured by {@code
 * tally.backend.slog.logger}, {@code tally.backend.slog.level} and {@code
 * tally.backend.slog.redacted-fields}. Discovered through {@code META-INF/services}.
 */
public final class SlogBackendProvider implements BackendProvider {
  /** The provider's name: {@value}. */
  public static final String NAME = "slog";

  /** Creates the provider; does nothing else. */
  public SlogBackendProvider() {}

  @Override
  public String name() {
    return NAME;
  }

  /**
   * Builds the backend.
   *
   * @throws IllegalArgumentException if a redacted field is not one of {@link SlogBackend#FIELDS}
   */
  @Override
  public Backend<ConnectionEvent> create(ProviderContext context) {
    TallyConfig c = context.config();
    return SlogBackend.builder()
        .loggerName(c.slogLogger())
        .level(c.slogLevel())
        .redact(c.slogRedactedFields().toArray(new String[0]))
        .build();
  }

  @Override
  public String toString() {
    return "SlogBackendProvider{name=" + NAME + '}';
  }
}
