package io.tally.core.connectionlog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tally.core.batch.Batcher;
import io.tally.core.batch.Coalescing;
import io.tally.testkit.ConnectionLogRow;
import io.tally.testkit.InMemoryConnectionLogStore;
import io.tally.testkit.ManualClock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** One test per coalescing rule of the connection log. */
class ConnectionEventsTest {
  private static final Instant T0 = ManualClock.DEFAULT_START;
  private final Coalescing<ConnectionEvent> rule = ConnectionEvents.coalescing();

  private static Instant at(int seconds) {
    return T0.plus(Duration.ofSeconds(seconds));
  }

  private static ConnectionEvent.Builder session() {
    return ConnectionEvent.builder()
        .organizationId(UUID.randomUUID())
        .workspaceOwnerId(UUID.randomUUID())
        .workspaceId(UUID.randomUUID())
        .workspaceName("dev")
        .agentName("main")
        .type(ConnectionType.SSH)
        .ip("10.1.2.3")
        .userId(UUID.randomUUID())
        .connectionId(UUID.randomUUID());
  }

  @Test
  void connectThenDisconnectMakeOneEntryWithTheDisconnectsIdAndBothTimes() {
    ConnectionEvent.Builder s = session();
    ConnectionEvent c = s.connect(at(1));
    ConnectionEvent d = s.disconnectReason("bye").code(0).disconnect(at(5));
    ConnectionEvent merged = rule.merge(c, d);
    assertThat(merged.id()).isEqualTo(d.id());
    assertThat(merged.status()).isEqualTo(ConnectionStatus.DISCONNECTED);
    assertThat(merged.connectTime()).isEqualTo(at(1));
    assertThat(merged.disconnectTime()).isEqualTo(at(5));
    assertThat(merged.disconnectReason()).isEqualTo("bye");
    assertThat(merged.code()).isZero();
    assertThat(rule.key(c)).isNotNull().isEqualTo(rule.key(d)); // the row key of the session
  }

  @Test
  void disconnectThenLaterConnectKeepsTheDisconnect() {
    ConnectionEvent.Builder s = session();
    ConnectionEvent d = s.disconnect(at(5));
    ConnectionEvent c = s.connect(at(7));
    ConnectionEvent merged = rule.merge(d, c);
    assertThat(merged.id()).isEqualTo(d.id());
    assertThat(merged.status()).isEqualTo(ConnectionStatus.DISCONNECTED);
    assertThat(merged.connectTime()).isEqualTo(at(5));
    assertThat(merged.disconnectTime()).isEqualTo(at(5));
  }

  @Test
  void disconnectThenEarlierConnectMovesTheConnectTimeBack() {
    ConnectionEvent.Builder s = session();
    ConnectionEvent d = s.disconnect(at(9));
    ConnectionEvent c = s.connect(at(2));
    ConnectionEvent merged = rule.merge(d, c);
    assertThat(merged.id()).isEqualTo(d.id());
    assertThat(merged.connectTime()).isEqualTo(at(2));
    assertThat(merged.disconnectTime()).isEqualTo(at(9));
  }

  @Test
  void sameStatusKeepsTheLaterEvent() {
    ConnectionEvent.Builder s = session();
    ConnectionEvent late = s.userAgent("late").connect(at(5));
    ConnectionEvent early = s.userAgent("early").connect(at(3));
    ConnectionEvent merged = rule.merge(late, early);
    assertThat(merged.id()).isEqualTo(late.id());
    assertThat(merged.userAgent()).isEqualTo("late");
    assertThat(merged.connectTime()).isEqualTo(at(3));
    assertThat(merged.disconnectTime()).isNull();
    ConnectionEvent tie = s.userAgent("tie").connect(at(5));
    assertThat(rule.merge(late, tie).id()).isEqualTo(late.id());
  }

  @Test
  void theCoalescingKeyIsTheStoresRowKeySoOneBatchAndTwoBatchesGiveTheSameRows() {
    UUID connection = UUID.randomUUID();
    ConnectionEvent.Builder s = session().connectionId(connection);
    List<ConnectionEvent> events =
        List.of(
            s.agentName("a").connect(at(1)),
            s.agentName("b").connect(at(2)),
            s.agentName("a").disconnectReason("bye").disconnect(at(3)),
            s.agentName("b").workspaceId(UUID.randomUUID()).connect(at(4)));
    InMemoryConnectionLogStore oneBatch = new InMemoryConnectionLogStore();
    try (Batcher<ConnectionEvent> batcher =
        Batcher.builder(oneBatch).coalescing(rule).clock(ManualClock.create()).build()) {
      events.forEach(batcher::write);
      assertThat(batcher.flush().isSuccess()).isTrue();
    }
    InMemoryConnectionLogStore twoBatches = new InMemoryConnectionLogStore();
    try (Batcher<ConnectionEvent> batcher =
        Batcher.builder(twoBatches).coalescing(rule).clock(ManualClock.create()).build()) {
      batcher.write(events.get(0));
      batcher.write(events.get(1));
      assertThat(batcher.flush().isSuccess()).isTrue();
      batcher.write(events.get(2));
      batcher.write(events.get(3));
      assertThat(batcher.flush().isSuccess()).isTrue();
    }
    assertThat(oneBatch.batches()).hasSize(1);
    assertThat(twoBatches.batches()).hasSize(2);
    assertThat(twoBatches.rows()).hasSize(3);
    assertThat(oneBatch.rows()) // the row id is the first event's, which depends on batching
        .usingRecursiveFieldByFieldElementComparatorIgnoringFields("id")
        .containsExactlyInAnyOrderElementsOf(twoBatches.rows());
    assertThat(rule.key(events.get(0))).isNotEqualTo(rule.key(events.get(1)));
    assertThat(rule.key(events.get(0))).isEqualTo(rule.key(events.get(2)));
    assertThat(rule.key(events.get(1))).isNotEqualTo(rule.key(events.get(3)));
  }

  @Test
  void nullConnectionIdsNeverMerge() {
    ConnectionEvent.Builder web = session().type(ConnectionType.WORKSPACE_APP).connectionId(null);
    ConnectionEvent a = web.connect(at(1));
    ConnectionEvent b = web.connect(at(1));
    assertThat(rule.key(a)).isNull();
    InMemoryConnectionLogStore store = new InMemoryConnectionLogStore();
    ManualClock clock = ManualClock.create();
    try (Batcher<ConnectionEvent> batcher =
        Batcher.builder(store).coalescing(rule).clock(clock).build()) {
      batcher.write(a);
      batcher.write(b);
      batcher.flush();
      assertThat(batcher.stats().coalesced()).isZero();
    }
    assertThat(store.rows())
        .containsExactlyInAnyOrder(ConnectionLogRow.of(a), ConnectionLogRow.of(b));
  }

  @Test
  void mixedNullAndNonNullConnectionIds() {
    ConnectionEvent.Builder s = session();
    ConnectionEvent c = s.connect(at(1));
    ConnectionEvent web = session().connectionId(null).connect(at(2));
    ConnectionEvent d = s.disconnectReason("eof").disconnect(at(3));
    InMemoryConnectionLogStore store = new InMemoryConnectionLogStore();
    try (Batcher<ConnectionEvent> batcher =
        Batcher.builder(store).coalescing(rule).clock(ManualClock.create()).build()) {
      batcher.write(c);
      batcher.write(web);
      batcher.write(d);
      batcher.flush();
      assertThat(batcher.stats().coalesced()).isEqualTo(1);
    }
    assertThat(store.batches()).hasSize(1);
    assertThat(store.batches().get(0)).hasSize(2);
    assertThat(store.rows())
        .containsExactly(ConnectionLogRow.of(rule.merge(c, d)), ConnectionLogRow.of(web));
    assertThat(store.rows().get(0).connectTime()).isEqualTo(at(1));
    assertThat(store.rows().get(0).disconnectTime()).isEqualTo(at(3));
  }

  @Test
  void standaloneDisconnectUsesItsTimeAsConnectAndDisconnectTime() {
    ConnectionEvent d = session().disconnect(at(4));
    assertThat(d.connectTime()).isEqualTo(at(4));
    assertThat(d.disconnectTime()).isEqualTo(at(4));
    assertThat(d.time()).isEqualTo(at(4));
    ConnectionEvent c = session().connect(at(4));
    assertThat(c.connectTime()).isEqualTo(at(4));
    assertThat(c.disconnectTime()).isNull();
  }

  @Test
  void duplicateDisconnectsKeepTheFirstConnectTime() {
    ConnectionEvent.Builder s = session();
    ConnectionEvent first = s.disconnectReason("first").disconnect(at(5));
    ConnectionEvent second = s.disconnectReason("second").disconnect(at(9));
    ConnectionEvent merged = rule.merge(first, second);
    assertThat(merged.id()).isEqualTo(second.id());
    assertThat(merged.disconnectReason()).isEqualTo("second");
    assertThat(merged.connectTime()).isEqualTo(at(5));
    assertThat(merged.disconnectTime()).isEqualTo(at(9));
    assertThat(rule.merge(second, first)).isEqualTo(merged);
  }

  @Test
  void mergeOrderDoesNotChangeTheSession() {
    ConnectionEvent.Builder s = session();
    List<ConnectionEvent> events =
        List.of(s.connect(at(1)), s.connect(at(2)), s.disconnect(at(8)), s.disconnect(at(6)));
    ConnectionEvent forward = events.stream().reduce(rule::merge).orElseThrow();
    List<ConnectionEvent> reversed = new java.util.ArrayList<>(events);
    java.util.Collections.reverse(reversed);
    ConnectionEvent backward = reversed.stream().reduce(rule::merge).orElseThrow();
    assertThat(forward).isEqualTo(backward);
    assertThat(forward.connectTime()).isEqualTo(at(1));
    assertThat(forward.disconnectTime()).isEqualTo(at(8));
  }

  @Test
  void coalesceForStoreMergesPerRowAndDeduplicatesKeylessIds() {
    ConnectionEvent.Builder s = session();
    ConnectionEvent c = s.connect(at(1));
    ConnectionEvent d = s.disconnect(at(2));
    ConnectionEvent otherAgent =
        c.toBuilder().id(UUID.randomUUID()).agentName("other").connect(at(1));
    ConnectionEvent web = session().connectionId(null).connect(at(3));
    List<ConnectionEvent> out =
        ConnectionEvents.coalesceForStore(List.of(c, web, d, otherAgent, web));
    assertThat(out).containsExactly(rule.merge(c, d), otherAgent, web);
  }

  @Test
  void eventsAreValidated() {
    assertThatThrownBy(() -> session().ip("example.com").connect(at(1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("ip was 'example.com'");
    assertThatThrownBy(() -> session().ip("10.0.0.256").connect(at(1)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> session().ip("10.0.0.1/24").connect(at(1)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> session().ip("fe80::1%eth0").connect(at(1)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> session().ip("1::2::3").connect(at(1)))
        .isInstanceOf(IllegalArgumentException.class);
    for (String ok :
        List.of(
            "0.0.0.0",
            "255.255.255.255",
            "::",
            "::1",
            "2001:db8::1",
            "::ffff:10.0.0.1",
            "1:2:3:4:5:6:7:8")) {
      assertThat(session().ip(ok).connect(at(1)).ip()).isEqualTo(ok);
    }
    assertThatThrownBy(() -> session().workspaceId(null).connect(at(1)))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("workspaceId");
    ConnectionEvent c = session().connect(at(5));
    assertThatThrownBy(
            () ->
                new ConnectionEvent(
                    c.id(),
                    c.time(),
                    c.organizationId(),
                    c.workspaceOwnerId(),
                    c.workspaceId(),
                    c.workspaceName(),
                    c.agentName(),
                    c.type(),
                    c.code(),
                    c.ip(),
                    c.userAgent(),
                    c.userId(),
                    c.slugOrPort(),
                    c.connectionId(),
                    ConnectionStatus.DISCONNECTED,
                    null,
                    at(5),
                    at(4)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("must not be before connectTime");
    assertThat(ConnectionType.fromWireName("reconnecting_pty"))
        .isEqualTo(ConnectionType.RECONNECTING_PTY);
  }
}
