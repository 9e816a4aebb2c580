package io.tally.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import io.tally.core.connectionlog.ConnectionEvent;
import io.tally.core.connectionlog.ConnectionLogRetention;
import io.tally.core.connectionlog.ConnectionLogStore;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Retention ({@link ConnectionLogRetention}) against a real database: a large table of mixed ages
 * is cut exactly at the cutoff in batches while a writer goes on, two replicas never delete at the
 * same time, a run stops at its time budget, and the clock drives the interval. Subclass it with a
 * store over your database:
 *
 * <pre>{@code
 * class MyRetentionTest extends ConnectionLogRetentionContract {
 *   @Override protected ConnectionLogStore newStore() { return new MyConnectionLogStore(ds); }
 *   @Override protected void emptyTable() { ... TRUNCATE ... }
 *   @Override protected void insertSessions(int count, Instant first, Duration step) { ... }
 *   @Override protected long countRows() { ... }
 * }
 * }</pre>
 */
public abstract class ConnectionLogRetentionContract {
  /** Rows of the large table: {@value}. */
  protected static final int ROWS = 100_000;

  private static final Duration RETENTION = Duration.ofDays(90);
  private static final Duration SPAN = Duration.ofDays(180);

  private final ManualClock clock = ManualClock.create();
  private final List<ConnectionLogRetention> components = new ArrayList<>();
  private final AtomicInteger deleting = new AtomicInteger();
  private final AtomicInteger mostAtOnce = new AtomicInteger();

  /**
   * Returns a new store instance over the test database (each replica gets its own, as separate
   * processes would).
   *
   * @return a store; its table exists
   */
  protected abstract ConnectionLogStore newStore();

  /** Deletes every row of the connection-log table; called before each test. */
  protected abstract void emptyTable();

  /**
   * Inserts {@code count} sessions in one statement (or a few), session {@code i} connected at
   * {@code first + i * step}, every other one with a disconnect one second after its connect and
   * the others without a disconnect; each with its own fresh ids.
   *
   * @param count how many
   * @param first the connect time of the first one
   * @param step the distance between two connect times; whole microseconds
   */
  protected abstract void insertSessions(int count, Instant first, Duration step);

  /**
   * @return the number of rows in the connection-log table
   */
  protected abstract long countRows();

  /**
   * Counts the rows connected at or after {@code cutoff}.
   *
   * @param cutoff the instant
   * @return how many rows have {@code connect_time >= cutoff}
   */
  protected abstract long countConnectedSince(Instant cutoff);

  /** Empties the table. */
  @BeforeEach
  void emptyTableBeforeTest() {
    emptyTable();
  }

  /** Closes every component the test built. */
  @AfterEach
  void closeComponents() {
    components.forEach(ConnectionLogRetention::close);
  }

  private ConnectionLogRetention.Builder retention(ConnectionLogStore store) {
    return ConnectionLogRetention.builder(store, RETENTION)
        .clock(clock)
        .interval(Duration.ofMinutes(10))
        .runBudget(Duration.ofSeconds(60));
  }

  private ConnectionLogRetention started(ConnectionLogRetention.Builder b) {
    ConnectionLogRetention r = b.build();
    components.add(r);
    return r;
  }

  private Instant cutoff() {
    return clock.now().minus(RETENTION);
  }

  /** Half of {@link #ROWS} before the cutoff, the other half at it or after; none in the future. */
  private void insertMixedAges() {
    insertSessions(ROWS, clock.now().minus(SPAN), SPAN.dividedBy(ROWS));
  }

  @Test
  void largeTableIsCutExactlyAtTheCutoffInBatchesWhileAWriterGoesOn() throws Exception {
    insertMixedAges();
    long young = countConnectedSince(cutoff());
    assertThat(ROWS - young).isEqualTo(ROWS / 2);
    Recording store = new Recording(newStore(), null);
    ConnectionLogRetention retention = started(retention(store).batchSize(10_000));
    ConnectionLogStore writerStore = newStore();
    AtomicBoolean done = new AtomicBoolean();
    ExecutorService writer = Executors.newSingleThreadExecutor();
    try {
      Future<Integer> written =
          writer.submit(
              () -> {
                int n = 0;
                Instant recent = clock.now().minus(Duration.ofHours(1));
                do {
                  List<ConnectionEvent> batch = new ArrayList<>();
                  for (int i = 0; i < 50; i++) {
                    batch.add(ConnectionLogStoreContract.session().connect(recent));
                  }
                  writerStore.upsertBatch(batch);
                  n += batch.size();
                } while (!done.get() || n < 500);
                return n;
              });
      ConnectionLogRetention.Run run = retention.runOnce();
      done.set(true);
      int newRows = written.get(60, TimeUnit.SECONDS);

      assertThat(run.locked()).isTrue();
      assertThat(run.complete()).isTrue();
      assertThat(run.rowsDeleted()).isEqualTo(ROWS / 2);
      assertThat(run.batches()).isEqualTo(6); // 5 full batches, then one that finds nothing
      assertThat(store.calls.get()).isEqualTo(6);
      assertThat(countRows()).isEqualTo(young + newRows);
      assertThat(countConnectedSince(cutoff())).isEqualTo(young + newRows);
      assertThat(retention.stats().flushedRows()).isEqualTo(ROWS / 2);
      assertThat(retention.stats().flushes()).isEqualTo(1);
    } finally {
      done.set(true);
      writer.shutdown();
      assertThat(writer.awaitTermination(60, TimeUnit.SECONDS)).isTrue();
    }
  }

  @Test
  void aReplicaThatCannotTakeTheLockSkipsItsRun() throws Exception {
    insertSessions(3_000, clock.now().minus(SPAN), Duration.ofSeconds(1));
    CountDownLatch firstDeleteStarted = new CountDownLatch(1);
    CountDownLatch otherReplicaDone = new CountDownLatch(1);
    ConnectionLogRetention a =
        started(
            retention(
                    new Recording(
                        newStore(),
                        () -> {
                          firstDeleteStarted.countDown();
                          await(otherReplicaDone);
                        }))
                .batchSize(1_000));
    ConnectionLogRetention b = started(retention(new Recording(newStore(), null)).batchSize(1_000));
    ExecutorService runner = Executors.newSingleThreadExecutor();
    try {
      Future<ConnectionLogRetention.Run> runOfA = runner.submit(a::runOnce);
      await(firstDeleteStarted);

      ConnectionLogRetention.Run runOfB = b.runOnce();
      otherReplicaDone.countDown();

      assertThat(runOfB.locked()).isFalse();
      assertThat(runOfB.batches()).isZero();
      assertThat(runOfA.get(60, TimeUnit.SECONDS).rowsDeleted()).isEqualTo(3_000);
      assertThat(b.runOnce().locked()).isTrue(); // released at the end of a's run
    } finally {
      otherReplicaDone.countDown();
      runner.shutdown();
      assertThat(runner.awaitTermination(60, TimeUnit.SECONDS)).isTrue();
    }
    assertThat(countRows()).isZero();
  }

  @Test
  void twoReplicasNeverDeleteAtTheSameTime() throws Exception {
    int rounds = 10;
    ConnectionLogRetention a = started(retention(new Recording(newStore(), null)).batchSize(100));
    ConnectionLogRetention b = started(retention(new Recording(newStore(), null)).batchSize(100));
    ExecutorService runners = Executors.newFixedThreadPool(2);
    try {
      long deleted = 0;
      for (int round = 0; round < rounds; round++) {
        insertSessions(1_000, clock.now().minus(SPAN), Duration.ofSeconds(1));
        Future<ConnectionLogRetention.Run> ra = runners.submit(a::runOnce);
        Future<ConnectionLogRetention.Run> rb = runners.submit(b::runOnce);
        deleted += ra.get(60, TimeUnit.SECONDS).rowsDeleted();
        deleted += rb.get(60, TimeUnit.SECONDS).rowsDeleted(); // one ran, or both in turn
      }
      assertThat(deleted).isEqualTo(rounds * 1_000L);
    } finally {
      runners.shutdown();
      assertThat(runners.awaitTermination(60, TimeUnit.SECONDS)).isTrue();
    }
    assertThat(mostAtOnce.get()).isEqualTo(1);
    assertThat(countRows()).isZero();
  }

  @Test
  void aRunStopsAtItsTimeBudgetAndTheNextGoesOn() {
    insertSessions(1_000, clock.now().minus(SPAN), Duration.ofSeconds(1));
    ConnectionLogRetention retention =
        started(retention(newStore()).batchSize(300).runBudget(Duration.ofNanos(1)));

    ConnectionLogRetention.Run first = retention.runOnce();

    assertThat(first.batches()).isEqualTo(1); // the budget was spent after the first batch
    assertThat(first.complete()).isFalse();
    assertThat(first.rowsDeleted()).isEqualTo(300);
    assertThat(countRows()).isEqualTo(700);
    long runs = 1;
    while (retention.runOnce().rowsDeleted() > 0) {
      runs++;
    }
    assertThat(runs).isEqualTo(4);
    assertThat(countRows()).isZero();
  }

  @Test
  void theClockDrivesTheInterval() {
    insertSessions(10, clock.now().minus(SPAN), Duration.ofSeconds(1));
    ConnectionLogRetention retention = started(retention(newStore()));

    clock.advance(Duration.ofMinutes(9));
    assertThat(countRows()).isEqualTo(10);
    clock.advance(Duration.ofMinutes(1));
    assertThat(countRows()).isZero();
    insertSessions(5, clock.now().minus(SPAN), Duration.ofSeconds(1));
    clock.advance(Duration.ofMinutes(10));
    assertThat(countRows()).isZero();
    assertThat(retention.stats().flushedRows()).isEqualTo(15);
    assertThat(retention.stats().flushes()).isEqualTo(2);

    retention.close();
    insertSessions(5, clock.now().minus(SPAN), Duration.ofSeconds(1));
    clock.advance(Duration.ofMinutes(30));
    assertThat(countRows()).isEqualTo(5);
  }

  private static void await(CountDownLatch latch) {
    try {
      if (!latch.await(60, TimeUnit.SECONDS)) {
        throw new AssertionError("waited 60 s for a latch");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  /**
   * A store that counts its deletes and how many ran at once across every replica of the test, and
   * can hold each delete at a hook.
   */
  private final class Recording implements ConnectionLogStore {
    final ConnectionLogStore delegate;
    final @Nullable Runnable hook;
    final AtomicInteger calls = new AtomicInteger();

    Recording(ConnectionLogStore delegate, @Nullable Runnable hook) {
      this.delegate = delegate;
      this.hook = hook;
    }

    @Override
    public void upsertBatch(List<ConnectionEvent> batch) {
      delegate.upsertBatch(batch);
    }

    @Override
    public int deleteOlderThan(Instant cutoff, int limit) {
      calls.incrementAndGet();
      mostAtOnce.accumulateAndGet(deleting.incrementAndGet(), Math::max);
      try {
        if (hook != null) {
          hook.run();
        }
        return delegate.deleteOlderThan(cutoff, limit);
      } finally {
        deleting.decrementAndGet();
      }
    }

    @Override
    public Optional<RetentionLock> tryLockRetention() {
      return delegate.tryLockRetention();
    }

    @Override
    public String toString() {
      return "Recording{" + delegate + '}';
    }
  }
}
