package io.tally.store.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.tally.core.ConfigException;
import io.tally.core.TallyConfig;
import io.tally.core.spi.ProviderContext;
import io.tally.core.spi.Stores;
import io.tally.testkit.ManualClock;
import io.tally.testkit.PostgresDatabase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class PostgresStoreProviderTest {
  @RegisterExtension static final PostgresDatabase pg = PostgresDatabase.create();

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

  @Test
  void aPoolWhoseStoresCannotBeBuiltIsClosed() {
    HikariConfig hikari = new HikariConfig();
    hikari.setJdbcUrl(pg.jdbcUrl());
    hikari.setUsername(pg.user());
    if (!pg.password().isEmpty()) {
      hikari.setPassword(pg.password());
    }
    hikari.setMaximumPoolSize(1);
    HikariDataSource pool = new HikariDataSource(hikari);
    IllegalStateException failure = new IllegalStateException("stores failed");

    Throwable thrown =
        catchThrowable(
            () ->
                Stores.closingOnFailure(
                    pool,
                    () -> {
                      throw failure;
                    }));

    assertThat(thrown).isSameAs(failure);
    assertThat(pool.isClosed()).isTrue();
  }

  @Test
  void anErrorBuildingTheStoresClosesThePoolTooAndKeepsACloseFailure() {
    OutOfMemoryError error = new OutOfMemoryError("no room for the stores");
    Exception closing = new Exception("close failed");

    Throwable thrown =
        catchThrowable(
            () ->
                Stores.closingOnFailure(
                    () -> {
                      throw closing;
                    },
                    () -> {
                      throw error;
                    }));

    assertThat(thrown).isSameAs(error);
    assertThat(thrown.getSuppressed()).containsExactly(closing);
  }

  @Test
  void aGoodUrlOpensAPoolThatClosingTheStoresCloses() throws Exception {
    TallyConfig.Builder b =
        TallyConfig.builder().jdbcUrl(pg.jdbcUrl()).jdbcUser(pg.user()).poolSize(1);
    if (!pg.password().isEmpty()) {
      b.jdbcPassword(pg.password());
    }
    TallyConfig config = b.build();
    assertThat(new PostgresStoreProvider().acceptsJdbcUrl(pg.jdbcUrl())).isTrue();

    Stores stores = new PostgresStoreProvider().open(ProviderContext.of(config, null, clock));
    stores.close();
  }
}
