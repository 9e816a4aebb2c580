package io.tally.store.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import io.tally.core.Clock;
import io.tally.core.Tally;
import io.tally.core.TallyConfig;
import io.tally.core.connectionlog.ConnectionLogStore;
import io.tally.testkit.JdbcConnectionLogRetentionContract;
import io.tally.testkit.ManualClock;
import io.tally.testkit.PostgresDatabase;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Retention on PostgreSQL, and the plan of its delete. */
class PostgresRetentionTest extends JdbcConnectionLogRetentionContract {
  @RegisterExtension static final PostgresDatabase pg = PostgresDatabase.create();

  @Override
  protected DataSource dataSource() {
    return pg.dataSource();
  }

  @Override
  protected ConnectionLogStore newStore() {
    PostgresConnectionLogStore store = new PostgresConnectionLogStore(pg.dataSource());
    store.migrate();
    return store;
  }

  @Override
  protected String table() {
    return new PostgresConnectionLogStore(pg.dataSource()).table();
  }

  @Override
  protected void emptyTable() {
    newStore();
    sql().execute("TRUNCATE " + table());
  }

  @Override
  protected void insertSessions(int count, Instant first, Duration step) {
    sql()
        .update(
            insertSessionsInto()
                + " SELECT gen_random_uuid(), t, gen_random_uuid(), gen_random_uuid(),"
                + " gen_random_uuid(), 'ws', 'main', 'ssh', gen_random_uuid(),"
                + " CASE WHEN g % 2 = 1 THEN t + interval '1 second' END"
                + " FROM generate_series(0, ? - 1) g,"
                + " LATERAL (SELECT ?::timestamptz + g * ? * interval '1 microsecond' AS t) x",
            count,
            first,
            step.toNanos() / 1_000);
  }

  @Test
  void theDeleteWalksTheConnectTimeIndex() throws SQLException {
    Instant now = Instant.parse("2026-01-01T00:00:00Z");
    insertSessions(100_000, now.minus(Duration.ofDays(180)), Duration.ofSeconds(150));
    sql().execute("ANALYZE " + table());
    List<String> plan = new ArrayList<>();
    try (Connection c = pg.dataSource().getConnection();
        PreparedStatement ps =
            c.prepareStatement("EXPLAIN " + PostgresConnectionLogStore.deleteSql(table()))) {
      ps.setString(1, now.minus(Duration.ofDays(90)).truncatedTo(ChronoUnit.MICROS).toString());
      ps.setInt(2, 10_000);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          plan.add(rs.getString(1));
        }
      }
    }
    String text = String.join("\n", plan);
    assertThat(text)
        .as("plan:%n%s", text)
        .containsPattern("Index Scan( Backward)? using " + table() + "_connect_time_idx")
        .contains("LockRows")
        .doesNotContain("Seq Scan");
  }

  @Test
  void aBatchSkipsRowsAnOpenUpsertHoldsInsteadOfWaitingForIt() throws SQLException {
    Instant now = Instant.parse("2026-01-01T00:00:00Z");
    insertSessions(10, now.minus(Duration.ofDays(100)), Duration.ofSeconds(1));
    ConnectionLogStore store = newStore();
    try (Connection writer = pg.dataSource().getConnection()) {
      writer.setAutoCommit(false);
      try (Statement s = writer.createStatement()) {
        assertThat(
                s.executeUpdate(
                    "UPDATE "
                        + table()
                        + " SET disconnect_reason = 'held' WHERE id ="
                        + " (SELECT id FROM "
                        + table()
                        + " ORDER BY connect_time LIMIT 1)"))
            .isEqualTo(1);
      }

      // the oldest row is locked by the open transaction: the delete skips it, it does not wait
      assertThat(store.deleteOlderThan(now, 100)).isEqualTo(9);
      assertThat(countRows()).isEqualTo(1);

      writer.commit();
      assertThat(store.deleteOlderThan(now, 100)).isEqualTo(1);
      assertThat(countRows()).isZero();
    }
  }

  @Test
  void tallyStartsRetentionWhenItsKeyIsSet() {
    ManualClock clock = ManualClock.create();
    insertSessions(3, clock.now().minus(Duration.ofDays(10)), Duration.ofSeconds(1));
    insertSessions(2, clock.now().minus(Duration.ofDays(1)), Duration.ofSeconds(1));
    TallyConfig.Builder config =
        TallyConfig.builder()
            .store("postgres")
            .backends()
            .jdbcUrl(pg.jdbcUrl())
            .jdbcUser(pg.user())
            .poolSize(2)
            .connectionLogRetention(Duration.ofDays(7));
    if (!pg.password().isEmpty()) {
      config.jdbcPassword(pg.password());
    }
    try (Tally tally =
        Tally.start(config.build(), binder -> binder.bind(Clock.class).toInstance(clock))) {
      clock.advance(Duration.ofMinutes(10));

      assertThat(countRows()).isEqualTo(2);
      assertThat(tally.stats())
          .filteredOn(s -> s.component().equals("connection-log-retention"))
          .singleElement()
          .satisfies(s -> assertThat(s.flushedRows()).isEqualTo(3));
    }
  }
}
