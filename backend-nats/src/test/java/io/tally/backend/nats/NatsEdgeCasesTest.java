package io.tally.backend.nats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nats.client.Connection;
import io.nats.client.JetStreamManagement;
import io.tally.core.DropReasons;
import io.tally.core.StoreException;
import io.tally.core.connectionlog.ConnectionEvent;
import io.tally.core.connectionlog.ConnectionLogStore;
import io.tally.testkit.Await;
import io.tally.testkit.ConservationCheck;
import io.tally.testkit.InMemoryConnectionLogStore;
import io.tally.testkit.ManualClock;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The publisher's and the relay's rules at their edges: a full stream, bad messages, bad streams.
 */
class NatsEdgeCasesTest {
  @RegisterExtension static final NatsServer nats = NatsServer.create();
  @RegisterExtension final ConservationCheck conservation = ConservationCheck.create();

  private static final AtomicInteger STREAMS = new AtomicInteger();

  @RegisterExtension final Resources resources = new Resources();
  private final ManualClock clock = resources.clock();
  private final InMemoryConnectionLogStore memory = new InMemoryConnectionLogStore();
  private NatsStream.Builder streamBuilder;
  private String name;

  @BeforeEach
  void freshStream() {
    int n = STREAMS.incrementAndGet();
    name = "EDGE_" + n;
    streamBuilder = NatsStream.builder().name(name).subject("edge." + n);
  }

  private NatsBackend.Builder publisher(NatsStream stream) {
    return NatsBackend.builder().url(nats.url()).stream(stream)
        .clock(clock)
        .backoff(Duration.ofMillis(50), Duration.ofMillis(500))
        .publishTimeout(Duration.ofSeconds(2))
        .shutdownTimeout(Duration.ofSeconds(10));
  }

  private NatsRelay.Builder relay(NatsStream stream, ConnectionLogStore into) {
    return NatsRelay.builder(into).url(nats.url()).stream(stream)
        .clock(clock)
        .batchSize(50)
        .flushInterval(Duration.ofMillis(100))
        .flushTimeout(Duration.ofSeconds(2))
        .ackWait(Duration.ofSeconds(4))
        .backoff(Duration.ofMillis(50), Duration.ofMillis(500));
  }

  @Test
  void aFullStreamMakesWritesBlockThenThrowCountedAndLosesNothingOnceRelayed() {
    NatsStream stream = streamBuilder.maxMessages(20).build();
    NatsBackend publisher =
        conservation.watch(
            resources.closing(
                publisher(stream).maxInFlight(5).writeTimeout(Duration.ofMillis(500)).build()));
    List<ConnectionEvent> events = Fixtures.events(30, 7).subList(0, 25);
    for (ConnectionEvent e : events.subList(0, 20)) {
      publisher.write(e);
    }
    Await.until("the stream holds 20", Duration.ofSeconds(30), () -> publisher.inFlight() == 0);
    for (ConnectionEvent e : events.subList(20, 25)) {
      publisher.write(e); // refused by the full stream, retried, in flight
    }
    ConnectionEvent refused = Fixtures.events(1, 8).get(0);
    assertThatThrownBy(() -> publisher.write(refused))
        .isInstanceOf(RejectedExecutionException.class)
        .hasMessageContaining("5 events stayed in flight");
    assertThat(publisher.stats().dropped()).containsEntry(DropReasons.QUEUE_FULL, 1L);
    assertThat(publisher.stats().failedFlushes()).isPositive();

    NatsRelay relay = conservation.watch(resources.closing(relay(stream, memory).build()));
    resources.await(
        "the 25 accepted events relayed", () -> relay.relayed() == 25 && publisher.inFlight() == 0);
    assertThat(Fixtures.actual(memory.rows())).isEqualTo(Fixtures.expected(events));
    assertThat(publisher.stats().flushedRows()).isEqualTo(25);
  }

  @Test
  void inSynchronousModeWriteReturnsOnlyOnceTheStreamHasTheEventAndThrowsWhenItCannot() {
    NatsStream stream = streamBuilder.maxMessages(3).build();
    NatsBackend publisher =
        conservation.watch(
            resources.closing(
                publisher(stream).synchronous(true).writeTimeout(Duration.ofMillis(500)).build()));
    List<ConnectionEvent> events = Fixtures.events(5, 15).subList(0, 4);
    for (ConnectionEvent e : events.subList(0, 3)) {
      publisher.write(e);
      assertThat(publisher.inFlight()).isZero(); // acknowledged before write returned
    }
    assertThatThrownBy(() -> publisher.write(events.get(3)))
        .isInstanceOf(NotAcknowledgedException.class)
        .hasMessageContaining("it stays in flight and is retried")
        .matches(e -> ((NotAcknowledgedException) e).stillInFlight());
    assertThat(publisher.stats().flushedRows()).isEqualTo(3);
    assertThat(publisher.stats().droppedTotal()).isZero();

    NatsRelay relay = conservation.watch(resources.closing(relay(stream, memory).build()));
    resources.await("the fourth event, retried, relayed too", () -> relay.relayed() == 4);
    assertThat(Fixtures.actual(memory.rows())).isEqualTo(Fixtures.expected(events));
  }

  @Test
  void undecodableMessagesAndInputRuleBreachesAreTerminatedAndCountedAndUnknownTypesAreKept()
      throws Exception {
    NatsStream stream = streamBuilder.build();
    NatsBackend publisher = conservation.watch(resources.closing(publisher(stream).build()));
    ConnectionEvent good = Fixtures.events(1, 9).get(0);
    publisher.write(good);
    ConnectionEvent newer =
        ConnectionEvent.builder()
            .organizationId(UUID.randomUUID())
            .workspaceOwnerId(UUID.randomUUID())
            .workspaceId(UUID.randomUUID())
            .workspaceName("ws")
            .agentName("main")
            .typeName("teleport") // a type a newer publisher knows and this version does not
            .connect(Fixtures.T0);
    publisher.write(newer);
    String valid = new String(Wire.encode(Fixtures.events(1, 17).get(0)), StandardCharsets.UTF_8);
    String withNul = valid.replace("\"workspace_name\":\"", "\"workspace_name\":\"x\\u0000");
    String tooEarly =
        valid.replaceFirst(
            "\"connect_time\":\"[^\"]*\"", "\"connect_time\":\"0999-01-01T00:00:00Z\"");
    Connection c = resources.closing(nats.connect());
    c.jetStream().publish(stream.subject(), "not json".getBytes(StandardCharsets.UTF_8));
    c.jetStream()
        .publish(stream.subject(), "{\"v\":2,\"id\":\"x\"}".getBytes(StandardCharsets.UTF_8));
    c.jetStream().publish(stream.subject(), withNul.getBytes(StandardCharsets.UTF_8));
    c.jetStream().publish(stream.subject(), tooEarly.getBytes(StandardCharsets.UTF_8));

    NatsRelay relay = conservation.watch(resources.closing(relay(stream, memory).build()));
    resources.await(
        "two events relayed, four terminated",
        () -> relay.relayed() == 2 && relay.stats().droppedTotal() == 4);
    assertThat(relay.stats().dropped()).containsEntry(NatsRelay.DROP_UNDECODABLE, 4L);
    assertThat(relay.unknownTypes()).isEqualTo(1);
    assertThat(memory.rows()).hasSize(2);
    assertThat(memory.rows())
        .anySatisfy(
            r -> {
              assertThat(r.id()).isEqualTo(newer.id());
              assertThat(r.type()).isEqualTo("teleport");
            });
    resources.await("nothing left for redelivery", () -> relay.backlog() == 0);
  }

  /** A store that rejects one event with a DATA failure, or fails it unclassified (UNKNOWN). */
  @ParameterizedTest
  @EnumSource(
      value = StoreException.Kind.class,
      names = {"DATA", "UNKNOWN"})
  void aPoisonEventIsIsolatedByBisectionAndOnlyItIsTerminated(StoreException.Kind kind) {
    NatsStream stream = streamBuilder.build();
    List<ConnectionEvent> events = Fixtures.events(60, 10);
    ConnectionEvent bad =
        events.stream().filter(e -> e.connectionId() == null).findFirst().orElseThrow();
    ConnectionLogStore rejecting =
        batch -> {
          for (ConnectionEvent e : batch) {
            if (e.id().equals(bad.id())) {
              throw new StoreException("value rejected", null, kind);
            }
          }
          memory.upsertBatch(batch);
        };
    NatsBackend publisher = conservation.watch(resources.closing(publisher(stream).build()));
    events.forEach(publisher::write);
    Await.until("all published", Duration.ofSeconds(30), () -> publisher.inFlight() == 0);
    NatsRelay relay =
        conservation.watch(resources.closing(relay(stream, rejecting).batchSize(200).build()));

    resources.await(
        "all but the bad event relayed",
        () -> relay.relayed() + relay.stats().droppedTotal() == events.size());
    assertThat(relay.stats().dropped()).containsEntry(DropReasons.REJECTED, 1L);
    List<ConnectionEvent> rest = new ArrayList<>(events);
    rest.remove(bad);
    assertThat(Fixtures.actual(memory.rows())).isEqualTo(Fixtures.expected(rest));
    resources.await("nothing left for redelivery", () -> relay.backlog() == 0);
  }

  @Test
  void aMissingStreamIsAStartErrorWhenCreationIsOff() {
    NatsStream stream = streamBuilder.create(false).build();
    assertThatThrownBy(() -> publisher(stream).build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("'" + name + "' does not exist")
        .hasMessageContaining("tally.backend.nats.create-stream");
  }

  @Test
  void aStreamThatDiffersIsAStartErrorNamingTheSettings() throws Exception {
    NatsStream stream = streamBuilder.build();
    Connection c = resources.closing(nats.connect());
    JetStreamManagement jsm = c.jetStreamManagement();
    jsm.addStream(
        io.nats.client.api.StreamConfiguration.builder(stream.configuration())
            .duplicateWindow(Duration.ofSeconds(30))
            .retentionPolicy(io.nats.client.api.RetentionPolicy.Limits)
            .build());
    assertThatThrownBy(() -> publisher(stream).build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("tally.backend.nats.duplicate-window")
        .hasMessageContaining("retention is limits but must be workqueue");
  }

  @Test
  void aConsumerThatDiffersIsAStartErrorNamingTheSetting() {
    NatsStream stream = streamBuilder.build();
    relay(stream, memory).build().close();
    assertThatThrownBy(() -> relay(stream, memory).ackWait(Duration.ofSeconds(9)).build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("its ack wait is PT4S but tally.backend.nats.relay.ack-wait is PT9S");
  }

  @Test
  void anAckWaitShorterThanAFlushIsRefused() {
    NatsStream stream = streamBuilder.build();
    assertThatThrownBy(
            () ->
                relay(stream, memory)
                    .flushTimeout(Duration.ofSeconds(5))
                    .ackWait(Duration.ofSeconds(5))
                    .build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(
            "ackWait was PT5S but must be longer than flushInterval + flushTimeout");
  }
}
