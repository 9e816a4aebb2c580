package io.tally.store.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tally.core.StoreException;
import io.tally.core.connectionlog.ConnectionEvent;
import io.tally.core.connectionlog.ConnectionType;
import io.tally.core.usagestats.UsageFlush;
import io.tally.testkit.JdbcProxies;
import io.tally.testkit.PostgresDatabase;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** What the PostgreSQL stores leave behind, and throw, when a statement fails. */
class PostgresFailurePathsTest {
  @RegisterExtension static final PostgresDatabase pg = PostgresDatabase.create();

  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

  /**
   * A pool of one connection with auto-commit off (as HikariCP with autoCommit=false): close()
   * hands it back instead of closing it.
   */
  private static final class OneConnectionPool {
    final Connection physical;
    final DataSource dataSource;

    OneConnectionPool() throws SQLException {
      physical = pg.dataSource().getConnection();
      physical.setAutoCommit(false);
      dataSource = JdbcProxies.onePooledConnection(physical);
    }
  }

  private static ConnectionEvent event(UUID connectionId, UUID workspaceId, String agent) {
    return ConnectionEvent.builder()
        .id(UUID.randomUUID())
        .organizationId(UUID.randomUUID())
        .workspaceOwnerId(UUID.randomUUID())
        .workspaceId(workspaceId)
        .workspaceName("dev")
        .agentName(agent)
        .type(ConnectionType.SSH)
        .connectionId(connectionId)
        .connect(T0);
  }

  @Test
  void aFailedUpsertRollsBackSoThePooledConnectionIsUsableAgain() throws Exception {
    OneConnectionPool pool = new OneConnectionPool();
    try {
      // no migrate() for this prefix: the statement fails, aborting the transaction
      PostgresConnectionLogStore store =
          new PostgresConnectionLogStore(
              pool.dataSource, PostgresSchema.withTablePrefix("absent_"));
      assertThatThrownBy(
              () -> store.upsertBatch(List.of(event(UUID.randomUUID(), UUID.randomUUID(), "a"))))
          .isInstanceOf(StoreException.class);
      try (Statement s = pool.physical.createStatement();
          ResultSet rs = s.executeQuery("SELECT 1")) { // fails if left in an aborted transaction
        assertThat(rs.next()).isTrue();
        assertThat(rs.getInt(1)).isEqualTo(1);
      }
    } finally {
      pool.physical.rollback();
      pool.physical.close();
    }
  }

  @Test
  void rowsAreSentInLockOrder() {
    UUID low = new UUID(0, 1);
    UUID high = new UUID(0, 2);
    ConnectionEvent a = event(high, low, "x");
    ConnectionEvent b = event(low, high, "x");
    ConnectionEvent c = event(low, low, "y");
    ConnectionEvent d = event(low, low, "x");
    ConnectionEvent keyless1 = event(null, low, "x");
    ConnectionEvent keyless2 = event(null, low, "x");
    List<ConnectionEvent> expectedKeyless =
        keyless1.id().compareTo(keyless2.id()) < 0
            ? List.of(keyless1, keyless2)
            : List.of(keyless2, keyless1);
    assertThat(PostgresConnectionLogStore.lockOrder(List.of(keyless1, a, keyless2, b, c, d)))
        .containsExactly(d, c, b, a, expectedKeyless.get(0), expectedKeyless.get(1));
  }

  @Test
  void messagesNameTheTableAndSqlStateButNeverCopyTheDriversMessage() {
    PostgresSchema absent = PostgresSchema.withTablePrefix("missing_");
    assertThatThrownBy(
            () ->
                new PostgresConnectionLogStore(pg.dataSource(), absent)
                    .upsertBatch(List.of(event(UUID.randomUUID(), UUID.randomUUID(), "a"))))
        .isInstanceOf(StoreException.class)
        .hasMessage(
            "upserting 1 connection-log rows into table missing_connection_log failed"
                + " (SQLState 42P01)")
        .hasCauseInstanceOf(SQLException.class);
    PostgresUsageStatsStore stats = new PostgresUsageStatsStore(pg.dataSource(), absent);
    UUID replica = new UUID(0, 7);
    UsageFlush flush =
        new UsageFlush(replica, new UUID(0, 8), 1, Set.of(), Set.of(), 0, 0, 1, 0, T0);
    assertThatThrownBy(() -> stats.flush(flush))
        .isInstanceOf(StoreException.class)
        .hasMessage(
            "flushing usage stats of replica "
                + replica
                + " into table missing_usage_stats failed (SQLState 42P01)");
    assertThatThrownBy(stats::replicaUsage)
        .isInstanceOf(StoreException.class)
        .hasMessage("reading usage stats from table missing_usage_stats failed (SQLState 42P01)");
  }
}
