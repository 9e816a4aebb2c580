package io.tally.store.mariadb;

import io.tally.core.connectionlog.ConnectionLogStore;
import io.tally.testkit.ConnectionLogRetentionContract;
import io.tally.testkit.MariaDbDatabase;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import javax.sql.DataSource;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Retention on a real MariaDB: the bounded delete and the GET_LOCK retention lock. */
class MariaDbRetentionTest extends ConnectionLogRetentionContract {
  @RegisterExtension static final MariaDbDatabase db = MariaDbDatabase.create();

  private final DataSource dataSource = db.dataSource();

  @Override
  protected ConnectionLogStore newStore() {
    MariaDbConnectionLogStore store = MariaDbConnectionLogStore.create(dataSource);
    store.migrate();
    return store;
  }

  private String table() {
    return MariaDbConnectionLogStore.create(dataSource).table();
  }

  @Override
  protected void emptyTable() {
    newStore();
    update("DELETE FROM " + table());
  }

  @Override
  protected void insertSessions(int count, Instant first, Duration step) {
    update(
        "INSERT INTO "
            + table()
            + " (id, connect_time, organization_id, workspace_owner_id, workspace_id,"
            + " workspace_name, agent_name, type, connection_id, disconnect_time)"
            + " WITH RECURSIVE seq(x) AS (SELECT 0 UNION ALL SELECT x + 1 FROM seq WHERE x < ? - 1)"
            + " SELECT UUID(), t, UUID(), UUID(), UUID(), 'ws', 'main', 'ssh', UUID(),"
            + " CASE WHEN MOD(x, 2) = 1 THEN t + INTERVAL 1 SECOND END"
            + " FROM (SELECT x, ? + INTERVAL (x * ?) MICROSECOND AS t FROM seq) s",
        count,
        LocalDateTime.ofInstant(first, ZoneOffset.UTC),
        step.toNanos() / 1_000);
  }

  @Override
  protected long countRows() {
    return count("SELECT count(*) FROM " + table());
  }

  @Override
  protected long countConnectedSince(Instant cutoff) {
    return count(
        "SELECT count(*) FROM " + table() + " WHERE connect_time >= ?",
        LocalDateTime.ofInstant(cutoff, ZoneOffset.UTC));
  }

  private long count(String sql, Object... args) {
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps = prepare(c, sql, args);
        ResultSet rs = ps.executeQuery()) {
      rs.next();
      return rs.getLong(1);
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  private void update(String sql, Object... args) {
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps = prepare(c, sql, args)) {
      try (PreparedStatement deep = c.prepareStatement("SET max_recursive_iterations = 1000000")) {
        deep.execute(); // the generated rows come from a recursive CTE
      }
      ps.executeUpdate();
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  private static PreparedStatement prepare(Connection c, String sql, Object... args)
      throws SQLException {
    PreparedStatement ps = c.prepareStatement(sql);
    for (int i = 0; i < args.length; i++) {
      ps.setObject(i + 1, args[i]);
    }
    return ps;
  }
}
