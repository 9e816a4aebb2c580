package io.tally.store.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.google.inject.Module;
import io.tally.core.Clock;
import io.tally.core.FlushResult;
import io.tally.core.StoreException;
import io.tally.core.Tally;
import io.tally.core.TallyConfig;
import io.tally.core.TallyModule;
import io.tally.testkit.Await;
import io.tally.testkit.ManualClock;
import io.tally.testkit.PostgresDatabase;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Starting while the database is down (a failover during a rolling deploy): by default the start
 * fails at once with a clear error; with {@code tally.start.require-database=false} Tally starts,
 * keeps what it is given, and migrates and writes once the database answers.
 */
class PostgresStartWithoutDatabaseTest {
  @RegisterExtension static final PostgresDatabase pg = PostgresDatabase.create();

  private final ManualClock clock = ManualClock.create();
  private final Module manualClock = binder -> binder.bind(Clock.class).toInstance(clock);

  private TallyConfig config(SilentProxy proxy, boolean requireDatabase) {
    TallyConfig.Builder b =
        TallyConfig.builder()
            .jdbcUrl(proxy.url(pg))
            .jdbcUser(pg.user())
            .backends()
            .lastUsedFlushTimeout(Duration.ofSeconds(5))
            .set("tally.start.require-database", String.valueOf(requireDatabase));
    if (!pg.password().isEmpty()) {
      b.jdbcPassword(pg.password());
    }
    return b.build();
  }

  private Tally start(TallyConfig config) {
    return Tally.start(
        TallyModule.builder(config).storeProvider(new PostgresStoreProvider()).build(),
        manualClock);
  }

  @Test
  void byDefaultTheStartFailsAtOnce() throws Exception {
    try (SilentProxy proxy = SilentProxy.toServerOf(pg)) {
      proxy.refuseNewConnections(true);
      Throwable thrown = catchThrowable(() -> start(config(proxy, true)).close());
      assertThat(thrown)
          .isInstanceOf(StoreException.class)
          .hasMessage("cannot open the PostgreSQL pool (see tally.jdbc.*)");
    }
  }

  @Test
  void withoutRequiringTheDatabaseItStartsBuffersAndMigratesWhenTheDatabaseAnswers()
      throws Exception {
    try (SilentProxy proxy = SilentProxy.toServerOf(pg)) {
      proxy.refuseNewConnections(true);
      try (Tally tally = start(config(proxy, false))) {
        UUID id = UUID.randomUUID();
        tally.lastUsed().markUsed(id);
        FlushResult down = tally.lastUsed().flush();
        assertThat(down.isSuccess()).as("%s", down).isFalse();

        // The pool reconnects with its own back-off (at most half its connection timeout).
        proxy.refuseNewConnections(false);
        Await.until(
            "a flush succeeds once the database answers",
            Duration.ofSeconds(60),
            () -> tally.lastUsed().flush().isSuccess());
        try (Connection c = pg.dataSource().getConnection();
            PreparedStatement ps =
                c.prepareStatement("SELECT count(*) FROM tally_last_used WHERE id = ?")) {
          ps.setString(1, id.toString());
          try (ResultSet rs = ps.executeQuery()) {
            rs.next();
            assertThat(rs.getInt(1)).isEqualTo(1);
          }
        }
      }
    }
  }
}
