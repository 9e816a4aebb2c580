package io.tally.examples.wiring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.tally.core.ConfigException;
import io.tally.core.TallyConfig;
import io.tally.core.TallyModule;
import io.tally.core.spi.ProviderLoader;
import io.tally.store.h2.H2StoreProvider;
import io.tally.store.postgres.PostgresStoreProvider;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * What a newcomer reads when the store cannot be had: a mistyped URL, a store module or a JDBC
 * driver missing from the class path. Each message says what to change, and never shows more of the
 * URL than its scheme.
 */
class StartErrorMessagesTest {
  private static final String BUILT_IN =
      "Built-in stores: postgres (io.tally:tally-store-postgres) takes jdbc:postgresql:;"
          + " h2 (io.tally:tally-store-h2) takes jdbc:h2: or no URL;";

  @Test
  void aMistypedPostgresUrlSaysNoStoreTakesItAndWhatEachStoreTakes() {
    TallyConfig config =
        TallyConfig.from(
            Map.of("tally.jdbc.url", "jdbc:postgres://db.internal/app?user=app&password=s3cret"));

    ConfigException e =
        catchThrowableOfType(ConfigException.class, () -> TallyModule.create(config));

    assertThat(e.problems())
        .singleElement()
        .satisfies(
            m ->
                assertThat(m)
                    .startsWith(
                        "tally.store is not set and no StoreProvider takes tally.jdbc.url"
                            + " ('jdbc:postgres:'); found: h2, mariadb, postgres. Fix the URL (did you mean"
                            + " jdbc:postgresql:?), or set tally.store to the provider that takes"
                            + " it. "
                            + BUILT_IN)
                    .doesNotContain("s3cret")
                    .doesNotContain("db.internal"));
  }

  @Test
  void aMissingStoreModuleNamesTheArtifact() {
    TallyConfig config =
        TallyConfig.from(Map.of("tally.jdbc.url", "jdbc:postgresql://db.internal/app"));

    ConfigException e =
        catchThrowableOfType(
            ConfigException.class,
            () ->
                TallyModule.builder(config)
                    .loader(ProviderLoader.of(new H2StoreProvider()))
                    .backendProvider(new io.tally.examples.jsonl.JsonLinesBackendProvider())
                    .build());

    assertThat(e.problems())
        .first()
        .asString()
        .startsWith(
            "tally.store is not set and no StoreProvider takes tally.jdbc.url"
                + " ('jdbc:postgresql:'); found: h2. The postgres store takes it: add"
                + " io.tally:tally-store-postgres to your dependencies, or set tally.store to the"
                + " provider that takes it. Built-in stores: postgres (io.tally:tally-store-postgres)"
                + " takes")
        .doesNotContain("db.internal");
  }

  @Test
  void aMissingJdbcDriverNamesTheDriverArtifact() {
    TallyConfig config =
        TallyConfig.from(
            Map.of("tally.jdbc.url", "jdbc:postgresql://db.internal/app", "tally.backends", ""));
    ClassLoader withoutDriver =
        new ClassLoader(StartErrorMessagesTest.class.getClassLoader()) {
          @Override
          protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
            if (name.startsWith("org.postgresql.")) {
              throw new ClassNotFoundException(name);
            }
            return super.loadClass(name, resolve);
          }
        };
    Thread thread = Thread.currentThread();
    ClassLoader before = thread.getContextClassLoader();
    thread.setContextClassLoader(withoutDriver);
    ConfigException e;
    try {
      e =
          catchThrowableOfType(
              ConfigException.class,
              () ->
                  TallyModule.builder(config)
                      .loader(ProviderLoader.of(new PostgresStoreProvider()))
                      .build());
    } finally {
      thread.setContextClassLoader(before);
    }

    assertThat(e.problems())
        .containsExactly(
            "the postgres store needs the JDBC driver org.postgresql.Driver, which is not on the"
                + " class path: add org.postgresql:postgresql to your dependencies");
  }
}
