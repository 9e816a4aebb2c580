package io.tally.store.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.tally.jdbc.GuardedDataSource;
import io.tally.testkit.PostgresDatabase;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@link GuardedDataSource} on a real PostgreSQL connection. */
class GuardedDataSourceTest {
  @RegisterExtension static final PostgresDatabase pg = PostgresDatabase.create();

  private static String show(Connection c, String setting) throws SQLException {
    try (Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SHOW " + setting)) {
      rs.next();
      return rs.getString(1);
    }
  }

  @Test
  void setsTheNetworkTimeoutAndSessionSettingsWhileLentAndRestoresThem() throws Exception {
    GuardedDataSource guarded =
        GuardedDataSource.builder(pg.dataSource())
            .networkTimeout(Duration.ofMillis(7500))
            .onBorrow("SET lock_timeout = 1234")
            .onReturn("RESET lock_timeout")
            .build();
    assertThat(guarded.networkTimeout()).isEqualTo(Duration.ofMillis(7500));
    Connection lent;
    try (Connection c = guarded.getConnection()) {
      assertThat(c.getNetworkTimeout()).isEqualTo(7500);
      assertThat(show(c, "lock_timeout")).isEqualTo("1234ms");
      lent = c;
    }
    // The fixture pools its connections (reset when handed back): check on the next one that
    // nothing leaked into the session's settings, and that the lent connection reports itself
    // closed.
    assertThat(lent.isClosed()).isTrue();
    try (Connection c = pg.dataSource().getConnection()) {
      assertThat(show(c, "lock_timeout")).isEqualTo("0");
      assertThat(c.getNetworkTimeout()).isZero();
    }
  }

  @Test
  void aFirstUseTaskIsRetriedUntilItSucceedsAndFailsTheBorrowAsAConnectionFailure()
      throws Exception {
    AtomicInteger runs = new AtomicInteger();
    GuardedDataSource guarded =
        GuardedDataSource.builder(pg.dataSource())
            .beforeFirstUse(
                () -> {
                  if (runs.incrementAndGet() == 1) {
                    throw new IllegalStateException("database not there yet");
                  }
                })
            .build();

    SQLException e = catchThrowableOfType(SQLException.class, guarded::getConnection);
    assertThat(e.getSQLState()).isEqualTo("08001");
    assertThat(e.getCause()).hasMessage("database not there yet");

    try (Connection c = guarded.getConnection()) {
      assertThat(c.isValid(5)).isTrue();
    }
    try (Connection c = guarded.getConnection()) {
      assertThat(c.isValid(5)).isTrue();
    }
    assertThat(runs).hasValue(2);
  }

  @Test
  void refusesANegativeOrSubMillisecondTimeout() {
    GuardedDataSource.Builder b = GuardedDataSource.builder(pg.dataSource());
    assertThat(
            catchThrowableOfType(
                IllegalArgumentException.class, () -> b.networkTimeout(Duration.ofMillis(-1))))
        .hasMessage(
            "networkTimeout was PT-0.001S but must be zero (none) or from 1 ms to 2147483647 ms");
    assertThat(
            catchThrowableOfType(
                IllegalArgumentException.class, () -> b.networkTimeout(Duration.ofNanos(5))))
        .hasMessageStartingWith("networkTimeout was PT0.000000005S");
  }
}
