package io.tally.core;

import static io.tally.core.ProviderKeysTest.backend;
import static io.tally.core.ProviderKeysTest.store;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.tally.core.spi.ProviderLoader;
import java.util.List;
import org.assertj.core.api.AbstractStringAssert;
import org.junit.jupiter.api.Test;

/**
 * Without {@code tally.store}, the store is the one provider whose {@code acceptsJdbcUrl} takes
 * {@code tally.jdbc.url}; no scheme is hard-coded in core.
 */
class StoreSelectionTest {
  private static TallyModule build(TallyConfig config, Object... providers) {
    return TallyModule.builder(config)
        .loader(ProviderLoader.of(providers))
        .backendProvider(backend("db", List.of()))
        .build();
  }

  /** The one problem of building {@code config} with only an H2 store provider found. */
  private static AbstractStringAssert<?> onlyProblemWithH2(TallyConfig config) {
    ConfigException e =
        catchThrowableOfType(ConfigException.class, () -> build(config, store("h2", "jdbc:h2:")));
    return assertThat(e.problems()).singleElement().asString();
  }

  @Test
  void theOneProviderThatTakesTheUrlIsChosen() {
    TallyConfig config = TallyConfig.builder().jdbcUrl("jdbc:acme://db/app").build();

    TallyModule module = build(config, store("h2", "jdbc:h2:"), store("acme", "jdbc:acme:"));

    assertThat(module.toString()).contains("store=acme");
    assertThat(module.config().store()).isEqualTo("acme");
    assertThat(module.config().configuredStore()).contains("acme");
    assertThat(module.config().replicaId()).isEqualTo(config.replicaId());
    assertThat(config.configuredStore()).isEmpty(); // the configuration given is unchanged
  }

  @Test
  void anExplicitProviderCountsAndWinsOverADiscoveredOneOfItsName() {
    TallyConfig config = TallyConfig.builder().jdbcUrl("jdbc:acme://db/app").build();

    TallyModule module =
        TallyModule.builder(config)
            .loader(ProviderLoader.of(store("h2", "jdbc:h2:"), store("acme", "jdbc:other:")))
            .storeProvider(store("acme", "jdbc:acme:"))
            .backendProvider(backend("db", List.of()))
            .build();

    assertThat(module.config().store()).isEqualTo("acme");
  }

  @Test
  void noProviderTakesTheUrl() {
    onlyProblemWithH2(TallyConfig.builder().jdbcUrl("jdbc:acme://bob:pw@db/app").build())
        .startsWith(
            "tally.store is not set and no StoreProvider takes tally.jdbc.url ('jdbc:acme:');"
                + " found: h2. Fix the URL, or set tally.store to the provider that takes it."
                + " Built-in stores: postgres (io.tally:tally-store-postgres) takes")
        .doesNotContain("bob")
        .doesNotContain("pw");
  }

  @Test
  void aBuiltInStoreMissingFromTheClassPathIsNamedButNotChosen() {
    onlyProblemWithH2(TallyConfig.builder().jdbcUrl("jdbc:mysql://db/app").build())
        .contains("found: h2. The mariadb store takes it: add io.tally:tally-store-mariadb");
  }

  @Test
  void severalProvidersTakeTheUrl() {
    TallyConfig config = TallyConfig.builder().jdbcUrl("jdbc:acme://db/app").build();

    ConfigException e =
        catchThrowableOfType(
            ConfigException.class,
            () ->
                build(
                    config,
                    store("h2", "jdbc:h2:"),
                    store("acme", "jdbc:acme:"),
                    store("acme-ng", "jdbc:acme:")));

    assertThat(e.problems())
        .containsExactly(
            "tally.store is not set and several StoreProviders take tally.jdbc.url"
                + " ('jdbc:acme:'): acme, acme-ng; set tally.store to the one to use");
  }

  @Test
  void tallyStoreWinsOverTheUrl() {
    TallyConfig config =
        TallyConfig.builder().store("acme-ng").jdbcUrl("jdbc:acme://db/app").build();

    TallyModule module = build(config, store("acme", "jdbc:acme:"), store("acme-ng", "jdbc:acme:"));

    assertThat(module.config()).isSameAs(config);
    assertThat(module.config().store()).isEqualTo("acme-ng");
  }

  @Test
  void withoutStoreOrUrlTheDefaultIsH2() {
    TallyConfig config = TallyConfig.builder().build();

    TallyModule module = build(config, store("h2", "jdbc:h2:"), store("acme", "jdbc:acme:"));

    assertThat(module.config().store()).isEqualTo(TallyConfig.DEFAULT_STORE);
  }
}
