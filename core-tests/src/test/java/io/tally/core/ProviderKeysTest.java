package io.tally.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.tally.core.backend.Backend;
import io.tally.core.connectionlog.ConnectionEvent;
import io.tally.core.spi.BackendProvider;
import io.tally.core.spi.ProviderContext;
import io.tally.core.spi.ProviderLoader;
import io.tally.core.spi.StoreProvider;
import io.tally.core.spi.Stores;
import io.tally.core.spi.TrackerProvider;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import org.junit.jupiter.api.Test;

/** Providers' declared keys: checked together when the module is built, read typed. */
class ProviderKeysTest {
  static final ConfigKey<Duration> JSONL_FLUSH =
      ConfigKey.duration("tally.backend.jsonl.flush", Duration.ofSeconds(1));
  static final ConfigKey<String> JSONL_FILE = ConfigKey.text("tally.backend.jsonl.file", null);
  static final ConfigKey<Integer> AUDIT_DEPTH =
      ConfigKey.integer("tally.backend.audit.depth", 4, 1, 8);
  static final ConfigKey<Boolean> SWEEP_ON = ConfigKey.flag("tally.tracker.sweep.on", false);

  static BackendProvider backend(String name, List<ConfigKey<?>> keys) {
    return new BackendProvider() {
      @Override
      public String name() {
        return name;
      }

      @Override
      public List<ConfigKey<?>> keys() {
        return keys;
      }

      @Override
      public Backend<ConnectionEvent> create(ProviderContext context) {
        throw new UnsupportedOperationException();
      }
    };
  }

  static StoreProvider store(String name, String scheme) {
    return new StoreProvider() {
      @Override
      public String name() {
        return name;
      }

      @Override
      public Stores open(ProviderContext context) {
        throw new UnsupportedOperationException();
      }

      @Override
      public boolean acceptsJdbcUrl(String jdbcUrl) {
        return jdbcUrl.startsWith(scheme);
      }
    };
  }

  static TrackerProvider tracker(String name, List<ConfigKey<?>> keys) {
    return new TrackerProvider() {
      @Override
      public String name() {
        return name;
      }

      @Override
      public List<ConfigKey<?>> keys() {
        return keys;
      }

      @Override
      public TallyComponent create(ProviderContext context) {
        throw new UnsupportedOperationException();
      }
    };
  }

  private static TallyModule.Builder module(Map<String, String> config) {
    return TallyModule.builder(TallyConfig.from(config))
        .loader(
            ProviderLoader.of(
                store("h2", "jdbc:h2:"),
                backend("db", List.of()),
                backend("jsonl", List.of(JSONL_FLUSH, JSONL_FILE)),
                backend("audit", List.of(AUDIT_DEPTH)),
                backend("plain", List.of()),
                tracker("sweep", List.of(SWEEP_ON))));
  }

  @Test
  void everyProblemOfEverySelectedProviderInOneException() {
    ConfigException e =
        catchThrowableOfType(
            ConfigException.class,
            () ->
                module(
                        Map.of(
                            "tally.backends", "db,jsonl,audit",
                            "tally.trackers", "sweep,missing",
                            "tally.backend.jsonl.flush", "soon",
                            "tally.backend.jsonl.flsh", "1s",
                            "tally.backend.audit.depth", "9",
                            "tally.tracker.sweep.on", "yes"))
                    .build());

    assertThat(e.problems())
        .containsExactly(
            "tally.trackers names 'missing' but no TrackerProvider has that name; found: sweep",
            "tally.backend.jsonl.flush was 'soon' but must be a duration such as 250ms, 5s, 1m,"
                + " 2h or PT5S",
            "tally.backend.jsonl.flsh is not a known key (did you mean tally.backend.jsonl.flush?)",
            "tally.backend.audit.depth was '9' but must be at most 8",
            "tally.tracker.sweep.on was 'yes' but must be true or false");
  }

  @Test
  void anUnknownKeyFarFromEveryKeyListsTheProvidersKeys() {
    ConfigException e =
        catchThrowableOfType(
            ConfigException.class,
            () ->
                module(Map.of("tally.backends", "jsonl", "tally.backend.jsonl.rotation", "daily"))
                    .build());

    assertThat(e.problems())
        .containsExactly(
            "tally.backend.jsonl.rotation is not a known key; the keys under tally.backend.jsonl."
                + " are tally.backend.jsonl.flush, tally.backend.jsonl.file");
  }

  @Test
  void keysOfProvidersNotSelectedOrDeclaringNoneAreNotChecked() {
    TallyModule module =
        module(
                Map.of(
                    "tally.backends", "db,plain",
                    "tally.backend.audit.depth", "99", // audit is not selected
                    "tally.backend.plain.anything", "goes", // plain declares no key
                    "tally.backend.jsonl.flush", "soon"))
            .build();

    assertThat(module.config().property("tally.backend.plain.anything")).contains("goes");
  }

  @Test
  void aKeyOutsideTheProvidersPrefixIsReported() {
    ConfigException e =
        catchThrowableOfType(
            ConfigException.class,
            () ->
                TallyModule.builder(TallyConfig.builder().backends("odd").build())
                    .loader(ProviderLoader.of(store("h2", "jdbc:h2:")))
                    .backendProvider(backend("odd", List.of(JSONL_FILE)))
                    .build());

    assertThat(e.problems())
        .singleElement()
        .asString()
        .startsWith("BackendProvider 'odd' (")
        .endsWith(
            "declares tally.backend.jsonl.file, but its keys must start with tally.backend.odd.");
  }

  @Test
  void providersReadTheirKeysTyped() {
    TallyConfig config =
        TallyConfig.from(
            Map.of("tally.backend.jsonl.flush", "250ms", "tally.tracker.sweep.on", "true"));

    assertThat(config.get(JSONL_FLUSH)).isEqualTo(Duration.ofMillis(250));
    assertThat(config.get(SWEEP_ON)).isTrue();
    assertThat(config.get(AUDIT_DEPTH)).isEqualTo(4); // the default
    assertThat(config.find(JSONL_FILE)).isEmpty();
    assertThatThrownBy(() -> config.get(JSONL_FILE))
        .isInstanceOf(NoSuchElementException.class)
        .hasMessage("tally.backend.jsonl.file is not set and has no default");
    assertThatThrownBy(
            () -> TallyConfig.from(Map.of("tally.backend.audit.depth", "0")).get(AUDIT_DEPTH))
        .isInstanceOf(ConfigException.class)
        .hasMessageEndingWith("tally.backend.audit.depth was '0' but must be >= 1");
    // environment variables reach provider keys too, whatever their spelling
    TallyConfig env =
        TallyConfig.fromEnvironment(Map.of(), Map.of("TALLY_BACKEND_JSONL_FLUSH", "2s"));
    assertThat(env.get(JSONL_FLUSH)).isEqualTo(Duration.ofSeconds(2));
    assertThat(env.keyProblems("tally.backend.jsonl.", List.of(JSONL_FLUSH, JSONL_FILE))).isEmpty();
  }

  @Test
  void typedSetterAndDeclaredKeysAtBuild() {
    TallyConfig config = TallyConfig.builder().set(JSONL_FLUSH, Duration.ofMinutes(2)).build();
    assertThat(config.property("tally.backend.jsonl.flush")).contains("2m");
    assertThat(config.get(JSONL_FLUSH)).isEqualTo(Duration.ofMinutes(2));

    // declared at build, a provider's problems come with Tally's own in one exception
    ConfigException e =
        catchThrowableOfType(
            ConfigException.class,
            () ->
                TallyConfig.builder()
                    .batchSize(0)
                    .set(AUDIT_DEPTH, 12)
                    .set("tally.backend.audit.dpeth", "3")
                    .declare("tally.backend.audit.", List.of(AUDIT_DEPTH))
                    .build());
    assertThat(e.problems())
        .containsExactly(
            "tally.backend.audit.depth was '12' but must be at most 8",
            "tally.backend.audit.dpeth is not a known key (did you mean tally.backend.audit.depth?)",
            "tally.batch.size was '0' but must be >= 1");
  }

  @Test
  void trackerKeysLiveUnderTallyTracker() {
    assertThat(
            TallyConfig.from(Map.of("tally.tracker.sweep.on", "true"))
                .property("tally.tracker.sweep.on"))
        .contains("true");
    assertThatThrownBy(() -> TallyConfig.from(Map.of("tally.tracker.sweep", "true")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("tally.tracker.sweep is not a known key");
  }
}
