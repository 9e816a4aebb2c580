package io.tally.backend.nats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tally.core.HealthPolicy;
import io.tally.core.StoreException;
import io.tally.core.connectionlog.ConnectionEvent;
import io.tally.core.connectionlog.ConnectionEvents;
import io.tally.core.connectionlog.ConnectionLogStore;
import io.tally.testkit.Await;
import io.tally.testkit.FaultyStore;
import io.tally.testkit.InMemoryConnectionLogStore;
import io.tally.testkit.ManualClock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** The relay's write algorithm without a server: ack after commit, retry, bisect, hand back. */
class RelayWriterTest {
  private final ManualClock clock = ManualClock.create();
  private final InMemoryConnectionLogStore memory = new InMemoryConnectionLogStore();
  private final List<String> actions = Collections.synchronizedList(new ArrayList<>());
  private final ExecutorService worker = Executors.newSingleThreadExecutor();

  /** A message: its sequence number. */
  private record Msg(int seq) {}

  private final RelayWriter.Messages<Msg> messages =
      new RelayWriter.Messages<>() {
        @Override
        public void ack(Msg m) {
          actions.add("ack " + m.seq());
        }

        @Override
        public void term(Msg m) {
          actions.add("term " + m.seq());
        }

        @Override
        public void inProgress(Msg m) {
          actions.add("wip " + m.seq());
        }

        @Override
        public void nak(Msg m, Duration delay) {
          actions.add((delay.isZero() ? "nak " : "nak-later " + delay + " ") + m.seq());
        }

        @Override
        public String describe(Msg m) {
          return String.valueOf(m.seq());
        }
      };

  @AfterEach
  void stopWorker() {
    worker.shutdownNow();
  }

  private RelayWriter<Msg> writer(ConnectionLogStore store) {
    Outcomes outcomes =
        new Outcomes(
            "relay",
            LoggerFactory.getLogger(RelayWriterTest.class),
            clock,
            HealthPolicy.defaults());
    return new RelayWriter<>(
        store,
        messages,
        Duration.ofSeconds(5),
        Duration.ofSeconds(30),
        new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(4), 0),
        clock,
        outcomes);
  }

  /**
   * @return a batch of {@code events}, message i carrying event i, coalesced
   */
  private static List<RelayBatch.Entry<ConnectionEvent, Msg>> batch(List<ConnectionEvent> events) {
    RelayBatch<ConnectionEvent, Msg> b = new RelayBatch<>(ConnectionEvents.coalescing());
    for (int i = 0; i < events.size(); i++) {
      b.add(events.get(i), new Msg(i));
    }
    return b.entries();
  }

  @Test
  void aCommittedBatchIsAcknowledgedMessageByMessageAfterTheStoreReturned() throws Exception {
    List<ConnectionEvent> events = Fixtures.events(10, 41);
    RelayWriter<Msg> w = writer(memory);
    w.took(events.size());
    w.write(batch(events));
    assertThat(actions).hasSize(events.size()).allMatch(a -> a.startsWith("ack "));
    assertThat(memory.batches()).hasSize(1);
    assertThat(w.relayed.get()).isEqualTo(events.size());
    assertThat(w.rows.get() + w.coalesced.get()).isEqualTo(events.size());
    assertThat(w.held.get()).isZero();
  }

  @Test
  void aTransientFailureIsRetriedAfterTheBackoffWithInProgressAndNoAckBefore() throws Exception {
    List<ConnectionEvent> events = Fixtures.events(3, 42);
    FaultyStore<ConnectionLogStore> faulty = FaultyStore.wrap((ConnectionLogStore) memory);
    faulty.failNext(2);
    RelayWriter<Msg> w = writer(faulty.store());
    w.took(events.size());
    Future<?> done =
        worker.submit(
            () -> {
              w.write(batch(events));
              return null;
            });
    Await.until(
        "the first retry is waiting", Duration.ofSeconds(30), () -> clock.pendingTasks() == 1);
    assertThat(actions).noneMatch(a -> a.startsWith("ack ")).anyMatch(a -> a.startsWith("wip "));
    clock.advance(Duration.ofSeconds(1));
    Await.until(
        "the second retry is waiting",
        Duration.ofSeconds(30),
        () -> faulty.calls() == 2 && clock.pendingTasks() == 1);
    clock.advance(Duration.ofSeconds(2));
    done.get(30, TimeUnit.SECONDS);
    assertThat(actions.stream().filter(a -> a.startsWith("ack "))).hasSize(events.size());
    assertThat(w.retries.get()).isEqualTo(2);
    assertThat(memory.rows()).isNotEmpty();
  }

  @Test
  void aDataErrorIsBisectedAndOnlyTheRejectedEventsMessagesAreTerminated() throws Exception {
    List<ConnectionEvent> events = connects(40, 43);
    ConnectionEvent bad = events.get(13);
    ConnectionLogStore rejecting =
        batch -> {
          if (batch.stream().anyMatch(e -> e.id().equals(bad.id()))) {
            throw new StoreException("bad value", null, StoreException.Kind.DATA);
          }
          memory.upsertBatch(batch);
        };
    RelayWriter<Msg> w = writer(rejecting);
    w.took(events.size());
    w.write(batch(events));
    assertThat(actions).contains("term 13").doesNotContain("ack 13");
    assertThat(actions.stream().filter(a -> a.startsWith("ack "))).hasSize(events.size() - 1);
    assertThat(memory.rows()).hasSize(events.size() - 1);
    assertThat(w.held.get()).isZero();
    assertThat(w.retries.get()).isZero();
  }

  /**
   * @return the connect events among {@code n} random events: one message, one row each
   */
  private static List<ConnectionEvent> connects(int n, long seed) {
    return Fixtures.events(n, seed).stream()
        .filter(e -> e.connectionId() != null && !e.isDisconnect())
        .toList();
  }

  /**
   * Lets {@code n} retries of {@code w} pass: waits for each, then moves the clock by exactly its
   * nominal backoff (1 s, 2 s, 4 s), never further, so that one advance cannot also run the timer
   * of the next retry.
   */
  private void passRetries(RelayWriter<Msg> w, int n) {
    for (int retry = 1; retry <= n; retry++) {
      int r = retry;
      Await.until(
          "retry " + r + " is waiting",
          Duration.ofSeconds(30),
          () -> w.retries.get() == r && clock.pendingTasks() == 1);
      clock.advance(Duration.ofSeconds(Math.min(4, 1L << (r - 1))));
    }
  }

  /** A store that throws an unclassified failure for every batch holding {@code bad}. */
  private ConnectionLogStore unclassifiedFailureFor(ConnectionEvent bad, AtomicInteger calls) {
    return batch -> {
      calls.incrementAndGet();
      if (batch.stream().anyMatch(e -> e.id().equals(bad.id()))) {
        throw new StoreException("something failed", null, StoreException.Kind.UNKNOWN);
      }
      memory.upsertBatch(batch);
    };
  }

  @Test
  void anUnclassifiedFailureOfOneEventIsIsolatedAfterThreeFailuresAndOnlyThatEventIsTerminated()
      throws Exception {
    List<ConnectionEvent> events = connects(40, 45);
    ConnectionEvent bad = events.get(7);
    AtomicInteger calls = new AtomicInteger();
    RelayWriter<Msg> w = writer(unclassifiedFailureFor(bad, calls));
    w.took(events.size());
    Future<?> done =
        worker.submit(
            () -> {
              w.write(batch(events));
              return null;
            });
    passRetries(w, 2);
    done.get(30, TimeUnit.SECONDS); // the third failure bisects at once, without another wait

    assertThat(actions).contains("term 7").doesNotContain("ack 7");
    assertThat(actions.stream().filter(a -> a.startsWith("ack "))).hasSize(events.size() - 1);
    assertThat(actions.stream().filter(a -> a.startsWith("term "))).hasSize(1);
    assertThat(memory.rows()).hasSize(events.size() - 1);
    assertThat(w.held.get()).isZero();
    assertThat(w.retries.get()).isEqualTo(2);
  }

  @Test
  void aStoreThatIsDownLosesNothingToTheUnclassifiedIsolationAndTheBatchIsHandedBackForLater()
      throws Exception {
    List<ConnectionEvent> events = Fixtures.events(20, 46);
    FaultyStore<ConnectionLogStore> faulty = FaultyStore.wrap((ConnectionLogStore) memory);
    faulty.failing(true); // unclassified failures (not a StoreException) for every call
    RelayWriter<Msg> w = writer(faulty.store());
    w.took(events.size());
    List<RelayBatch.Entry<ConnectionEvent, Msg>> batch = batch(events);
    Future<?> done =
        worker.submit(
            () -> {
              w.write(batch);
              return null;
            });
    passRetries(w, 2);
    done.get(30, TimeUnit.SECONDS);
    assertThat(faulty.calls())
        .as("a bisection was tried, and stopped early")
        .isBetween(4L, 3L + 2 * 5);
    assertThat(actions)
        .noneMatch(a -> a.startsWith("term ") || a.startsWith("ack ") || a.startsWith("nak "));
    assertThat(actions.stream().filter(a -> a.startsWith("nak-later PT4S ")))
        .hasSize(RelayBatch.messages(batch));
    assertThat(w.held.get()).isZero();
    assertThat(w.released.get()).isEqualTo(events.size());
  }

  @Test
  void aPoisonAloneInItsBatchIsHandedBackNotTerminatedAndDoesNotStallTheRelay() throws Exception {
    ConnectionEvent bad = Fixtures.events(1, 48).get(0);
    AtomicInteger calls = new AtomicInteger();
    RelayWriter<Msg> w = writer(unclassifiedFailureFor(bad, calls));
    w.took(1);
    Future<?> done =
        worker.submit(
            () -> {
              w.write(batch(List.of(bad)));
              return null;
            });
    passRetries(w, 2);
    done.get(30, TimeUnit.SECONDS);
    assertThat(actions).contains("wip 0"); // while it waited for its retries
    assertThat(actions.stream().filter(a -> !a.startsWith("wip ")))
        .containsExactly("nak-later PT4S 0");
    assertThat(calls.get()).isEqualTo(3); // alone from the start: no second try without evidence
    assertThat(w.held.get()).isZero();
  }

  @Test
  void anUnclassifiedSuspectThatSucceedsOnItsSecondTryAloneIsWritten() throws Exception {
    List<ConnectionEvent> events = connects(40, 47);
    ConnectionEvent flaky = events.get(3);
    AtomicInteger aloneTries = new AtomicInteger();
    ConnectionLogStore store =
        batch -> {
          boolean holdsIt = batch.stream().anyMatch(e -> e.id().equals(flaky.id()));
          if (holdsIt && (batch.size() > 1 || aloneTries.incrementAndGet() == 1)) {
            throw new StoreException("something failed", null, StoreException.Kind.UNKNOWN);
          }
          memory.upsertBatch(batch);
        };
    RelayWriter<Msg> w = writer(store);
    w.took(events.size());
    Future<?> done =
        worker.submit(
            () -> {
              w.write(batch(events));
              return null;
            });
    passRetries(w, 2);
    done.get(30, TimeUnit.SECONDS);
    assertThat(aloneTries.get()).isEqualTo(2);
    assertThat(actions.stream().filter(a -> a.startsWith("ack "))).hasSize(events.size());
    assertThat(actions).noneMatch(a -> a.startsWith("term "));
    assertThat(memory.rows()).hasSize(events.size());
  }

  @Test
  void stoppingDuringARetryHandsTheMessagesBack() throws Exception {
    List<ConnectionEvent> events = Fixtures.events(3, 44);
    FaultyStore<ConnectionLogStore> faulty = FaultyStore.wrap((ConnectionLogStore) memory);
    faulty.failing(true);
    RelayWriter<Msg> w = writer(faulty.store());
    w.took(events.size());
    Future<?> done =
        worker.submit(
            () -> {
              w.write(batch(events));
              return null;
            });
    Await.until("a retry is waiting", Duration.ofSeconds(30), () -> clock.pendingTasks() == 1);
    w.stop();
    assertThatThrownBy(() -> done.get(30, TimeUnit.SECONDS))
        .hasCauseInstanceOf(RelayWriter.Stopping.class);
    assertThat(actions.stream().filter(a -> a.startsWith("nak "))).hasSize(events.size());
    assertThat(actions).noneMatch(a -> a.startsWith("ack ") || a.startsWith("term "));
    assertThat(w.released.get()).isEqualTo(events.size());
    assertThat(w.held.get()).isZero();
  }
}
