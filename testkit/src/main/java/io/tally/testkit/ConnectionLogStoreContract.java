package io.tally.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.tally.core.InputRules;
import io.tally.core.StoreException;
import io.tally.core.connectionlog.ConnectionEvent;
import io.tally.core.connectionlog.ConnectionLogStore;
import io.tally.core.connectionlog.ConnectionType;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The tests every {@link ConnectionLogStore} must pass. Subclass it in your store's tests:
 *
 * <pre>{@code
 * class MyConnectionLogStoreTest extends ConnectionLogStoreContract {
 *   @Override protected ConnectionLogStore createStore() {
 *     truncateMyTable();
 *     return new MyConnectionLogStore(dataSource);
 *   }
 *   @Override protected List<ConnectionLogRow> storedRows() {
 *     return ConnectionLogRow.readAll(dataSource, "tally_connection_log");
 *   }
 * }
 * }</pre>
 *
 * <p>Times used are whole milliseconds, as databases keep at least microseconds, except at the
 * edges of the storable range ({@link InputRules}), which are whole microseconds.
 *
 * <p>Hostile values: strings at their documented limits made of every kind of Unicode character
 * (surrogate pairs, combining marks, controls other than NUL) must be stored exactly; times at the
 * edges of {@link InputRules#MIN_TIME}..{@link InputRules#MAX_TIME} too; NUL, lone surrogates and
 * times just outside the range never reach a store (the event cannot be built); a type name this
 * version does not know is stored and read back as it is; an event whose id is already stored for
 * another session fails with a {@link StoreException} of kind {@link StoreException.Kind#DATA}, so
 * a batcher isolates it.
 *
 * <p>Retention ({@link ConnectionLogStore#deleteOlderThan} and {@link
 * ConnectionLogStore#tryLockRetention}): the cutoff is exclusive, sessions without a disconnect go
 * by their connect time, the limit holds, the oldest rows go first, and the lock admits one holder
 * until it is closed.
 */
public abstract class ConnectionLogStoreContract {
  /** The first event time the tests use. */
  protected static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

  private ConnectionLogStore store;

  /**
   * Returns the store under test, with no rows; called before each test.
   *
   * @return an empty store
   */
  protected abstract ConnectionLogStore createStore();

  /**
   * Reads every stored row, for example with {@link ConnectionLogRow#readAll}.
   *
   * @return the rows, in any order
   */
  protected abstract List<ConnectionLogRow> storedRows();

  /** Creates the store. */
  @BeforeEach
  void createStoreUnderTest() {
    store = createStore();
  }

  /**
   * @return the store created for the current test
   */
  protected final ConnectionLogStore store() {
    return store;
  }

  private List<ConnectionLogRow> rows() {
    List<ConnectionLogRow> rows = new ArrayList<>(storedRows());
    rows.sort(ConnectionLogRow.ORDER);
    return rows;
  }

  /**
   * Returns a builder for a new session, with every descriptive field set (ssh, fresh ids, an IPv4
   * address, a user agent); tests of your own may use it too.
   *
   * @return a builder with every descriptive field set (ssh, a fresh connection id)
   */
  public static ConnectionEvent.Builder session() {
    return ConnectionEvent.builder()
        .organizationId(UUID.randomUUID())
        .workspaceOwnerId(UUID.randomUUID())
        .workspaceId(UUID.randomUUID())
        .workspaceName("dev")
        .agentName("main")
        .type(ConnectionType.SSH)
        .ip("10.0.0.7")
        .userAgent("OpenSSH_9.6")
        .userId(UUID.randomUUID())
        .connectionId(UUID.randomUUID());
  }

  private static Instant at(int seconds) {
    return T0.plus(Duration.ofSeconds(seconds));
  }

  @Test
  void emptyBatchWritesNothing() {
    store.upsertBatch(List.of());
    assertThat(rows()).isEmpty();
  }

  @Test
  void connectInsertsOneRowWithoutDisconnect() {
    ConnectionEvent c = session().connect(at(1));
    store.upsertBatch(List.of(c));
    assertThat(rows()).containsExactly(ConnectionLogRow.of(c));
    assertThat(rows().get(0).disconnectTime()).isNull();
  }

  @Test
  void everyFieldRoundTrips() {
    ConnectionEvent ipv4 =
        session().type(ConnectionType.PORT_FORWARDING).slugOrPort("8080").code(0).connect(at(1));
    ConnectionEvent ipv6 =
        session()
            .type(ConnectionType.RECONNECTING_PTY)
            .ip("2001:db8::1")
            .userAgent(null)
            .userId(null)
            .disconnectReason("bye")
            .code(137)
            .disconnect(at(2));
    ConnectionEvent bare =
        session()
            .type(ConnectionType.WORKSPACE_APP)
            .ip(null)
            .userAgent(null)
            .userId(null)
            .connectionId(null)
            .slugOrPort("code-server")
            .connect(at(3));
    store.upsertBatch(List.of(ipv4, ipv6, bare));
    assertThat(rows())
        .containsExactly(
            ConnectionLogRow.of(ipv4), ConnectionLogRow.of(ipv6), ConnectionLogRow.of(bare));
  }

  @Test
  void codeZeroIsDistinctFromNull() {
    ConnectionEvent zero = session().code(0).disconnect(at(1));
    ConnectionEvent none = session().code(null).disconnect(at(2));
    store.upsertBatch(List.of(zero, none));
    assertThat(rows()).extracting(ConnectionLogRow::code).containsExactly(0, null);
  }

  @Test
  void connectThenDisconnectInLaterBatchesMakeOneRowWithBothTimes() {
    ConnectionEvent.Builder s = session();
    ConnectionEvent c = s.connect(at(1));
    ConnectionEvent d = s.disconnectReason("client closed").code(0).disconnect(at(9));
    store.upsertBatch(List.of(c));
    store.upsertBatch(List.of(d));
    assertThat(rows())
        .containsExactly(ConnectionLogRow.of(c).withSession(at(1), at(9), "client closed", 0));
  }

  @Test
  void disconnectFirstThenEarlierConnectMovesConnectTimeBack() {
    ConnectionEvent.Builder s = session();
    ConnectionEvent d = s.disconnectReason("timeout").code(1).disconnect(at(9));
    ConnectionEvent c = s.disconnectReason(null).code(null).connect(at(1));
    store.upsertBatch(List.of(d));
    store.upsertBatch(List.of(c));
    assertThat(rows())
        .containsExactly(ConnectionLogRow.of(d).withSession(at(1), at(9), "timeout", 1));
  }

  @Test
  void laterConnectNeverErasesADisconnectNorMovesConnectLater() {
    ConnectionEvent.Builder s = session();
    ConnectionEvent c = s.connect(at(1));
    ConnectionEvent d = s.disconnectReason("gone").code(2).disconnect(at(5));
    ConnectionEvent lateConnect = s.disconnectReason(null).code(null).connect(at(7));
    store.upsertBatch(List.of(c));
    store.upsertBatch(List.of(d));
    store.upsertBatch(List.of(lateConnect));
    assertThat(rows()).containsExactly(ConnectionLogRow.of(c).withSession(at(1), at(5), "gone", 2));
  }

  @Test
  void disconnectOnlyMovesLaterAndBringsItsReasonAndCode() {
    ConnectionEvent.Builder s = session();
    ConnectionEvent c = s.connect(at(1));
    ConnectionEvent later = s.disconnectReason("second").code(2).disconnect(at(8));
    ConnectionEvent earlier = s.disconnectReason("first").code(1).disconnect(at(4));
    store.upsertBatch(List.of(c));
    store.upsertBatch(List.of(later));
    store.upsertBatch(List.of(earlier));
    assertThat(rows())
        .containsExactly(ConnectionLogRow.of(c).withSession(at(1), at(8), "second", 2));
  }

  @Test
  void eventsOfOneRowInOneBatchAreMerged() {
    ConnectionEvent.Builder s = session();
    ConnectionEvent d = s.disconnectReason("bye").code(0).disconnect(at(6));
    ConnectionEvent c = s.disconnectReason(null).code(null).connect(at(2));
    ConnectionEvent c2 = s.connect(at(3));
    store.upsertBatch(List.of(d, c, c2));
    assertThat(rows()).containsExactly(ConnectionLogRow.of(d).withSession(at(2), at(6), "bye", 0));
  }

  @Test
  void eventsWithoutConnectionIdAreRowsOfTheirOwn() {
    ConnectionEvent.Builder web = session().type(ConnectionType.WORKSPACE_APP).connectionId(null);
    ConnectionEvent a = web.connect(at(1));
    ConnectionEvent b = web.connect(at(2));
    store.upsertBatch(List.of(a));
    store.upsertBatch(List.of(b));
    assertThat(rows()).containsExactly(ConnectionLogRow.of(a), ConnectionLogRow.of(b));
  }

  @Test
  void sameConnectionIdInAnotherWorkspaceOrAgentIsAnotherRow() {
    UUID conn = UUID.randomUUID();
    ConnectionEvent a = session().connectionId(conn).connect(at(1));
    ConnectionEvent b = session().connectionId(conn).connect(at(2));
    ConnectionEvent c = a.toBuilder().id(UUID.randomUUID()).agentName("other").connect(at(3));
    store.upsertBatch(List.of(a, b, c));
    assertThat(rows()).hasSize(3);
  }

  @Test
  void retriedBatchIsIdempotent() {
    ConnectionEvent.Builder s = session();
    List<ConnectionEvent> batch =
        List.of(
            s.connect(at(1)),
            s.disconnectReason("bye").disconnect(at(4)),
            session().connectionId(null).connect(at(2)),
            session().connect(at(3)));
    store.upsertBatch(batch);
    List<ConnectionLogRow> once = rows();
    store.upsertBatch(batch);
    assertThat(rows()).isEqualTo(once).hasSize(3);
  }

  @Test
  void batchCommittedThenReportedFailedIsSafeToRetry() {
    FaultyStore<ConnectionLogStore> faulty = FaultyStore.wrap(store);
    List<ConnectionEvent> batch =
        List.of(session().connect(at(1)), session().connectionId(null).connect(at(2)));
    faulty.commitThenThrowNext(1);
    assertThatThrownBy(() -> faulty.store().upsertBatch(batch)).isInstanceOf(InjectedFault.class);
    faulty.store().upsertBatch(batch);
    assertThat(rows())
        .containsExactly(ConnectionLogRow.of(batch.get(0)), ConnectionLogRow.of(batch.get(1)));
  }

  @Test
  void largeBatchIsWritten() {
    List<ConnectionEvent> batch = new ArrayList<>();
    for (int i = 0; i < 2_000; i++) {
      ConnectionEvent.Builder s = session();
      batch.add(s.connect(at(i)));
      if (i % 2 == 0) {
        batch.add(s.disconnectReason("done").disconnect(at(i + 60)));
      }
    }
    store.upsertBatch(batch);
    List<ConnectionLogRow> rows = rows();
    assertThat(rows).hasSize(2_000);
    assertThat(rows)
        .filteredOn(r -> r.disconnectTime() != null)
        .hasSize(1_000)
        .allSatisfy(
            r ->
                assertThat(Duration.between(r.connectTime(), r.disconnectTime()))
                    .isEqualTo(Duration.ofSeconds(60)));
  }

  @Test
  void stringsAtTheirLimitsOfAnyUnicodeAreStoredExactly() {
    ConnectionEvent e =
        session()
            .workspaceName(HostileValues.unicode(InputRules.MAX_NAME_LENGTH, 0))
            .agentName(HostileValues.unicode(InputRules.MAX_NAME_LENGTH, 5))
            .typeName(HostileValues.unicode(InputRules.MAX_TYPE_NAME_LENGTH, 9))
            .userAgent(HostileValues.unicode(InputRules.MAX_USER_AGENT_LENGTH, 1))
            .slugOrPort(HostileValues.unicode(InputRules.MAX_SLUG_OR_PORT_LENGTH, 2))
            .disconnectReason(HostileValues.unicode(InputRules.MAX_DISCONNECT_REASON_LENGTH, 3))
            .disconnect(at(1));
    ConnectionEvent keyless =
        session().connectionId(null).workspaceName("\uD83D\uDE00").agentName("é").connect(at(2));
    store.upsertBatch(List.of(e, keyless));
    assertThat(rows()).containsExactly(ConnectionLogRow.of(e), ConnectionLogRow.of(keyless));
  }

  @Test
  void truncatedFreeTextIsStoredAsTruncated() {
    ConnectionEvent e =
        session()
            .userAgent(HostileValues.unicode(InputRules.MAX_USER_AGENT_LENGTH * 3, 0))
            .connect(at(1));
    assertThat(e.userAgent()).hasSizeLessThanOrEqualTo(InputRules.MAX_USER_AGENT_LENGTH);
    store.upsertBatch(List.of(e));
    assertThat(rows()).containsExactly(ConnectionLogRow.of(e));
  }

  @Test
  void timesAtTheEdgesOfTheRangeAreStoredExactly() {
    Instant max = InputRules.MAX_TIME.truncatedTo(ChronoUnit.MICROS);
    ConnectionEvent.Builder s = session();
    ConnectionEvent connect = s.connect(InputRules.MIN_TIME);
    ConnectionEvent disconnect = s.disconnectReason("end of time").code(0).disconnect(max);
    store.upsertBatch(List.of(connect));
    store.upsertBatch(List.of(disconnect));
    ConnectionEvent web = session().connectionId(null).disconnect(max);
    store.upsertBatch(List.of(web));
    assertThat(rows())
        .containsExactly(
            ConnectionLogRow.of(connect).withSession(InputRules.MIN_TIME, max, "end of time", 0),
            ConnectionLogRow.of(web));
  }

  @Test
  void valuesNoStoreCanHoldNeverReachTheStore() {
    for (Instant bad : HostileValues.TIMES_OUTSIDE_THE_RANGE) {
      assertThatThrownBy(() -> session().connect(bad)).isInstanceOf(IllegalArgumentException.class);
      assertThatThrownBy(() -> session().disconnect(bad))
          .isInstanceOf(IllegalArgumentException.class);
    }
    assertThatThrownBy(() -> session().workspaceName("a\u0000").connect(at(1)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> session().userAgent("\u0000").connect(at(1)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> session().disconnectReason("\uD800").disconnect(at(1)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(
            () -> session().agentName("x".repeat(InputRules.MAX_NAME_LENGTH + 1)).connect(at(1)))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void tunnelAndTypesThisVersionDoesNotKnowRoundTrip() {
    ConnectionEvent tunnel = session().type(ConnectionType.TUNNEL).connect(at(1));
    ConnectionEvent future = session().typeName("holo_deck").connect(at(2));
    store.upsertBatch(List.of(tunnel, future));
    assertThat(rows()).containsExactly(ConnectionLogRow.of(tunnel), ConnectionLogRow.of(future));
    assertThat(rows()).extracting(ConnectionLogRow::type).containsExactly("tunnel", "holo_deck");
  }

  @Test
  void eventIdStoredForAnotherSessionIsADataError() {
    ConnectionEvent first = session().connect(at(1));
    store.upsertBatch(List.of(first));
    ConnectionEvent poison = session().id(first.id()).connect(at(2));
    ConnectionEvent good = session().connect(at(3));

    Throwable failure = catchThrowable(() -> store.upsertBatch(List.of(good, poison)));

    assertThat(failure).isInstanceOf(StoreException.class);
    assertThat(StoreException.kindOf(failure)).isEqualTo(StoreException.Kind.DATA);
    store.upsertBatch(List.of(good));
    assertThat(rows()).containsExactly(ConnectionLogRow.of(first), ConnectionLogRow.of(good));
  }

  // ---- retention

  private List<Instant> connectTimes() {
    return rows().stream().map(ConnectionLogRow::connectTime).sorted().toList();
  }

  @Test
  void deleteOlderThanKeepsARowConnectedAtTheCutoff() {
    Instant cutoff = at(10);
    store.upsertBatch(
        List.of(
            session().connect(cutoff.minusMillis(1)),
            session().connect(cutoff),
            session().connect(cutoff.plusMillis(1))));

    assertThat(store.deleteOlderThan(cutoff, 100)).isEqualTo(1);
    assertThat(connectTimes()).containsExactly(cutoff, cutoff.plusMillis(1));
    assertThat(store.deleteOlderThan(cutoff, 100)).isZero();
  }

  @Test
  void deleteOlderThanGoesByConnectTimeWithOrWithoutADisconnect() {
    ConnectionEvent open = session().connect(at(1));
    ConnectionEvent.Builder closed = session();
    ConnectionEvent standaloneDisconnect = session().disconnectReason("gone").disconnect(at(3));
    ConnectionEvent young = session().connect(at(60));
    store.upsertBatch(
        List.of(
            open, closed.connect(at(2)), closed.disconnect(at(100)), standaloneDisconnect, young));

    assertThat(store.deleteOlderThan(at(50), 100)).isEqualTo(3);
    assertThat(rows()).containsExactly(ConnectionLogRow.of(young));
  }

  @Test
  void deleteOlderThanDeletesAtMostTheLimitOldestFirst() {
    store.upsertBatch(
        List.of(
            session().connect(at(5)),
            session().connect(at(1)),
            session().connect(at(4)),
            session().id(UUID.randomUUID()).connectionId(null).connect(at(2)),
            session().connect(at(3)),
            session().connect(at(20))));

    assertThat(store.deleteOlderThan(at(10), 2)).isEqualTo(2);
    assertThat(connectTimes()).containsExactly(at(3), at(4), at(5), at(20));
    assertThat(store.deleteOlderThan(at(10), 2)).isEqualTo(2);
    assertThat(connectTimes()).containsExactly(at(5), at(20));
    assertThat(store.deleteOlderThan(at(10), 2)).isEqualTo(1);
    assertThat(store.deleteOlderThan(at(10), 2)).isZero();
    assertThat(connectTimes()).containsExactly(at(20));
  }

  @Test
  void deleteOlderThanComparesCutoffsFinerThanAMicrosecond() {
    ConnectionEvent row = session().connect(at(1));
    store.upsertBatch(List.of(row));

    assertThat(store.deleteOlderThan(at(1), 10)).isZero();
    assertThat(store.deleteOlderThan(at(1).plusNanos(1), 10)).isEqualTo(1);
    assertThat(rows()).isEmpty();
  }

  @Test
  void deleteOlderThanAtTheEdgesOfTheStorableRange() {
    Instant min = InputRules.MIN_TIME;
    Instant max = InputRules.MAX_TIME.truncatedTo(ChronoUnit.MICROS);
    store.upsertBatch(List.of(session().connect(min), session().connect(max)));

    assertThat(store.deleteOlderThan(Instant.MIN, 10)).isZero();
    assertThat(store.deleteOlderThan(min, 10)).isZero();
    assertThat(store.deleteOlderThan(min.plus(1, ChronoUnit.MICROS), 10)).isEqualTo(1);
    assertThat(store.deleteOlderThan(max, 10)).isZero();
    assertThat(store.deleteOlderThan(Instant.MAX, 10)).isEqualTo(1);
    assertThat(rows()).isEmpty();
  }

  @Test
  void deleteOlderThanChecksItsArguments() {
    assertThatThrownBy(() -> store.deleteOlderThan(at(1), 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("limit");
    assertThatThrownBy(() -> store.deleteOlderThan(null, 1))
        .isInstanceOf(NullPointerException.class);
  }

  @Test
  void retentionLockAdmitsOneHolderUntilClosed() {
    Optional<ConnectionLogStore.RetentionLock> first = store.tryLockRetention();
    assertThat(first).isPresent();
    try {
      assertThat(store.tryLockRetention()).isEmpty();
    } finally {
      first.get().close();
    }
    first.get().close(); // idempotent

    Optional<ConnectionLogStore.RetentionLock> again = store.tryLockRetention();
    assertThat(again).isPresent();
    again.get().close();
  }
}
