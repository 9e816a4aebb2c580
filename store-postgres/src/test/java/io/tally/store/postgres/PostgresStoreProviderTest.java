package io.tally.store.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.tally.core.ConfigException;
import io.tally.core.TallyConfig;
import io.tally.core.spi.ProviderContext;
import io.tally.testkit.ManualClock;
import org.junit.jupiter.api.Test;

class PostgresStoreProviderTest {
  private final ManualClock clock = ManualClock.create();

  private ConfigException refused(String url) {
    TallyConfig config = TallyConfig.builder().store("postgres").jdbcUrl(url).build();
    return catchThrowableOfType(
        ConfigException.class,
        () -> new PostgresStoreProvider().open(ProviderContext.of(config, null, clock)));
  }

  @Test
  void refusesAUrlOfAnotherDatabaseWithoutShowingIt() {
    assertThat(refused("jdbc:h2:mem:x;PASSWORD=hunter2").problems())
        .containsExactly(
            "tally.jdbc.url must start with jdbc:postgresql: for the postgres store (it starts"
                + " with jdbc:h2:; set tally.store to the store of that database)");
  }

  @Test
  void refusesUserInformationWhichTheDriverWouldQuote() {
    assertThat(refused("jdbc:postgresql://bob:hunter2@127.0.0.1/db").problems())
        .containsExactly(
            "tally.jdbc.url must not hold user information (user:password@) for the postgres"
                + " store; set tally.jdbc.user and tally.jdbc.password");
  }

  @Test
  void refusesAUrlTheDriverDoesNotAccept() {
    assertThat(refused("jdbc:postgresql://127.0.0.1:99999/db?password=hunter2").problems())
        .containsExactly(
            "tally.jdbc.url is not a URL the PostgreSQL driver accepts for the postgres store"
                + " (jdbc:postgresql://host[:port]/database[?parameters])");
  }
}
