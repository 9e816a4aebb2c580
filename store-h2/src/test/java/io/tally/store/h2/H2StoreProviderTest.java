package io.tally.store.h2;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.tally.core.ConfigException;
import io.tally.core.StoreException;
import io.tally.core.TallyConfig;
import io.tally.core.spi.ProviderContext;
import io.tally.core.spi.Stores;
import io.tally.testkit.ManualClock;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.h2.jdbcx.JdbcConnectionPool;
import org.junit.jupiter.api.Test;

class H2StoreProviderTest {
  private final ManualClock clock = ManualClock.create();

  private Stores open(TallyConfig config) {
    return new H2StoreProvider().open(ProviderContext.of(config, null, clock));
  }

  @Test
  void refusesAUrlOfAnotherDatabaseWithoutShowingIt() {
    ConfigException e =
        catchThrowableOfType(
            ConfigException.class,
            () ->
                open(
                    TallyConfig.builder()
                        .store("h2")
                        .jdbcUrl("jdbc:postgresql://db/app?password=hunter2")
                        .build()));

    assertThat(e.problems())
        .containsExactly(
            "tally.jdbc.url must start with jdbc:h2: for the h2 store (it starts with"
                + " jdbc:postgresql:; set tally.store to the store of that database)");
  }

  @Test
  void aUrlH2CannotOpenFailsAtOnceWithoutItsSecrets() {
    StoreException e =
        catchThrowableOfType(
            StoreException.class,
            () ->
                open(
                    TallyConfig.builder()
                        .jdbcUrl("jdbc:h2:tcp://bob:hunter2@127.0.0.1:1/db")
                        .build()));

    assertThat(e).hasMessage("cannot open the H2 database (see tally.jdbc.*)");
    List<String> messages = new ArrayList<>();
    for (Throwable t = e; t != null; t = t.getCause()) {
      messages.add(t.getMessage());
    }
    assertThat(messages).hasSizeGreaterThan(1).noneMatch(m -> m.contains("hunter2"));
    assertThat(messages.get(1)).startsWith("org.h2.jdbc.").contains("****@127.0.0.1:1");
  }

  @Test
  void aGoodUrlOpensAndCloses() throws Exception {
    String url = "jdbc:h2:mem:provider-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1";
    Stores stores = open(TallyConfig.builder().jdbcUrl(url).build());
    stores.migrate();
    stores.close();
  }

  @Test
  void aPoolWhoseStoresCannotBeBuiltIsDisposed() {
    JdbcConnectionPool pool =
        JdbcConnectionPool.create("jdbc:h2:mem:leak-" + UUID.randomUUID(), "sa", "");
    IllegalStateException failure = new IllegalStateException("stores failed");

    Throwable thrown =
        catchThrowable(
            () ->
                Stores.closingOnFailure(
                    pool::dispose,
                    () -> {
                      throw failure;
                    }));

    assertThat(thrown).isSameAs(failure);
    assertThatThrownBy(pool::getConnection).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void anErrorBuildingTheStoresDisposesOfThePoolToo() {
    AtomicInteger disposed = new AtomicInteger();
    OutOfMemoryError error = new OutOfMemoryError("no room for the stores");

    Throwable thrown =
        catchThrowable(
            () ->
                Stores.closingOnFailure(
                    disposed::incrementAndGet,
                    () -> {
                      throw error;
                    }));

    assertThat(thrown).isSameAs(error);
    assertThat(disposed).hasValue(1);
  }

  @Test
  void aPlainFileUrlIsMovedToTheInterruptSafeChannel() {
    assertThat(H2StoreProvider.safeUrl("jdbc:h2:file:/data/tally;MODE=PostgreSQL"))
        .isEqualTo("jdbc:h2:async:/data/tally;MODE=PostgreSQL");
    assertThat(H2StoreProvider.safeUrl("jdbc:h2:/data/tally"))
        .isEqualTo("jdbc:h2:async:/data/tally");
    assertThat(H2StoreProvider.safeUrl("jdbc:h2:~/tally")).isEqualTo("jdbc:h2:async:~/tally");
    assertThat(H2StoreProvider.safeUrl("jdbc:h2:./tally")).isEqualTo("jdbc:h2:async:./tally");
    assertThat(H2StoreProvider.safeUrl("jdbc:h2:C:/tally")).isEqualTo("jdbc:h2:async:C:/tally");
    for (String same :
        List.of("jdbc:h2:async:/data/tally", "jdbc:h2:mem:x", "jdbc:h2:tcp://host/~/tally")) {
      assertThat(H2StoreProvider.safeUrl(same)).isEqualTo(same);
    }
  }

  @Test
  void anNioUrlIsRefusedWithoutShowingIt() {
    ConfigException e =
        catchThrowableOfType(
            ConfigException.class,
            () ->
                open(TallyConfig.builder().jdbcUrl("jdbc:h2:nio:/secret/path;PASSWORD=x").build()));
    assertThat(e.problems())
        .containsExactly(
            "tally.jdbc.url uses an H2 nio file channel, which an interrupted store call closes"
                + " (killing the database); use jdbc:h2:async:<path>");
  }

  @Test
  void aFileUrlOpensOnTheAsyncChannel(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
      throws Exception {
    String url = "jdbc:h2:file:" + dir.resolve("tally").toAbsolutePath();
    try (Stores stores = open(TallyConfig.builder().jdbcUrl(url).build())) {
      stores.migrate();
      stores.lastUsed().markUsed(java.util.Map.of(UUID.randomUUID(), clock.now()));
    }
  }

  @Test
  void theDefaultInMemoryDatabaseIsLoggedAtWarn() {
    ch.qos.logback.classic.Logger logger =
        (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(H2StoreProvider.class);
    ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> appender =
        new ch.qos.logback.core.read.ListAppender<>();
    appender.start();
    logger.addAppender(appender);
    Stores stores = open(TallyConfig.builder().build());
    try {
      assertThat(appender.list)
          .anySatisfy(
              e -> {
                assertThat(e.getLevel()).isEqualTo(ch.qos.logback.classic.Level.WARN);
                assertThat(e.getFormattedMessage()).contains("in-memory").contains("lost");
              });
    } finally {
      stores.close();
      logger.detachAppender(appender);
    }
  }
}
