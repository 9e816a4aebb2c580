package io.tally.core.connectionlog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tally.core.FlushResult;
import io.tally.core.Health;
import io.tally.core.HealthPolicy;
import io.tally.testkit.Await;
import io.tally.testkit.ConnectionLogStoreContract;
import io.tally.testkit.ConservationCheck;
import io.tally.testkit.FaultyStore;
import io.tally.testkit.InMemoryConnectionLogStore;
import io.tally.testkit.ManualClock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class ConnectionLogRetentionTest {
  private static final Duration DAY = Duration.ofDays(1);

  @RegisterExtension final ConservationCheck conservation = ConservationCheck.create();

  private final ManualClock clock = ManualClock.create();
  private final InMemoryConnectionLogStore store = new InMemoryConnectionLogStore();
  private final List<FlushResult> seen = new CopyOnWriteArrayList<>();
  private final List<ConnectionLogRetention> built = new ArrayList<>();

  @AfterEach
  void close() {
    built.forEach(ConnectionLogRetention::close);
  }

  private ConnectionLogRetention.Builder builder(ConnectionLogStore s) {
    return ConnectionLogRetention.builder(s, DAY)
        .clock(clock)
        .flushListener((component, result) -> seen.add(result));
  }

  private ConnectionLogRetention build(ConnectionLogRetention.Builder b) {
    ConnectionLogRetention r = conservation.watch(b.build());
    built.add(r);
    return r;
  }

  /** Writes {@code old} sessions older than a day and {@code young} younger ones. */
  private void sessions(int old, int young) {
    List<ConnectionEvent> events = new ArrayList<>();
    for (int i = 0; i < old; i++) {
      events.add(
          ConnectionLogStoreContract.session()
              .connect(clock.now().minus(DAY).minusSeconds(old - i)));
    }
    for (int i = 0; i < young; i++) {
      events.add(ConnectionLogStoreContract.session().connect(clock.now().minusSeconds(i)));
    }
    store.upsertBatch(events);
  }

  @Test
  void defaultsAreTheDocumentedOnes() {
    assertThat(ConnectionLogRetention.Builder.DEFAULT_INTERVAL).isEqualTo(Duration.ofMinutes(10));
    assertThat(ConnectionLogRetention.Builder.DEFAULT_BATCH_SIZE).isEqualTo(10_000);
    assertThat(ConnectionLogRetention.Builder.MAX_BATCH_SIZE).isEqualTo(100_000);
    assertThat(ConnectionLogRetention.Builder.DEFAULT_RUN_BUDGET).isEqualTo(Duration.ofMinutes(1));
    ConnectionLogRetention r = build(builder(store));
    assertThat(r.name()).isEqualTo("connection-log-retention");
    assertThat(r.stats().component()).isEqualTo("connection-log-retention");
    assertThat(clock.pendingDelays()).containsExactly(Duration.ofMinutes(10));
    assertThat(r.health()).isEqualTo(Health.HEALTHY);
  }

  @Test
  void builderRejectsBadOptionsNamingThem() {
    assertThatThrownBy(() -> ConnectionLogRetention.builder(store, Duration.ZERO).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("retention was PT0S but must be positive");
    assertThatThrownBy(() -> builder(store).batchSize(0).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("batchSize was 0");
    assertThatThrownBy(() -> builder(store).batchSize(100_001).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("batchSize was 100001 but must be at most 100000");
    assertThatThrownBy(() -> builder(store).runBudget(Duration.ofSeconds(-1)).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("runBudget was PT-1S but must be positive");
    assertThatThrownBy(() -> ConnectionLogRetention.builder(null, DAY))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("store");
    assertThat(clock.pendingTasks()).as("a rejected builder starts no timer").isZero();
  }

  @Test
  void aStoreWithoutTheRetentionMethodsFailsAtBuildNamingItsClass() {
    ConnectionLogStore legacy = batch -> {};

    assertThatThrownBy(() -> builder(legacy).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(legacy.getClass().getName())
        .hasMessageContaining("ConnectionLogStore.deleteOlderThan(Instant, int)")
        .hasMessageContaining("ConnectionLogStore.tryLockRetention()");
    assertThatThrownBy(() -> legacy.deleteOlderThan(Instant.EPOCH, 1))
        .isInstanceOf(UnsupportedOperationException.class)
        .hasMessageContaining(legacy.getClass().getName())
        .hasMessageContaining("tally.connection-log.retention");
    assertThatThrownBy(legacy::tryLockRetention)
        .isInstanceOf(UnsupportedOperationException.class)
        .hasMessageContaining(legacy.getClass().getName());
  }

  @Test
  void aRunDeletesOldRowsInBatchesUntilABatchComesBackShort() {
    sessions(5, 2);
    ConnectionLogRetention r = build(builder(store).batchSize(2));

    ConnectionLogRetention.Run run = r.runOnce();

    assertThat(run.locked()).isTrue();
    assertThat(run.cutoff()).isEqualTo(clock.now().minus(DAY));
    assertThat(run.batches()).isEqualTo(3);
    assertThat(run.rowsDeleted()).isEqualTo(5);
    assertThat(run.complete()).isTrue();
    assertThat(run.result().outcome()).isEqualTo(FlushResult.Outcome.SUCCESS);
    assertThat(run.result().rows()).isEqualTo(5);
    assertThat(store.rows()).hasSize(2).allMatch(row -> !row.connectTime().isBefore(run.cutoff()));
    assertThat(r.stats().flushedRows()).isEqualTo(5);
    assertThat(r.stats().accepted()).isEqualTo(5);
    assertThat(r.stats().flushes()).isEqualTo(1);
    assertThat(seen).containsExactly(run.result());

    assertThat(r.flush().outcome()).isEqualTo(FlushResult.Outcome.EMPTY);
    assertThat(r.stats().flushes()).isEqualTo(1);
  }

  @Test
  void theClockDrivesTheIntervalAndCloseStopsIt() {
    ConnectionLogRetention r = build(builder(store).interval(Duration.ofMinutes(5)));
    sessions(3, 1);

    clock.advance(Duration.ofMinutes(4));
    assertThat(store.rows()).hasSize(4);
    clock.advance(Duration.ofMinutes(1));
    assertThat(store.rows()).hasSize(1);
    assertThat(clock.pendingDelays()).containsExactly(Duration.ofMinutes(5));

    r.close();
    sessions(3, 0);
    clock.advance(Duration.ofHours(1));
    assertThat(store.rows()).hasSize(4);
    assertThat(clock.pendingTasks()).isZero();
    assertThat(r.runOnce().locked()).isFalse();
  }

  @Test
  void aReplicaWithoutTheLockSkipsItsRunAndTellsNoListener() {
    sessions(3, 0);
    ConnectionLogRetention r = build(builder(store));
    Optional<ConnectionLogStore.RetentionLock> other = store.tryLockRetention();
    assertThat(other).isPresent();

    ConnectionLogRetention.Run skipped = r.runOnce();

    assertThat(skipped.locked()).isFalse();
    assertThat(skipped.batches()).isZero();
    assertThat(skipped.result().outcome()).isEqualTo(FlushResult.Outcome.EMPTY);
    assertThat(store.rows()).hasSize(3);
    assertThat(seen).isEmpty();
    other.get().close();
    assertThat(r.runOnce().rowsDeleted()).isEqualTo(3);
  }

  @Test
  void aFailedBatchEndsTheRunReleasesTheLockAndCounts() {
    sessions(5, 0);
    FaultyStore<ConnectionLogStore> faulty =
        FaultyStore.<ConnectionLogStore>wrap(store).affecting("deleteOlderThan").failOnCall(2);
    ConnectionLogRetention r =
        build(
            builder(faulty.store())
                .batchSize(2)
                .healthPolicy(HealthPolicy.of(1, Duration.ofHours(1))));

    ConnectionLogRetention.Run failed = r.runOnce();

    assertThat(failed.result().outcome()).isEqualTo(FlushResult.Outcome.FAILED);
    assertThat(failed.batches()).isEqualTo(2);
    assertThat(failed.rowsDeleted()).isEqualTo(2);
    assertThat(r.stats().failedFlushes()).isEqualTo(1);
    assertThat(r.stats().consecutiveFailures()).isEqualTo(1);
    assertThat(r.stats().flushedRows()).isEqualTo(2);
    assertThat(r.health()).isEqualTo(Health.DEGRADED);
    Optional<ConnectionLogStore.RetentionLock> lock = store.tryLockRetention();
    assertThat(lock).as("released after the failure").isPresent();
    lock.get().close();

    ConnectionLogRetention.Run next = r.runOnce();
    assertThat(next.rowsDeleted()).isEqualTo(3);
    assertThat(r.health()).isEqualTo(Health.HEALTHY);
    assertThat(store.rows()).isEmpty();
  }

  @Test
  void aBatchPastTheCallTimeoutKeepsTheLockUntilItEnds() {
    sessions(3, 0);
    CountDownLatch gate = new CountDownLatch(1);
    Gated stubborn = new Gated(gate, null);
    ConnectionLogRetention r = build(builder(stubborn).callTimeout(Duration.ofSeconds(2)));

    ConnectionLogRetention.Run run = r.runOnce();

    assertThat(run.result().outcome()).isEqualTo(FlushResult.Outcome.TIMED_OUT);
    assertThat(r.stats().failedFlushes()).isEqualTo(1);
    assertThat(store.tryLockRetention()).as("still held by the stale delete").isEmpty();
    gate.countDown();
    Await.until(
        "the lock released after the stale delete", Duration.ofSeconds(60), this::lockIsFree);
    assertThat(store.rows()).isEmpty();
    assertThat(stubborn.deletes.get()).isEqualTo(1);
    assertThat(r.stats().flushedRows()).as("the late delete's rows are counted").isEqualTo(3);
  }

  @Test
  void aLockTakenAfterTheCallTimeoutIsReleasedNotLeaked() {
    sessions(1, 0);
    CountDownLatch gate = new CountDownLatch(1);
    Gated slowLock = new Gated(null, gate);
    ConnectionLogRetention r = build(builder(slowLock).callTimeout(Duration.ofSeconds(2)));

    ConnectionLogRetention.Run run = r.runOnce();

    assertThat(run.result().outcome()).isEqualTo(FlushResult.Outcome.TIMED_OUT);
    assertThat(run.locked()).isFalse();
    gate.countDown(); // the abandoned call now takes the lock: it must give it back
    Await.until(
        "the abandoned call took the lock and gave it back",
        Duration.ofSeconds(30),
        () -> slowLock.locksTaken.get() == 1 && lockIsFree());
    assertThat(store.rows()).hasSize(1);
  }

  private boolean lockIsFree() {
    Optional<ConnectionLogStore.RetentionLock> lock = store.tryLockRetention();
    lock.ifPresent(ConnectionLogStore.RetentionLock::close);
    return lock.isPresent();
  }

  /**
   * The in-memory store, whose deletes or lock requests wait at a gate and ignore interrupts, as a
   * JDBC driver does.
   */
  private final class Gated implements ConnectionLogStore {
    final CountDownLatch deleteGate;
    final CountDownLatch lockGate;
    final AtomicInteger deletes = new AtomicInteger();
    final AtomicInteger locksTaken = new AtomicInteger();

    Gated(CountDownLatch deleteGate, CountDownLatch lockGate) {
      this.deleteGate = deleteGate;
      this.lockGate = lockGate;
    }

    @Override
    public void upsertBatch(List<ConnectionEvent> batch) {
      store.upsertBatch(batch);
    }

    @Override
    public int deleteOlderThan(Instant cutoff, int limit) {
      deletes.incrementAndGet();
      if (deleteGate != null) {
        awaitIgnoringInterrupts(deleteGate);
      }
      return store.deleteOlderThan(cutoff, limit);
    }

    @Override
    public Optional<RetentionLock> tryLockRetention() {
      if (lockGate != null) {
        awaitIgnoringInterrupts(lockGate);
      }
      Optional<RetentionLock> lock = store.tryLockRetention();
      locksTaken.incrementAndGet();
      return lock;
    }
  }

  /** Waits like a JDBC driver: an interrupt does not end the call. */
  private static void awaitIgnoringInterrupts(CountDownLatch gate) {
    boolean interrupted = false;
    while (true) {
      try {
        if (gate.await(60, TimeUnit.SECONDS)) {
          break;
        }
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  @Test
  void aListenerThatThrowsIsCountedAndTheRunGoesOn() {
    sessions(2, 0);
    ConnectionLogRetention r =
        build(
            builder(store)
                .flushListener(
                    (component, result) -> {
                      throw new IllegalStateException("listener bug");
                    }));

    assertThat(r.runOnce().rowsDeleted()).isEqualTo(2);
    assertThat(r.stats().callbackFailures()).isEqualTo(1);
    assertThat(seen).hasSize(1);
  }

  @Test
  void aClockBeforeTheStorableRangeDeletesNothing() {
    ManualClock early = ManualClock.startingAt(Instant.parse("1000-01-01T12:00:00Z"));
    ConnectionLogRetention r = build(builder(store).clock(early));

    ConnectionLogRetention.Run run = r.runOnce();

    assertThat(run.locked()).isFalse();
    assertThat(run.complete()).isTrue();
    assertThat(run.result().outcome()).isEqualTo(FlushResult.Outcome.EMPTY);
  }
}
