package io.tally.examples.wiring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import com.google.inject.Module;
import io.tally.backend.slog.SlogBackendProvider;
import io.tally.core.Clock;
import io.tally.core.ComponentStats;
import io.tally.core.Health;
import io.tally.core.InputRules;
import io.tally.core.Tally;
import io.tally.core.TallyConfig;
import io.tally.core.TallyModule;
import io.tally.core.connectionlog.ConnectionEvent;
import io.tally.core.connectionlog.ConnectionType;
import io.tally.testkit.ConnectionLogRow;
import io.tally.testkit.ManualClock;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.slf4j.event.KeyValuePair;

/**
 * Starts Tally through Guice on a real database with backends {@code db,slog}, writes connection
 * events, marks usage and tracks statistics, closes it, then checks the rows in the database and
 * the structured log lines. Subclasses choose the database.
 */
abstract class AbstractTallyEndToEndTest {
  static final UUID REPLICA = UUID.fromString("7a3c0000-0000-4000-8000-000000000001");
  static final UUID ORG = UUID.fromString("7a3c0000-0000-4000-8000-000000000002");
  static final UUID WS1 = UUID.fromString("7a3c0000-0000-4000-8000-000000000011");
  static final UUID WS2 = UUID.fromString("7a3c0000-0000-4000-8000-000000000012");
  static final UUID USER = UUID.fromString("7a3c0000-0000-4000-8000-000000000021");
  static final UUID C1 = UUID.fromString("7a3c0000-0000-4000-8000-0000000000c1");
  static final UUID C2 = UUID.fromString("7a3c0000-0000-4000-8000-0000000000c2");

  final ManualClock clock = ManualClock.create();

  /**
   * @return the settings that choose and reach the database, on top of the common ones
   */
  abstract TallyConfig.Builder database(TallyConfig.Builder config);

  /**
   * @return the module to start Tally from
   */
  TallyModule module(TallyConfig config) {
    return TallyModule.create(config);
  }

  /**
   * @return the database to check, reachable after Tally closed
   */
  abstract DataSource dataSource();

  /**
   * @return the table prefix this test uses
   */
  abstract String prefix();

  private static ConnectionEvent.Builder session(UUID connection, UUID workspace) {
    return ConnectionEvent.builder()
        .organizationId(ORG)
        .workspaceOwnerId(USER)
        .workspaceId(workspace)
        .workspaceName("ws-" + workspace.toString().substring(34))
        .agentName("main")
        .type(ConnectionType.SSH)
        .ip("10.0.0.7")
        .userAgent("ssh/9.6")
        .userId(USER)
        .connectionId(connection);
  }

  @Test
  void writesEveryComponentsDataToTheDatabaseAndTheLog() {
    String loggerName = "test.connection_log." + prefix();
    TallyConfig config =
        database(
                TallyConfig.builder()
                    .backends("db", "slog")
                    .replicaId(REPLICA)
                    .tablePrefix(prefix())
                    .set(SlogBackendProvider.LOGGER, loggerName)
                    .set(SlogBackendProvider.REDACTED_FIELDS, List.of("ip")))
            .build();
    Module manualClock = binder -> binder.bind(Clock.class).toInstance(clock);
    Instant t0 = clock.now();
    List<ComponentStats> finalStats;

    try (LogCapture log = LogCapture.of(loggerName, Level.INFO);
        LogCapture tallyLog = LogCapture.of(Tally.class.getName(), Level.INFO)) {
      Tally tally = Tally.start(module(config), manualClock);
      try {
        tally.connectionLog().write(session(C1, WS1).connect(t0));
        tally.connectionLog().write(session(C2, WS2).connect(t0.plusSeconds(1)));
        tally
            .connectionLog()
            .write(session(C1, WS1).disconnectReason("bye").disconnect(t0.plusSeconds(90)));
        tally.lastUsed().markUsed(WS1, t0.plusSeconds(30));
        tally.lastUsed().markUsed(WS2, t0.plusSeconds(40));
        tally.lastUsed().markUsed(WS1, t0.plusSeconds(50));
        tally.usageStats().track(WS1, USER, 5, 2);
        tally.usageStats().track(WS2, USER, 1, 0);
        assertThat(tally.health()).isEqualTo(Health.HEALTHY);
      } finally {
        tally.close(); // final flush of every component, then the stores close
      }
      finalStats = tally.stats();

      assertThat(log.events())
          .extracting(
              ILoggingEvent::getMessage,
              e -> kv(e).get("connection_id"),
              e -> kv(e).get("connection_status"),
              e -> kv(e).get("ip"))
          .containsExactly(
              tuple("connection_log", C1.toString(), "connected", "[redacted]"),
              tuple("connection_log", C2.toString(), "connected", "[redacted]"),
              tuple("connection_log", C1.toString(), "disconnected", "[redacted]"));
      assertThat(log.events()).allMatch(e -> e.getLevel() == Level.INFO);
      assertThat(tallyLog.events())
          .extracting(ILoggingEvent::getFormattedMessage)
          .anyMatch(m -> m.startsWith("Tally starting: replica " + REPLICA))
          .noneMatch(m -> m.contains("secret-password"));
    }

    assertThat(connectionLog())
        .extracting(
            ConnectionLogRow::connectionId,
            ConnectionLogRow::connectTime,
            ConnectionLogRow::disconnectTime,
            ConnectionLogRow::disconnectReason)
        .containsExactly(
            tuple(C1, t0, t0.plusSeconds(90), "bye"), tuple(C2, t0.plusSeconds(1), null, null));
    assertThat(lastUsed())
        .containsExactly(Map.entry(WS1, t0.plusSeconds(50)), Map.entry(WS2, t0.plusSeconds(40)));
    assertThat(usageStats()).containsExactly(List.of(REPLICA.toString(), 2L, 1L, 6L, 2L));
    assertThat(finalStats)
        .extracting(ComponentStats::component)
        .containsExactly("connection-log", "last-used", "usage-stats", "usage-reporter");
    assertThat(finalStats.subList(0, 2))
        .extracting(
            ComponentStats::accepted,
            ComponentStats::flushedRows,
            ComponentStats::coalesced,
            ComponentStats::pending,
            ComponentStats::droppedTotal)
        .containsExactly(tuple(3L, 2L, 1L, 0L, 0L), tuple(3L, 2L, 1L, 0L, 0L));
    assertThat(finalStats.get(2).accepted()).isEqualTo(2);
    assertThat(finalStats.get(2).pending()).isZero();
    assertThat(finalStats.get(2).droppedTotal()).isZero();
  }

  @Test
  void aTruncatedUserAgentIsStoredCutToItsLimitAndCountedInTheConnectionLogsStats() {
    TallyConfig config =
        database(TallyConfig.builder().replicaId(REPLICA).tablePrefix(prefix())).build();
    Module manualClock = binder -> binder.bind(Clock.class).toInstance(clock);
    String userAgent = "Mozilla/5.0 " + "x".repeat(5000 - 12);
    UUID c3 = UUID.randomUUID(); // this class's tables may hold the other test's rows
    UUID c4 = UUID.randomUUID();
    Tally tally = Tally.start(module(config), manualClock);
    try {
      tally.connectionLog().write(session(c3, WS1).userAgent(userAgent).connect(clock.now()));
      tally.connectionLog().write(session(c4, WS2).connect(clock.now()));
    } finally {
      tally.close();
    }
    ComponentStats log = tally.stats().get(0);
    assertThat(log.component()).isEqualTo("connection-log");
    assertThat(log.truncated()).isEqualTo(1);
    assertThat(log.flushedRows()).isEqualTo(2);
    assertThat(tally.stats().subList(1, tally.stats().size()))
        .extracting(ComponentStats::truncated)
        .containsOnly(0L);
    Map<UUID, String> stored = new LinkedHashMap<>();
    for (ConnectionLogRow row : connectionLog()) {
      stored.put(row.connectionId(), row.userAgent());
    }
    assertThat(stored.get(c4)).isEqualTo("ssh/9.6");
    assertThat(stored.get(c3))
        .hasSize(InputRules.MAX_USER_AGENT_LENGTH)
        .isEqualTo(userAgent.substring(0, InputRules.MAX_USER_AGENT_LENGTH));
  }

  private static Map<String, Object> kv(ILoggingEvent e) {
    Map<String, Object> out = new LinkedHashMap<>();
    if (e.getKeyValuePairs() != null) {
      for (KeyValuePair p : e.getKeyValuePairs()) {
        out.put(p.key, p.value);
      }
    }
    return out;
  }

  List<ConnectionLogRow> connectionLog() {
    return ConnectionLogRow.readAll(dataSource(), prefix() + "connection_log");
  }

  Map<UUID, Instant> lastUsed() {
    Map<UUID, Instant> out = new LinkedHashMap<>();
    query(
        "SELECT id, last_used_at FROM " + prefix() + "last_used ORDER BY id",
        rs ->
            out.put(
                UUID.fromString(rs.getString(1)),
                rs.getObject(2, OffsetDateTime.class).toInstant()));
    return out;
  }

  List<List<Object>> usageStats() {
    List<List<Object>> out = new ArrayList<>();
    query(
        "SELECT replica_id, unique_workspaces, unique_users, allowed_requests, denied_requests FROM "
            + prefix()
            + "usage_stats",
        rs ->
            out.add(
                List.of(
                    rs.getString(1), rs.getLong(2), rs.getLong(3), rs.getLong(4), rs.getLong(5))));
    return out;
  }

  interface Row {
    void read(ResultSet rs) throws SQLException;
  }

  void query(String sql, Row row) {
    try (Connection c = dataSource().getConnection();
        PreparedStatement ps = c.prepareStatement(sql);
        ResultSet rs = ps.executeQuery()) {
      while (rs.next()) {
        row.read(rs);
      }
    } catch (SQLException e) {
      throw new AssertionError(sql, e);
    }
  }
}
