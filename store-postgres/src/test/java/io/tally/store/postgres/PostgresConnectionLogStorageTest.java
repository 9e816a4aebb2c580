package io.tally.store.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import io.tally.core.connectionlog.ConnectionEvent;
import io.tally.core.connectionlog.ConnectionType;
import io.tally.testkit.PostgresDatabase;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The connection-log table's storage (migration V5) and the plans of the queries the reference
 * needs: by time range, and by workspace within a time range.
 */
class PostgresConnectionLogStorageTest {
  @RegisterExtension static final PostgresDatabase pg = PostgresDatabase.create();

  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
  private static final int ROWS = 20_000;
  private static final int WORKSPACES = 500;
  private static PostgresConnectionLogStore store;

  @BeforeAll
  static void fill() throws SQLException {
    store = new PostgresConnectionLogStore(pg.dataSource());
    store.migrate();
    UUID org = new UUID(1, 1);
    List<ConnectionEvent> batch = new ArrayList<>();
    for (int i = 0; i < ROWS; i++) {
      batch.add(
          ConnectionEvent.builder()
              .organizationId(org)
              .workspaceOwnerId(org)
              .workspaceId(new UUID(2, i % WORKSPACES))
              .workspaceName("ws")
              .agentName("main")
              .type(ConnectionType.SSH)
              .connectionId(new UUID(3, i))
              .connect(T0.plusSeconds(i)));
      if (batch.size() == 1000) {
        store.upsertBatch(batch);
        batch.clear();
      }
    }
    try (Connection c = pg.dataSource().getConnection();
        Statement s = c.createStatement()) {
      s.execute("ANALYZE " + store.table());
    }
  }

  @Test
  void theTableLeavesRoomInEachPageForHotDisconnectUpdates() throws SQLException {
    try (Connection c = pg.dataSource().getConnection();
        PreparedStatement ps =
            c.prepareStatement("SELECT reloptions FROM pg_class WHERE oid = ?::regclass")) {
      ps.setString(1, store.table());
      try (ResultSet rs = ps.executeQuery()) {
        assertThat(rs.next()).isTrue();
        assertThat((String[]) rs.getArray(1).getArray()).containsExactly("fillfactor=80");
      }
    }
  }

  @Test
  void aTimeRangeIsReadThroughTheConnectTimeIndex() throws SQLException {
    String plan =
        explain(
            "SELECT * FROM "
                + store.table()
                + " WHERE connect_time >= ? AND connect_time < ?"
                + " ORDER BY connect_time DESC LIMIT 100",
            T0.plusSeconds(10_000),
            T0.plusSeconds(10_600));
    assertThat(plan).contains("Index Scan").contains("connection_log_connect_time_idx");
  }

  @Test
  void aWorkspaceWithinATimeRangeIsReadThroughTheConnectTimeIndex() throws SQLException {
    String plan =
        explain(
            "SELECT * FROM "
                + store.table()
                + " WHERE workspace_id = '"
                + new UUID(2, 7)
                + "' AND connect_time >= ? AND connect_time < ? ORDER BY connect_time DESC",
            T0.plusSeconds(10_000),
            T0.plusSeconds(13_600));
    assertThat(plan).contains("Index Scan").contains("connection_log_connect_time_idx");
  }

  private static String explain(String query, Instant from, Instant to) throws SQLException {
    try (Connection c = pg.dataSource().getConnection();
        PreparedStatement ps = c.prepareStatement("EXPLAIN " + query)) {
      ps.setTimestamp(1, Timestamp.from(from));
      ps.setTimestamp(2, Timestamp.from(to));
      StringBuilder plan = new StringBuilder();
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          plan.append(rs.getString(1)).append('\n');
        }
      }
      return plan.toString();
    }
  }
}
