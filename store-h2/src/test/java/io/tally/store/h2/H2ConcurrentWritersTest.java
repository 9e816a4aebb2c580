package io.tally.store.h2;

import static org.assertj.core.api.Assertions.assertThat;

import io.tally.core.connectionlog.ConnectionEvent;
import io.tally.core.connectionlog.ConnectionType;
import io.tally.testkit.ConnectionLogRow;
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
import org.h2.jdbcx.JdbcConnectionPool;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Several replicas in one JVM, each with its own pool and store over one H2 database, write the
 * same sessions at once (one replica the connect, another the disconnect), as in the demo. H2's
 * {@code MERGE} alone fails such writers with duplicate keys and lock timeouts; the stores must
 * absorb that and leave exactly one correct row per session.
 */
class H2ConcurrentWritersTest {
  private static final int REPLICAS = 3;
  private static final int SESSIONS = 3_000;
  private static final int BATCH = 200;
  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

  private final String url = "jdbc:h2:mem:writers-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1";
  private final List<JdbcConnectionPool> pools = new ArrayList<>();

  @AfterEach
  void closePools() {
    pools.forEach(JdbcConnectionPool::dispose);
  }

  private static ConnectionEvent.Builder session(UUID connectionId, UUID workspace) {
    return ConnectionEvent.builder()
        .id(UUID.randomUUID())
        .organizationId(workspace)
        .workspaceOwnerId(workspace)
        .workspaceId(workspace)
        .workspaceName("ws")
        .agentName("main")
        .type(ConnectionType.SSH)
        .ip("10.0.0.1")
        .connectionId(connectionId);
  }

  @Test
  void replicasWritingTheSameSessionsAtOnceLeaveOneCorrectRowEach() throws Exception {
    List<ConnectionEvent> all = new ArrayList<>();
    Map<UUID, Instant[]> expected = new HashMap<>();
    for (int i = 0; i < SESSIONS; i++) {
      UUID connectionId = UUID.randomUUID();
      UUID workspace = UUID.randomUUID();
      Instant connect = T0.plusMillis(i);
      Instant disconnect = connect.plusSeconds(30);
      all.add(session(connectionId, workspace).connect(connect));
      all.add(session(connectionId, workspace).disconnect(disconnect));
      expected.put(connectionId, new Instant[] {connect, disconnect});
    }
    Collections.shuffle(all, new Random(7));
    List<List<ConnectionEvent>> perReplica = new ArrayList<>();
    for (int r = 0; r < REPLICAS; r++) {
      perReplica.add(new ArrayList<>());
    }
    for (int i = 0; i < all.size(); i++) {
      perReplica.get(i % REPLICAS).add(all.get(i));
    }

    List<H2ConnectionLogStore> stores = new ArrayList<>();
    for (int r = 0; r < REPLICAS; r++) {
      JdbcConnectionPool pool = JdbcConnectionPool.create(url, "sa", "");
      pools.add(pool);
      H2ConnectionLogStore store = H2ConnectionLogStore.create(pool);
      store.migrate();
      stores.add(store);
    }
    ExecutorService threads = Executors.newFixedThreadPool(REPLICAS);
    CountDownLatch start = new CountDownLatch(1);
    try {
      List<Future<?>> done = new ArrayList<>();
      for (int r = 0; r < REPLICAS; r++) {
        H2ConnectionLogStore store = stores.get(r);
        List<ConnectionEvent> events = perReplica.get(r);
        done.add(
            threads.submit(
                () -> {
                  start.await(10, TimeUnit.SECONDS);
                  for (int i = 0; i < events.size(); i += BATCH) {
                    store.upsertBatch(events.subList(i, Math.min(events.size(), i + BATCH)));
                  }
                  return null;
                }));
      }
      start.countDown();
      for (Future<?> f : done) {
        f.get(60, TimeUnit.SECONDS); // any store failure surfaces here
      }
    } finally {
      threads.shutdownNow();
    }

    List<ConnectionLogRow> rows = ConnectionLogRow.readAll(pools.get(0), stores.get(0).table());
    assertThat(rows).hasSize(SESSIONS);
    for (ConnectionLogRow row : rows) {
      Instant[] times = expected.get(row.connectionId());
      assertThat(row.connectTime()).isEqualTo(times[0]);
      assertThat(row.disconnectTime()).isEqualTo(times[1]);
    }
  }
}
