package io.tally.core.usagestats;

import io.tally.core.Clock;
import io.tally.core.ComponentStats;
import io.tally.core.DropReasons;
import io.tally.core.FlushResult;
import io.tally.core.Health;
import io.tally.core.StoreException;
import io.tally.core.internal.CloseRetry;
import io.tally.core.internal.FailureTracker;
import io.tally.core.internal.Fatal;
import io.tally.core.internal.FlushListeners;
import io.tally.core.internal.TallyThreadFactory;
import io.tally.core.internal.TimedCall;
import java.time.Duration;
import java.util.HashSet;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link UsageStatsTracker} implementation; see the package documentation for the algorithm.
 *
 * <p>Two locks: {@link #lock} guards the delta sets and every counter and is held only for a few
 * set insertions or a reference swap; {@link #flushLock} makes flushes single-flight and guards the
 * cumulative sets, the in-doubt snapshot and the sequence counter. No lock is held across a store
 * call except {@code flushLock}, which {@code track} never takes.
 */
final class DefaultUsageStatsTracker implements UsageStatsTracker {
  private static final Logger log = LoggerFactory.getLogger(UsageStatsTracker.class);

  private final String name;
  private final UsageStatsStore store;
  private final UUID replicaId;
  private final UUID session = UUID.randomUUID();
  private final Clock clock;
  private final Duration flushInterval;
  private final Duration flushTimeout;
  private final Duration shutdownTimeout;
  private final int maxIdsPerCall;
  private final FailureTracker failures;
  private final FlushListeners listeners;
  private final ExecutorService io;

  // Guarded by lock: the deltas and every track-call counter.
  private final Object lock = new Object();
  private Set<UUID> workspaceDelta = new HashSet<>();
  private Set<UUID> userDelta = new HashSet<>();
  private long allowedDelta;
  private long deniedDelta;
  private long deltaCalls;
  private long accepted;
  private long inFlightCalls; // in a snapshot being written or in doubt
  private long flushedRows;
  private long droppedAtClose;
  private long rejected; // calls of snapshots the store rejected as bad data
  private long saturatedCalls; // track calls whose counts reached Long.MAX_VALUE
  private boolean closed; // no more track calls
  private boolean finished; // close() has accounted for everything left: no more flushes

  // Guarded by flushLock.
  private final ReentrantLock flushLock = new ReentrantLock();
  private Set<UUID> cumulativeWorkspaces = new HashSet<>();
  private Set<UUID> cumulativeUsers = new HashSet<>();
  private UsageSnapshot inDoubt; // a snapshot not completely written: its current chunk is in doubt
  private long nextSequence = 1;

  private final AtomicLong flushes = new AtomicLong();
  private final AtomicLong failedFlushes = new AtomicLong();
  private final AtomicLong retries = new AtomicLong();

  private final Object timerLock = new Object();
  private Clock.Cancellable timer; // guarded by timerLock
  private boolean timerStopped; // guarded by timerLock

  DefaultUsageStatsTracker(UsageStatsTracker.Builder b) {
    this.name = b.name;
    this.store = b.store;
    this.replicaId = b.replicaId;
    this.clock = b.clock;
    this.flushInterval = b.flushInterval;
    this.flushTimeout = b.flushTimeout;
    this.shutdownTimeout = b.shutdownTimeout;
    this.maxIdsPerCall = b.maxIdsPerCall;
    this.failures = new FailureTracker(name, log, clock, b.healthPolicy);
    this.listeners = new FlushListeners(name, b.listeners);
    this.io = Executors.newSingleThreadExecutor(new TallyThreadFactory(name));
  }

  void start() {
    arm();
  }

  @Override
  public void track(UUID workspaceId, UUID userId, long allowed, long denied) {
    Objects.requireNonNull(workspaceId, "workspaceId");
    Objects.requireNonNull(userId, "userId");
    if (allowed < 0) {
      throw new IllegalArgumentException("allowed was " + allowed + " but must be >= 0");
    }
    if (denied < 0) {
      throw new IllegalArgumentException("denied was " + denied + " but must be >= 0");
    }
    synchronized (lock) {
      if (closed) {
        throw new IllegalStateException(name + " is closed");
      }
      workspaceDelta.add(workspaceId);
      userDelta.add(userId);
      if (allowedDelta + allowed < 0 || deniedDelta + denied < 0) { // would wrap: saturates
        saturatedCalls++;
        if (saturatedCalls == 1) {
          log.warn(
              "{}: request counts reached Long.MAX_VALUE and are kept there (saturated);"
                  + " see saturatedCalls()",
              name);
        }
      }
      allowedDelta = UsageStatsStore.addCounts(allowedDelta, allowed);
      deniedDelta = UsageStatsStore.addCounts(deniedDelta, denied);
      deltaCalls++;
      accepted++;
    }
  }

  @Override
  public FlushResult flush() {
    synchronized (lock) {
      if (closed) {
        return FlushResult.empty(); // as every component: close() made the final flush
      }
    }
    flushLock.lock();
    try {
      synchronized (lock) {
        if (finished) {
          return FlushResult.empty();
        }
      }
      return flushLocked(null);
    } finally {
      flushLock.unlock();
    }
  }

  @Override
  public long saturatedCalls() {
    synchronized (lock) {
      return saturatedCalls;
    }
  }

  @Override
  public UUID replicaId() {
    return replicaId;
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public ComponentStats stats() {
    ComponentStats.Builder b =
        ComponentStats.builder(name)
            .flushes(flushes.get())
            .failedFlushes(failedFlushes.get())
            .retries(retries.get())
            .consecutiveFailures(failures.consecutiveFailures())
            .lastSuccess(failures.lastSuccess())
            .callbackFailures(listeners.failures())
            .coalesced(0);
    synchronized (lock) {
      b.accepted(accepted)
          .flushedRows(flushedRows)
          .pending(deltaCalls + inFlightCalls)
          .dropped(DropReasons.SHUTDOWN, droppedAtClose)
          .dropped(DropReasons.REJECTED, rejected);
    }
    return b.build();
  }

  @Override
  public Health health() {
    return failures.health();
  }

  @Override
  public void close() {
    synchronized (timerLock) {
      if (timerStopped) {
        return;
      }
      timerStopped = true;
      if (timer != null) {
        timer.cancel();
      }
    }
    Clock real = Clock.system();
    long deadline = real.nanoTime() + shutdownTimeout.toNanos();
    try {
      if (flushLock.tryLock(shutdownTimeout.toNanos(), TimeUnit.NANOSECONDS)) {
        try {
          synchronized (lock) {
            closed = true; // no more track calls: what the final flush misses is reported below
          }
          CloseRetry.untilDone(
              () -> {
                flushLocked(deadline);
                return inDoubt == null && pendingDeltas() == 0;
              },
              deadline);
        } finally {
          flushLock.unlock();
        }
      } else {
        log.warn(
            "{}: a flush still running after {} prevented the final flush", name, shutdownTimeout);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      long lost;
      synchronized (lock) {
        closed = true;
        finished = true;
        lost = deltaCalls + inFlightCalls;
        droppedAtClose += lost;
        deltaCalls = 0;
        inFlightCalls = 0;
        workspaceDelta = new HashSet<>();
        userDelta = new HashSet<>();
        allowedDelta = 0;
        deniedDelta = 0;
      }
      io.shutdownNow();
      if (lost > 0) {
        log.error(
            "{}: closed with {} tracked call(s) not written (counted as dropped, reason {})",
            name,
            lost,
            DropReasons.SHUTDOWN);
      }
    }
  }

  private long pendingDeltas() {
    synchronized (lock) {
      return deltaCalls;
    }
  }

  // ---------------------------------------------------------------------------------------------

  private void arm() {
    synchronized (timerLock) {
      if (!timerStopped) {
        timer = clock.schedule(flushInterval, this::onTimer);
      }
    }
  }

  private void onTimer() {
    try {
      flushLock.lock();
      try {
        synchronized (timerLock) {
          if (timerStopped) {
            return;
          }
        }
        flushLocked(null);
      } finally {
        flushLock.unlock();
      }
    } catch (RuntimeException | Error e) {
      Fatal.rethrowIfFatal(e);
      log.error("{}: scheduled flush threw unexpectedly; the timer goes on", name, e);
    } finally {
      arm();
    }
  }

  /**
   * One flush: the in-doubt snapshot first (its chunk in doubt again with its own sequence number,
   * then its remaining chunks), then the deltas. Caller holds {@link #flushLock}.
   *
   * @param deadline real-time {@code nanoTime} bound for close(), or null for flushTimeout per call
   */
  private FlushResult flushLocked(@Nullable Long deadline) {
    long start = clock.nanoTime();
    long written = 0;
    if (inDoubt != null) {
      retries.incrementAndGet();
      UsageSnapshot retry = inDoubt;
      Throwable failure = write(retry, deadline);
      if (failure != null) {
        return failed(retry, start, failure);
      }
      written += retry.calls;
    }
    UsageSnapshot next = snapshot();
    if (next != null) {
      Throwable failure = write(next, deadline);
      if (failure != null) {
        return failed(next, start, failure);
      }
      written += next.calls;
    }
    FlushResult result;
    if (written == 0) {
      result = FlushResult.empty();
    } else {
      flushes.incrementAndGet();
      failures.recordSuccess();
      result = FlushResult.success(rows(written), Duration.ofNanos(clock.nanoTime() - start));
    }
    listeners.fire(result);
    return result;
  }

  private FlushResult failed(UsageSnapshot s, long start, Throwable failure) {
    failedFlushes.incrementAndGet();
    UsageFlush chunk = s.current();
    failures.recordFailure(
        "flushing "
            + s.calls
            + " tracked call(s) (replica "
            + replicaId
            + (chunk == null ? "" : ", sequence " + chunk.sequence())
            + ")",
        failure);
    FlushResult result =
        failure instanceof TimeoutException
            ? FlushResult.timedOut(rows(s.calls), flushTimeout, failure)
            : FlushResult.failed(
                rows(s.calls), Duration.ofNanos(clock.nanoTime() - start), failure);
    listeners.fire(result);
    return result;
  }

  /**
   * Takes and resets the deltas, or returns null when nothing was tracked since the last one. Ids
   * already recorded in this replica's period (in the cumulative sets) are not sent again; they are
   * kept aside and sent only if the snapshot's counts start a new period.
   */
  private @Nullable UsageSnapshot snapshot() {
    Set<UUID> workspaces;
    Set<UUID> users;
    long allowed;
    long denied;
    long calls;
    synchronized (lock) {
      if (deltaCalls == 0) {
        return null;
      }
      workspaces = workspaceDelta;
      users = userDelta;
      allowed = allowedDelta;
      denied = deniedDelta;
      calls = deltaCalls;
      workspaceDelta = new HashSet<>();
      userDelta = new HashSet<>();
      allowedDelta = 0;
      deniedDelta = 0;
      deltaCalls = 0;
      inFlightCalls += calls;
    }
    return new UsageSnapshot(
        calls, allowed, denied, workspaces, users, cumulativeWorkspaces, cumulativeUsers);
  }

  /**
   * Writes a snapshot chunk by chunk, each chunk in its own store call. On a failure the chunk
   * stays current and the snapshot becomes the in-doubt snapshot; the next flush re-sends that
   * chunk with the same sequence number, then the rest. A chunk the store rejects as bad data
   * ({@link StoreException.Kind#DATA}: the transaction rolled back) cannot succeed later: the rest
   * of the snapshot is given up, counted and logged.
   *
   * @return null on success, else what failed
   */
  private Throwable write(UsageSnapshot s, Long deadline) {
    inDoubt = s;
    while (!s.done()) {
      UsageFlush chunk =
          s.currentOrNext(
              maxIdsPerCall,
              replicaId,
              session,
              () -> nextSequence++,
              cumulativeWorkspaces,
              cumulativeUsers,
              clock.now());
      FlushOutcome outcome;
      try {
        outcome = TimedCall.call(io, () -> store.flush(chunk), timeout(deadline));
        if (outcome == null) {
          return new IllegalStateException("store " + store + " returned no FlushOutcome");
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return e;
      } catch (Exception | Error e) {
        Fatal.rethrowIfFatal(e); // a store that throws an AssertionError is a failed flush too
        if (!(e instanceof TimeoutException)
            && StoreException.kindOf(e) == StoreException.Kind.DATA) {
          giveUp(s, e);
        }
        return e;
      }
      if (outcome.startedPeriod()) {
        // A new period began for this replica: its cumulative sets restart from this chunk's ids.
        cumulativeWorkspaces = new HashSet<>(chunk.workspaceIds());
        cumulativeUsers = new HashSet<>(chunk.userIds());
      }
      s.written(outcome);
    }
    inDoubt = null;
    synchronized (lock) {
      if (finished) {
        droppedAtClose -= s.calls; // close() gave up on it, but it was written after all
      } else {
        inFlightCalls -= s.calls;
      }
      flushedRows += s.calls;
    }
    return null;
  }

  private Duration timeout(Long deadline) throws TimeoutException {
    if (deadline == null) {
      return flushTimeout;
    }
    long left = deadline - Clock.system().nanoTime();
    if (left <= 0) {
      throw new TimeoutException("no time left before the shutdown timeout");
    }
    return Duration.ofNanos(Math.min(left, flushTimeout.toNanos()));
  }

  /** Gives up a snapshot the store rejected: counted as dropped (reason rejected) and logged. */
  private void giveUp(UsageSnapshot s, Throwable failure) {
    inDoubt = null;
    boolean countsLost = s.currentCarriesCounts();
    synchronized (lock) {
      if (!finished) {
        inFlightCalls -= s.calls;
        if (countsLost) {
          rejected += s.calls;
        } else {
          flushedRows += s.calls; // their counts were written; only some ids were not
        }
      }
    }
    log.error(
        "{}: the store rejected the usage of {} tracked call(s) (replica {}, sequence {});"
            + " {} given up",
        name,
        s.calls,
        replicaId,
        s.current().sequence(),
        countsLost ? "counted as dropped (reason " + DropReasons.REJECTED + ") and" : "their ids",
        failure);
  }

  private static int rows(long n) {
    return (int) Math.min(n, Integer.MAX_VALUE);
  }

  @Override
  public String toString() {
    return "UsageStatsTracker{name=" + name + ", replicaId=" + replicaId + '}';
  }
}
