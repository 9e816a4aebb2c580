package io.tally.store.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import io.tally.core.ComponentStats;
import io.tally.core.batch.Batcher;
import io.tally.core.connectionlog.ConnectionEvent;
import io.tally.core.connectionlog.ConnectionEvents;
import io.tally.core.connectionlog.ConnectionType;
import io.tally.testkit.ConnectionLogRow;
import io.tally.testkit.ConservationCheck;
import io.tally.testkit.ManualClock;
import io.tally.testkit.PostgresDatabase;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The whole pipeline against a real PostgreSQL: batchers, coalescing and the unnest upsert. */
class ConnectionLogPipelineTest {
  @RegisterExtension static final PostgresDatabase pg = PostgresDatabase.create();
  @RegisterExtension final ConservationCheck conservation = ConservationCheck.create();

  private static final Instant T0 = ManualClock.DEFAULT_START;
  private final ManualClock clock = ManualClock.create();
  private PostgresConnectionLogStore store;

  @BeforeEach
  void freshTable() throws SQLException {
    store = new PostgresConnectionLogStore(pg.dataSource());
    store.migrate();
    try (Connection c = pg.dataSource().getConnection();
        Statement s = c.createStatement()) {
      s.execute("TRUNCATE " + store.table());
    }
  }

  private Batcher<ConnectionEvent> batcher() {
    return conservation.watch(
        Batcher.builder(store)
            .coalescing(ConnectionEvents.coalescing())
            .clock(clock)
            // generous real-time bounds: a busy 2-core machine may stall the database for seconds
            .writeTimeout(Duration.ofSeconds(60))
            .flushTimeout(Duration.ofSeconds(60))
            .shutdownTimeout(Duration.ofSeconds(60))
            .build());
  }

  private static ConnectionEvent.Builder session(UUID workspace) {
    return ConnectionEvent.builder()
        .organizationId(workspace)
        .workspaceOwnerId(workspace)
        .workspaceId(workspace)
        .workspaceName("ws")
        .agentName("main")
        .type(ConnectionType.SSH)
        .ip("192.168.0.1")
        .connectionId(UUID.randomUUID());
  }

  /** What the table must hold for one session (the row id depends on batch boundaries). */
  private record Session(UUID connectionId, Instant connect, Instant disconnect, String reason) {
    static Session of(ConnectionLogRow r) {
      return new Session(
          r.connectionId(), r.connectTime(), r.disconnectTime(), r.disconnectReason());
    }
  }

  @Test
  void eightWritersOfTenThousandEventsEachEndInExactlyTheExpectedSessions() throws Exception {
    int writers = 8;
    int eventsPerWriter = 10_000;
    Batcher<ConnectionEvent> batcher = batcher();
    UUID workspace = UUID.randomUUID();
    List<List<ConnectionEvent>> perWriter = new ArrayList<>();
    Map<UUID, Session> expected = new HashMap<>();
    Random random = new Random(42);
    for (int w = 0; w < writers; w++) {
      List<ConnectionEvent> events = new ArrayList<>();
      for (int i = 0; i < eventsPerWriter / 2; i++) {
        ConnectionEvent.Builder s = session(workspace);
        Instant connect = T0.plusMillis(random.nextInt(3_600_000));
        Instant disconnect = connect.plusMillis(1 + random.nextInt(600_000));
        ConnectionEvent c = s.connect(connect);
        ConnectionEvent d = s.disconnectReason("r" + i).disconnect(disconnect);
        events.add(c);
        events.add(d);
        expected.put(c.connectionId(), new Session(c.connectionId(), connect, disconnect, "r" + i));
      }
      Collections.shuffle(events, random); // disconnects often arrive before their connects
      perWriter.add(events);
    }
    ExecutorService pool = Executors.newFixedThreadPool(writers);
    CountDownLatch start = new CountDownLatch(1);
    try (batcher) { // closed also when a writer fails, so the next test finds no running batcher
      List<Future<?>> done = new ArrayList<>();
      for (List<ConnectionEvent> events : perWriter) {
        done.add(
            pool.submit(
                () -> {
                  assertThat(start.await(10, TimeUnit.SECONDS)).isTrue();
                  events.forEach(batcher::write);
                  return null;
                }));
      }
      start.countDown();
      for (Future<?> f : done) {
        f.get(120, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }

    ComponentStats stats = batcher.stats();
    assertThat(stats.accepted()).isEqualTo((long) writers * eventsPerWriter);
    assertThat(stats.droppedTotal()).isZero();
    assertThat(stats.pending()).isZero();
    List<ConnectionLogRow> rows = ConnectionLogRow.readAll(pg.dataSource(), store.table());
    assertThat(rows).hasSize(expected.size());
    Map<UUID, Session> actual = new HashMap<>();
    rows.forEach(r -> actual.put(r.connectionId(), Session.of(r)));
    assertThat(actual).isEqualTo(expected);
  }

  @Test
  void connectFromOneBatcherAndDisconnectFromAnotherMakeOneRow() {
    ConnectionEvent.Builder s = session(UUID.randomUUID());
    ConnectionEvent c = s.connect(T0);
    ConnectionEvent d = s.disconnectReason("bye").code(0).disconnect(T0.plusSeconds(42));
    try (Batcher<ConnectionEvent> first = batcher()) {
      first.write(c);
    }
    try (Batcher<ConnectionEvent> second = batcher()) {
      second.write(d);
    }
    assertThat(ConnectionLogRow.readAll(pg.dataSource(), store.table()))
        .containsExactly(ConnectionLogRow.of(c).withSession(T0, T0.plusSeconds(42), "bye", 0));
  }

  @Test
  void disconnectFromOneBatcherThenEarlierConnectFromAnotherMakeOneRow() {
    ConnectionEvent.Builder s = session(UUID.randomUUID());
    ConnectionEvent d = s.disconnectReason("bye").disconnect(T0.plusSeconds(42));
    ConnectionEvent c = s.disconnectReason(null).connect(T0);
    try (Batcher<ConnectionEvent> first = batcher()) {
      first.write(d);
    }
    try (Batcher<ConnectionEvent> second = batcher()) {
      second.write(c);
    }
    assertThat(ConnectionLogRow.readAll(pg.dataSource(), store.table()))
        .containsExactly(ConnectionLogRow.of(d).withSession(T0, T0.plusSeconds(42), "bye", null));
  }
}
