package io.tally.examples.wiring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import io.tally.core.ConfigException;
import io.tally.core.StoreException;
import io.tally.core.Tally;
import io.tally.core.TallyConfig;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Starting Tally with a JDBC URL that holds a password, in several wrong ways: whatever fails,
 * neither the thrown exception nor any log line (on the root logger, every level) shows it.
 */
class StartFailuresHideTheJdbcUrlTest {
  private static final String SECRET = "hunter2";

  @Test
  void aPostgresUrlWithoutTallyStoreIsNotHandedToH2() {
    Failure f =
        start(Map.of("tally.jdbc.url", "jdbc:postgresql://127.0.0.1:1/db?password=hunter2"));

    // the URL's scheme chose the postgres store, which cannot reach port 1
    assertThat(f.thrown)
        .isExactlyInstanceOf(StoreException.class)
        .hasMessage("cannot open the PostgreSQL pool (see tally.jdbc.*)");
    f.assertHidden();
  }

  @Test
  void aPostgresUrlForTheH2StoreIsRefusedByScheme() {
    Failure f =
        start(
            Map.of(
                "tally.store", "h2",
                "tally.jdbc.url", "jdbc:postgresql://127.0.0.1:1/db?password=hunter2"));

    assertThat(((ConfigException) f.thrown).problems())
        .containsExactly(
            "tally.jdbc.url must start with jdbc:h2: for the h2 store (it starts with"
                + " jdbc:postgresql:; set tally.store to the store of that database)");
    f.assertHidden();
  }

  @Test
  void anH2UrlForThePostgresStoreIsRefusedByScheme() {
    Failure f =
        start(
            Map.of(
                "tally.store", "postgres",
                "tally.jdbc.url", "jdbc:h2:mem:x;PASSWORD=hunter2"));

    assertThat(((ConfigException) f.thrown).problems())
        .containsExactly(
            "tally.jdbc.url must start with jdbc:postgresql: for the postgres store (it starts"
                + " with jdbc:h2:; set tally.store to the store of that database)");
    f.assertHidden();
  }

  @Test
  void aMysqlUrlIsTakenByTheMariaDbStoreWhoseFailureHidesIt() {
    Failure f = start(Map.of("tally.jdbc.url", "jdbc:mysql://127.0.0.1:1/db?password=hunter2"));

    // tally-store-mariadb is on this module's class path and accepts jdbc:mysql: URLs
    assertThat(f.thrown)
        .isExactlyInstanceOf(StoreException.class)
        .hasMessageStartingWith("cannot open the MariaDB");
    f.assertHidden();
  }

  @Test
  void aUrlNoStoreTakesIsRefusedWithoutQuotingIt() {
    Failure f = start(Map.of("tally.jdbc.url", "jdbc:sqlserver://127.0.0.1:1;password=hunter2"));

    assertThat(((ConfigException) f.thrown).problems())
        .singleElement(org.assertj.core.api.InstanceOfAssertFactories.STRING)
        .startsWith(
            "tally.store is not set and no StoreProvider takes tally.jdbc.url"
                + " ('jdbc:sqlserver:'); found: h2, mariadb, postgres.");
    f.assertHidden();
  }

  @Test
  void userInformationInAPostgresUrlIsRefused() {
    Failure f = start(Map.of("tally.jdbc.url", "jdbc:postgresql://bob:hunter2@127.0.0.1:1/db"));

    assertThat(((ConfigException) f.thrown).problems())
        .containsExactly(
            "tally.jdbc.url must not hold user information (user:password@) for the postgres"
                + " store; set tally.jdbc.user and tally.jdbc.password");
    f.assertHidden();
  }

  @Test
  void aBadH2UrlFailsAtStartWithoutQuotingIt() {
    // H2 quotes the user information ("hunter2@127.0.0.1:1") in its error: the cause is a copy
    Failure f = start(Map.of("tally.jdbc.url", "jdbc:h2:tcp://bob:hunter2@127.0.0.1:1/db"));

    assertThat(f.thrown)
        .isExactlyInstanceOf(StoreException.class)
        .hasMessage("cannot open the H2 database (see tally.jdbc.*)");
    assertThat(f.thrown.getCause())
        .isExactlyInstanceOf(StoreException.class)
        .hasMessageStartingWith("org.h2.jdbc.JdbcSQLNonTransientException: General error:")
        .hasMessageContaining("****@127.0.0.1:1");
    f.assertHidden();
  }

  @Test
  void aMalformedH2UrlWithAPasswordFailsAtStartWithoutIt() {
    Failure f =
        start(
            Map.of(
                "tally.jdbc.url", "jdbc:h2:tcp:nowhere;PASSWORD=hunter2",
                "tally.jdbc.user", "bob",
                "tally.jdbc.password", SECRET));

    assertThat(f.thrown)
        .isExactlyInstanceOf(StoreException.class)
        .hasMessage("cannot open the H2 database (see tally.jdbc.*)");
    // H2 quotes the URL without its settings: nothing to hide, so its own exception is kept
    assertThat(f.thrown.getCause())
        .isInstanceOf(SQLException.class)
        .hasMessageStartingWith("URL format error;")
        .hasMessageContaining("but is \"jdbc:h2:tcp:nowhere\"");
    f.assertHidden();
  }

  private static Failure start(Map<String, String> settings) {
    try (LogCapture logs = LogCapture.of(org.slf4j.Logger.ROOT_LOGGER_NAME, Level.TRACE)) {
      Throwable thrown = catchThrowable(() -> Tally.start(TallyConfig.from(settings)).close());
      assertThat(thrown).as("Tally.start should have failed").isNotNull();
      return new Failure(thrown, logs.events());
    }
  }

  /** What a failed start threw and logged. */
  private static final class Failure {
    final Throwable thrown;
    final List<ILoggingEvent> events;

    Failure(Throwable thrown, List<ILoggingEvent> events) {
      this.thrown = thrown;
      this.events = events;
    }

    void assertHidden() {
      List<String> texts = new ArrayList<>();
      collect(thrown, texts);
      for (ILoggingEvent e : events) {
        texts.add(e.getFormattedMessage());
        collect(e.getThrowableProxy(), texts);
      }
      assertThat(events)
          .as("the failed start is logged at ERROR")
          .anyMatch(e -> e.getLevel() == Level.ERROR && e.getThrowableProxy() != null);
      assertThat(texts).noneMatch(t -> t != null && t.contains(SECRET));
    }

    private static void collect(Throwable t, List<String> out) {
      if (t == null) {
        return;
      }
      out.add(t.getMessage());
      out.add(t.toString());
      for (Throwable s : t.getSuppressed()) {
        collect(s, out);
      }
      collect(t.getCause(), out);
    }

    private static void collect(IThrowableProxy t, List<String> out) {
      if (t == null) {
        return;
      }
      out.add(t.getMessage());
      for (IThrowableProxy s : t.getSuppressed()) {
        collect(s, out);
      }
      collect(t.getCause(), out);
    }
  }
}
