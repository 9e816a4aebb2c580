package io.tally.backend.nats;

import static org.assertj.core.api.Assertions.assertThat;

import io.nats.client.Connection;
import io.tally.core.Clock;
import io.tally.core.StoreException;
import io.tally.core.connectionlog.ConnectionEvent;
import io.tally.core.connectionlog.ConnectionLogStore;
import io.tally.store.postgres.PostgresConnectionLogStore;
import io.tally.testkit.Await;
import io.tally.testkit.ConnectionLogRow;
import io.tally.testkit.ConservationCheck;
import io.tally.testkit.FaultyStore;
import io.tally.testkit.ManualClock;
import io.tally.testkit.PostgresDatabase;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The stream path end to end against a private nats-server and the real PostgreSQL: publishers, the
 * stream, relays and the database, with the relay, the database and the server failing.
 */
class NatsPipelineTest {
  @RegisterExtension static final NatsServer nats = NatsServer.create();
  @RegisterExtension static final PostgresDatabase pg = PostgresDatabase.create();
  @RegisterExtension final ConservationCheck conservation = ConservationCheck.create();

  private static final AtomicInteger STREAMS = new AtomicInteger();
  private static PostgresConnectionLogStore store;

  @RegisterExtension final Resources resources = new Resources();
  private final ManualClock clock = resources.clock();
  private NatsStream stream;

  @BeforeAll
  static void createTable() {
    store = PostgresConnectionLogStore.create(pg.dataSource());
    store.migrate();
  }

  @BeforeEach
  void freshStreamAndTable() throws SQLException {
    int n = STREAMS.incrementAndGet();
    stream = NatsStream.builder().name("PIPELINE_" + n).subject("pipeline." + n).build();
    try (java.sql.Connection c = pg.dataSource().getConnection();
        Statement s = c.createStatement()) {
      s.execute("TRUNCATE " + store.table());
    }
  }

  private NatsBackend.Builder publisher() {
    return NatsBackend.builder().url(nats.url()).stream(stream)
        .clock(clock)
        .backoff(Duration.ofMillis(50), Duration.ofMillis(500))
        .publishTimeout(Duration.ofSeconds(2))
        .writeTimeout(Duration.ofSeconds(30))
        .shutdownTimeout(Duration.ofSeconds(30));
  }

  private NatsRelay.Builder relay(ConnectionLogStore into) {
    return NatsRelay.builder(into).url(nats.url()).stream(stream)
        .clock(clock)
        .batchSize(200)
        .flushInterval(Duration.ofMillis(100))
        .flushTimeout(Duration.ofSeconds(2))
        .ackWait(Duration.ofSeconds(4))
        .backoff(Duration.ofMillis(50), Duration.ofMillis(500))
        .shutdownTimeout(Duration.ofSeconds(10));
  }

  private void assertDatabaseHolds(List<ConnectionEvent> events) {
    assertThat(Fixtures.actual(ConnectionLogRow.readAll(pg.dataSource(), store.table())))
        .isEqualTo(Fixtures.expected(events));
  }

  private static long relayed(NatsRelay... relays) {
    long n = 0;
    for (NatsRelay r : relays) {
      n += r.relayed();
    }
    return n;
  }

  @Test
  void publishedEventsReachTheDatabaseThroughTheRelayExactly() {
    List<ConnectionEvent> events = Fixtures.events(1000, 1);
    NatsBackend publisher = conservation.watch(resources.closing(publisher().build()));
    NatsRelay relay = conservation.watch(resources.closing(relay(store).build()));
    events.forEach(publisher::write);

    resources.await("every event relayed", () -> relayed(relay) == events.size());
    assertDatabaseHolds(events);
    assertThat(publisher.stats().flushedRows()).isEqualTo(events.size());
    assertThat(publisher.stats().droppedTotal()).isZero();
    assertThat(relay.stats().droppedTotal()).isZero();
    assertThat(relay.stats().coalesced()).isPositive();
    assertThat(relay.backlog()).isZero();
  }

  @Test
  void aRelayKilledMidBatchLosesNothingAndChangesNoRow() throws Exception {
    List<ConnectionEvent> events = Fixtures.events(500, 2);
    NatsBackend publisher = conservation.watch(resources.closing(publisher().build()));
    FaultyStore<ConnectionLogStore> faulty = FaultyStore.wrap((ConnectionLogStore) store);
    faulty.failing(true);
    Connection first = nats.connect();
    NatsRelay doomed =
        conservation.watch(resources.closing(relay(faulty.store()).connection(first).build()));
    events.forEach(publisher::write);
    resources.await(
        "the first relay holds a batch it cannot write",
        () -> doomed.stats().failedFlushes() >= 3 && doomed.stats().pending() > 0);

    first.close(); // the relay's process dies: nothing it held is acknowledged
    doomed.close();
    faulty.reset();
    NatsRelay second = conservation.watch(resources.closing(relay(store).build()));

    resources.await(
        "every event relayed by the second relay", () -> second.relayed() == events.size());
    assertDatabaseHolds(events);
    assertThat(doomed.relayed()).isZero();
    assertThat(second.stats().droppedTotal()).isZero();
  }

  @Test
  void aDatabaseOutageLosesNothingAndTheRelayCatchesUp() {
    List<ConnectionEvent> events = Fixtures.events(1000, 3);
    NatsBackend publisher = conservation.watch(resources.closing(publisher().build()));
    // A database that is down fails as the built-in stores report it: TRANSIENT (SQLState 08).
    // (Unclassified failures take the isolation path, tested in RelayWriterTest and
    // NatsEdgeCasesTest.)
    AtomicBoolean down = new AtomicBoolean(true);
    ConnectionLogStore database =
        batch -> {
          if (down.get()) {
            throw new StoreException(
                "the database is down (test)", null, StoreException.Kind.TRANSIENT);
          }
          store.upsertBatch(batch);
        };
    NatsRelay relay = conservation.watch(resources.closing(relay(database).build()));
    Clock real = Clock.system();
    long start = real.nanoTime();
    events.forEach(publisher::write);
    // The outage outlasts two ack waits (4 s each): only the in-progress acknowledgements keep the
    // held batch from being redelivered. A longer outage changes nothing but the backlog's size.
    long outage = Duration.ofSeconds(9).toNanos();
    resources.await(
        "the outage has lasted 9 s with every event in the stream",
        () -> real.nanoTime() - start > outage && publisher.inFlight() == 0);
    assertThat(relay.relayed()).isZero();
    assertThat(relay.stats().failedFlushes()).isGreaterThan(3);
    assertThat(publisher.stats().flushedRows()).isEqualTo(events.size());

    down.set(false);
    resources.await("every event relayed after the outage", () -> relay.relayed() == events.size());
    assertDatabaseHolds(events);
    assertThat(relay.stats().droppedTotal()).isZero();
    assertThat(relay.backlog()).isZero();
  }

  @Test
  void twoRelaysSharingTheConsumerWriteEveryEventOnce() {
    List<ConnectionEvent> events = Fixtures.events(2000, 4);
    NatsBackend publisher = conservation.watch(resources.closing(publisher().build()));
    NatsRelay a =
        conservation.watch(resources.closing(relay(store).name("relay-a").batchSize(100).build()));
    NatsRelay b =
        conservation.watch(resources.closing(relay(store).name("relay-b").batchSize(100).build()));
    events.forEach(publisher::write);

    resources.await(
        "every event relayed", () -> relayed(a, b) >= events.size() && publisher.inFlight() == 0);
    assertThat(relayed(a, b)).isEqualTo(events.size());
    assertDatabaseHolds(events);
    assertThat(a.durable()).isEqualTo(b.durable());
  }

  @Test
  void everyWriteThatReturnedDuringAServerRestartIsStoredOnce() throws Exception {
    List<ConnectionEvent> events = Fixtures.events(1500, 5);
    NatsBackend publisher = conservation.watch(resources.closing(publisher().build()));
    NatsRelay relay = conservation.watch(resources.closing(relay(store).build()));
    List<ConnectionEvent> written = new ArrayList<>();
    AtomicInteger progress = new AtomicInteger();
    Thread writer =
        new Thread(
            () -> {
              for (ConnectionEvent e : events) {
                publisher.write(e); // blocks while the server is down, up to the write timeout
                synchronized (written) {
                  written.add(e);
                }
                progress.incrementAndGet();
              }
            },
            "test-writer");
    writer.start();
    Await.until(
        "a third written", Duration.ofSeconds(60), () -> progress.get() >= events.size() / 3);
    nats.stop();
    // Down for longer than the publish timeout (2 s): publishes in flight time out and are retried.
    Clock real = Clock.system();
    long down = real.nanoTime();
    resources.await(
        "the server has been down for 3 s",
        () -> real.nanoTime() - down > Duration.ofSeconds(3).toNanos());
    assertThat(progress.get())
        .isLessThan(events.size()); // the writer is blocked: max-in-flight reached
    nats.start();
    resources.await("the writer finished", () -> !writer.isAlive());
    writer.join();
    assertThat(written).hasSize(events.size());
    resources.await(
        "nothing in flight and the stream relayed",
        () -> publisher.inFlight() == 0 && relay.backlog() == 0);
    assertDatabaseHolds(written);
    assertThat(publisher.stats().retries()).isPositive();
    assertThat(publisher.stats().droppedTotal()).isZero();
    assertThat(relay.stats().droppedTotal()).isZero();
  }
}
