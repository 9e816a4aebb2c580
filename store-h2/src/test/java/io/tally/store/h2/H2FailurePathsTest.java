package io.tally.store.h2;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.tally.core.StoreException;
import io.tally.core.connectionlog.ConnectionEvent;
import io.tally.core.connectionlog.ConnectionType;
import io.tally.core.usagestats.UsageFlush;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import javax.sql.DataSource;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.Test;

/** What the H2 stores throw when the database fails, and what they keep out of the message. */
class H2FailurePathsTest {
  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

  private static JdbcDataSource h2() {
    JdbcDataSource ds = new JdbcDataSource();
    ds.setURL("jdbc:h2:mem:failures-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1");
    return ds;
  }

  /** A data source whose connections fail to roll back and to restore auto-commit. */
  private static DataSource brokenRollback(DataSource real) {
    return (DataSource)
        Proxy.newProxyInstance(
            H2FailurePathsTest.class.getClassLoader(),
            new Class<?>[] {DataSource.class},
            (proxy, method, args) -> {
              Object result = invoke(method, real, args);
              if (method.getName().equals("getConnection")) {
                return brokenRollback((Connection) result);
              }
              return result;
            });
  }

  private static Connection brokenRollback(Connection real) {
    return (Connection)
        Proxy.newProxyInstance(
            H2FailurePathsTest.class.getClassLoader(),
            new Class<?>[] {Connection.class},
            (proxy, method, args) -> {
              if (method.getName().equals("rollback") && args == null) {
                throw new SQLException("rollback failed");
              }
              if (method.getName().equals("setAutoCommit") && Boolean.TRUE.equals(args[0])) {
                throw new SQLException("auto-commit reset failed");
              }
              return invoke(method, real, args);
            });
  }

  private static Object invoke(java.lang.reflect.Method method, Object target, Object[] args)
      throws Throwable {
    try {
      return method.invoke(target, args);
    } catch (InvocationTargetException e) {
      throw e.getCause();
    }
  }

  private static ConnectionEvent event() {
    return ConnectionEvent.builder()
        .id(UUID.randomUUID())
        .organizationId(UUID.randomUUID())
        .workspaceOwnerId(UUID.randomUUID())
        .workspaceId(UUID.randomUUID())
        .workspaceName("dev")
        .agentName("main")
        .type(ConnectionType.SSH)
        .connectionId(UUID.randomUUID())
        .connect(T0);
  }

  @Test
  void aFailingRollbackNeverReplacesTheOriginalFailure() {
    // no migrate(): the MERGE fails because the table does not exist
    H2ConnectionLogStore store = new H2ConnectionLogStore(brokenRollback(h2()));
    Throwable e = catchThrowable(() -> store.upsertBatch(List.of(event())));
    assertThat(e).isInstanceOf(StoreException.class);
    assertThat(e.getCause()).isInstanceOf(SQLException.class);
    SQLException cause = (SQLException) e.getCause();
    assertThat(cause.getMessage()).doesNotContain("rollback failed");
    assertThat(cause.getSQLState()).isEqualTo("42S04"); // table not found (empty database)
    assertThat(cause.getSuppressed())
        .extracting(Throwable::getMessage)
        .containsExactly("rollback failed", "auto-commit reset failed");
  }

  @Test
  void messagesNameTheTableAndSqlStateButNeverCopyTheDriversMessage() {
    JdbcDataSource ds = h2(); // nothing migrated: every statement fails
    assertThatThrownBy(() -> new H2ConnectionLogStore(ds).upsertBatch(List.of(event())))
        .isInstanceOf(StoreException.class)
        .hasMessage(
            "upserting 1 connection-log rows into table tally_connection_log failed"
                + " (SQLState 42S04)")
        .hasCauseInstanceOf(SQLException.class);
    H2UsageStatsStore stats = new H2UsageStatsStore(ds);
    UUID replica = new UUID(0, 7);
    UsageFlush flush =
        new UsageFlush(replica, new UUID(0, 8), 1, Set.of(), Set.of(), 0, 0, 1, 0, T0);
    assertThatThrownBy(() -> stats.flush(flush))
        .isInstanceOf(StoreException.class)
        .hasMessage(
            "flushing usage stats of replica "
                + replica
                + " into table tally_usage_stats failed (SQLState 42S04)");
    assertThatThrownBy(() -> stats.collectAndReset(T0, Duration.ofMinutes(30), T0, "me"))
        .isInstanceOf(StoreException.class)
        .hasMessage(
            "collecting usage stats for the period ending "
                + T0
                + " from table tally_usage_stats failed (SQLState 42S04)");
    assertThatThrownBy(stats::replicaUsage)
        .isInstanceOf(StoreException.class)
        .hasMessage("reading usage stats from table tally_usage_stats failed (SQLState 42S04)");
  }
}
