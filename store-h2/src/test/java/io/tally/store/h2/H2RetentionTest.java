package io.tally.store.h2;

import io.tally.core.connectionlog.ConnectionLogStore;
import io.tally.testkit.ConnectionLogRetentionContract;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.UUID;
import org.h2.jdbcx.JdbcDataSource;

/** Retention on H2 (one database shared by every replica of the test, as in one JVM). */
class H2RetentionTest extends ConnectionLogRetentionContract {
  private final JdbcDataSource dataSource = new JdbcDataSource();

  H2RetentionTest() {
    dataSource.setURL("jdbc:h2:mem:retention-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1");
  }

  @Override
  protected ConnectionLogStore newStore() {
    H2ConnectionLogStore store = new H2ConnectionLogStore(dataSource);
    store.migrate();
    return store;
  }

  private String table() {
    return new H2ConnectionLogStore(dataSource).table();
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
            + " DIRECT SELECT RANDOM_UUID(), t, RANDOM_UUID(), RANDOM_UUID(), RANDOM_UUID(), 'ws', 'main',"
            + " 'ssh', RANDOM_UUID(), CASE WHEN MOD(x, 2) = 1 THEN DATEADD(SECOND, 1, t) END"
            + " FROM (SELECT X AS x, DATEADD(MICROSECOND, X * CAST(? AS BIGINT), CAST(? AS"
            + " TIMESTAMP(6) WITH TIME ZONE)) AS t FROM SYSTEM_RANGE(0, ? - 1))",
        step.toNanos() / 1_000,
        OffsetDateTime.ofInstant(first, ZoneOffset.UTC),
        count);
  }

  @Override
  protected long countRows() {
    return count("SELECT count(*) FROM " + table());
  }

  @Override
  protected long countConnectedSince(Instant cutoff) {
    return count(
        "SELECT count(*) FROM " + table() + " WHERE connect_time >= ?",
        OffsetDateTime.ofInstant(cutoff, ZoneOffset.UTC));
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
