package io.tally.backend.slog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.tally.core.ConfigException;
import io.tally.core.TallyConfig;
import io.tally.core.TallyModule;
import io.tally.core.spi.ProviderContext;
import io.tally.core.spi.ProviderLoader;
import io.tally.core.spi.StoreProvider;
import io.tally.core.spi.Stores;
import io.tally.testkit.ManualClock;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.slf4j.event.Level;

/** The slog backend owns its keys: declared, checked with every other problem, read typed. */
class SlogBackendProviderKeysTest {
  private static final StoreProvider NO_STORE =
      new StoreProvider() {
        @Override
        public String name() {
          return "h2";
        }

        @Override
        public Stores open(ProviderContext context) {
          throw new UnsupportedOperationException("the module is only built, never started");
        }
      };

  @Test
  void aBadCoreKeyABadLevelAndAnUnknownSlogKeyInOneMessage() {
    ConfigException e =
        catchThrowableOfType(
            ConfigException.class,
            () ->
                TallyConfig.builder()
                    .set("tally.batch.size", "0")
                    .set("tally.backend.slog.level", "loud")
                    .set("tally.backend.slog.levle", "warn")
                    .declare(SlogBackendProvider.PREFIX, new SlogBackendProvider().keys())
                    .build());

    assertThat(e.problems())
        .containsExactly(
            "tally.backend.slog.level was 'loud' but must be one of error, warn, info, debug,"
                + " trace",
            "tally.backend.slog.levle is not a known key (did you mean tally.backend.slog.level?)",
            "tally.batch.size was '0' but must be >= 1");
  }

  @Test
  void atStartTheSlogKeysAreCheckedWithEveryOtherProblem() {
    TallyConfig config =
        TallyConfig.from(
            Map.of(
                "tally.backends", "slog",
                "tally.trackers", "sweeper",
                "tally.backend.slog.level", "loud",
                "tally.backend.slog.redacted-fields", "ip,email",
                "tally.backend.slog.loger", "audit"));

    ConfigException e =
        catchThrowableOfType(
            ConfigException.class,
            () ->
                TallyModule.builder(config)
                    .loader(ProviderLoader.of(NO_STORE, new SlogBackendProvider()))
                    .build());

    assertThat(e.problems())
        .containsExactly(
            "tally.trackers names 'sweeper' but no TrackerProvider has that name; found: none",
            "tally.backend.slog.level was 'loud' but must be one of error, warn, info, debug,"
                + " trace",
            "tally.backend.slog.redacted-fields was 'ip,email' but must be a comma-separated list"
                + " of event field names such as ip or user_agent ("
                + String.join(", ", SlogBackend.FIELDS)
                + ")",
            "tally.backend.slog.loger is not a known key (did you mean tally.backend.slog.logger?)");
  }

  @Test
  void slogKeysAreNotCheckedWhenSlogIsNotSelected() {
    TallyConfig config =
        TallyConfig.from(Map.of("tally.backends", "", "tally.backend.slog.level", "loud"));

    TallyModule module =
        TallyModule.builder(config)
            .loader(ProviderLoader.of(NO_STORE, new SlogBackendProvider()))
            .build();

    assertThat(module.config().property("tally.backend.slog.level")).contains("loud");
  }

  @Test
  void typedKeysReachTheBackend() {
    TallyConfig config =
        TallyConfig.builder()
            .set(SlogBackendProvider.LEVEL, Level.WARN)
            .set(SlogBackendProvider.LOGGER, "audit")
            .set(SlogBackendProvider.REDACTED_FIELDS, List.of("ip"))
            .build();

    assertThat(config.property("tally.backend.slog.level")).contains("warn");
    assertThat(config.get(SlogBackendProvider.LEVEL)).isEqualTo(Level.WARN);
    assertThat(TallyConfig.builder().build().get(SlogBackendProvider.LEVEL)).isEqualTo(Level.INFO);
    assertThat(TallyConfig.builder().build().get(SlogBackendProvider.LOGGER))
        .isEqualTo(SlogBackend.DEFAULT_LOGGER_NAME);
    assertThat(
            new SlogBackendProvider()
                .create(ProviderContext.of(config, null, ManualClock.create()))
                .toString())
        .isEqualTo("SlogBackend{logger=audit, level=WARN}");
  }
}
