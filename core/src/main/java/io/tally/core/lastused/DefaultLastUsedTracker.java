package io.tally.core.lastused;

import io.tally.core.Clock;
import io.tally.core.ComponentStats;
import io.tally.core.DropReasons;
import io.tally.core.FlushResult;
import io.tally.core.Health;
import io.tally.core.InputRules;
import io.tally.core.StoreException;
import io.tally.core.internal.CloseRetry;
import io.tally.core.internal.FailureTracker;
import io.tally.core.internal.FlushListeners;
import io.tally.core.internal.TallyThreadFactory;
import io.tally.core.internal.TimedCall;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link LastUsedTracker} implementation.
 *
 * <p>Implementation notes. Pending entries live in one {@link ConcurrentHashMap} that is never
 * replaced; each value is a mutable {@link Stamp} holding the time as a primitive. For an id
 * already pending, {@code markUsed} is one map lookup ({@code get}, which takes no lock) and one
 * compare-and-set on the stamp's {@code long}, and allocates nothing; only an id new since the last
 * flush creates a stamp ({@code putIfAbsent}). So it knows whether it created an entry or folded
 * into one (the {@code coalesced} counter) without locking. A flush drains the map key by key: it
 * removes the stamp, then seals it and reads its last time in one atomic swap, so each entry is
 * moved exactly once, and a {@code markUsed} that races with the drain either raises the stamp
 * before the seal (and is written now) or meets the seal and creates a new entry (and is written
 * next time); nothing can fall between. A failed batch is folded back the same way, so the latest
 * time per id wins. Flushes are serialised by {@link #flushLock}; the store is called on one I/O
 * thread through {@link TimedCall}, so store calls never overlap either, even when one outlives its
 * timeout.
 */
final class DefaultLastUsedTracker<K> implements LastUsedTracker<K> {
  private static final Logger log = LoggerFactory.getLogger(LastUsedTracker.class);

  /**
   * Placeholder time held in {@link TimestampMode#FLUSH_TIME}, where the flush sets the time: the
   * epoch, encoded (see {@link Stamp}).
   */
  private static final long NO_TIME = 0L;

  /** {@link InputRules#MIN_TIME}'s epoch second (its nanoseconds are zero). */
  private static final long MIN_SECOND = InputRules.MIN_TIME.getEpochSecond();

  /** {@link InputRules#MAX_TIME}'s epoch second (its nanoseconds are the largest). */
  private static final long MAX_SECOND = InputRules.MAX_TIME.getEpochSecond();

  /** Failures in a row of kind {@code UNKNOWN} after which a batch is bisected: {@value}. */
  static final int ISOLATE_UNKNOWN_AFTER = 3;

  /** Rejected ids named in the ERROR line of one flush: {@value}. */
  private static final int LOGGED_KEYS = 10;

  /** Real time, for the deadline that bounds {@link #close()} (a timeout, not a schedule). */
  private static final Clock REAL_TIME = Clock.system();

  private final LastUsedStore<K> store;
  private final String name;
  private final Clock clock;
  private final Duration flushInterval;
  private final Duration flushTimeout;
  private final Duration shutdownTimeout;
  private final boolean flushTime;
  private final FailureTracker failures;
  private final FlushListeners listeners;
  private final ExecutorService io;

  private final ConcurrentHashMap<K, Stamp> pending = new ConcurrentHashMap<>();
  private final ReentrantLock flushLock = new ReentrantLock();
  private final Object timerLock = new Object();
  private Clock.Cancellable timer; // guarded by timerLock
  private volatile boolean closed;
  private volatile boolean finished; // close() has counted what is left as dropped
  private final AtomicBoolean closeStarted = new AtomicBoolean();

  private final LongAdder accepted = new LongAdder();
  private final LongAdder coalesced = new LongAdder();
  private final AtomicLong flushes = new AtomicLong();
  private final AtomicLong failedFlushes = new AtomicLong();

  /**
   * Guards the flush-side moves between counters: draining entries into a batch (and counting them
   * in flight), settling a batch (written, or folded back) and dropping at shutdown. {@link
   * #stats()} reads under it, so a snapshot never sees entries half moved.
   */
  private final Object statsLock = new Object();

  private long flushedRows; // guarded by statsLock
  private long droppedAtShutdown; // guarded by statsLock
  private long droppedRejected; // guarded by statsLock
  private long inFlight; // guarded by statsLock: entries drained by the running flush, unsettled

  DefaultLastUsedTracker(LastUsedTracker.Builder<K> b) {
    this.store = b.store;
    this.name = b.name;
    this.clock = b.clock;
    this.flushInterval = b.flushInterval;
    this.flushTimeout = b.flushTimeout;
    this.shutdownTimeout = b.shutdownTimeout;
    this.flushTime = b.timestampMode == TimestampMode.FLUSH_TIME;
    this.failures = new FailureTracker(name, log, clock, b.healthPolicy);
    this.listeners = new FlushListeners(name, b.listeners);
    this.io = Executors.newSingleThreadExecutor(new TallyThreadFactory(name));
  }

  void start() {
    synchronized (timerLock) {
      timer = clock.schedule(flushInterval, this::onTimer);
    }
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public void markUsed(K id) {
    InputRules.requireId(id);
    checkOpen();
    if (flushTime) {
      record(id, NO_TIME, null);
      return;
    }
    // Only primitives leave this method on the usual path, so the JIT can drop the Instant the
    // clock returns (no allocation per call); a time outside the nanosecond range is copied.
    Instant now = clock.now();
    long second = checkTime(now, "clock.now()");
    long t = Stamp.encode(second, now.getNano());
    boolean far = t == Stamp.FAR_PAST || t == Stamp.FAR_FUTURE;
    record(id, t, far ? Instant.ofEpochSecond(second, now.getNano()) : null);
  }

  @Override
  public void markUsed(K id, Instant at) {
    InputRules.requireId(id);
    long second = checkTime(at, "at");
    checkOpen();
    if (flushTime) {
      record(id, NO_TIME, null);
      return;
    }
    long t = Stamp.encode(second, at.getNano());
    record(id, t, t == Stamp.FAR_PAST || t == Stamp.FAR_FUTURE ? at : null);
  }

  /**
   * Checks a time against the input rules with two comparisons of its epoch second (exact: {@link
   * InputRules#MIN_TIME} has no fraction, {@link InputRules#MAX_TIME} the largest one); the rules'
   * own check builds the message when it fails.
   *
   * @return the time's epoch second
   */
  private static long checkTime(Instant time, String field) {
    if (time == null) {
      throw new NullPointerException(field);
    }
    long second = time.getEpochSecond();
    if (second < MIN_SECOND || second > MAX_SECOND) {
      InputRules.requireTime(time, field); // throws
    }
    return second;
  }

  private void checkOpen() {
    if (closed) {
      throw new IllegalStateException(name + " tracker is closed; markUsed is not accepted");
    }
  }

  /** Records the encoded time {@code t}; {@code far} is the time when {@code t} is a far marker. */
  private void record(K id, long t, @Nullable Instant far) {
    accepted.increment();
    if (insertOrFold(id, t, far)) {
      coalesced.increment();
    }
    if (finished) {
      // close() finished while this call ran (between checkOpen() and the insert): its last
      // drain may have missed this entry, so drop what is left here. The drains remove entry by
      // entry, so whichever of the two drains meets the entry counts it, exactly once.
      dropRemaining();
      throw new IllegalStateException(
          name
              + " tracker was closed while markUsed ran; the entry was dropped (reason '"
              + DropReasons.SHUTDOWN
              + "')");
    }
  }

  /**
   * Puts a time for {@code id}, keeping the later of it and the time held: the encoded time {@code
   * t} (see {@link Stamp}), or {@code far} when {@code t} is a far marker (else null).
   *
   * @return true if an entry was there (this time folded into it), false if one was created
   */
  private boolean insertOrFold(K id, long t, Instant far) {
    Stamp s = pending.get(id);
    while (true) {
      if (s == null) {
        s = pending.putIfAbsent(id, far == null ? new Stamp(t) : Stamp.of(far));
        if (s == null) {
          return false;
        }
      } else if (far == null ? s.raise(t) : s.raise(far)) {
        return true;
      } else {
        s = pending.get(id); // sealed by a flush, which removed it first
      }
    }
  }

  /** {@link #insertOrFold(Object, long, Instant)} for a time given as an instant. */
  private boolean insertOrFold(K id, Instant at) {
    long t = Stamp.encode(at);
    return insertOrFold(id, t, t == Stamp.FAR_PAST || t == Stamp.FAR_FUTURE ? at : null);
  }

  private void onTimer() {
    try {
      if (!closed) {
        flush();
      }
    } catch (RuntimeException | Error e) {
      log.error("{}: the timer's flush failed unexpectedly; the timer goes on", name, e);
    } finally {
      synchronized (timerLock) {
        if (!closed) {
          timer = clock.schedule(flushInterval, this::onTimer);
        }
      }
    }
  }

  @Override
  public FlushResult flush() {
    try {
      flushLock.lockInterruptibly();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return FlushResult.failed(0, Duration.ZERO, e);
    }
    try {
      if (closed) {
        return FlushResult.empty();
      }
      return flushLocked(flushTimeout);
    } finally {
      flushLock.unlock();
    }
  }

  /** One flush; the caller holds {@link #flushLock}. Never throws. */
  private FlushResult flushLocked(Duration timeout) {
    Map<K, Instant> batch;
    synchronized (statsLock) {
      batch = drain();
      inFlight = batch.size();
    }
    if (batch.isEmpty()) {
      FlushResult empty = FlushResult.empty();
      listeners.fire(empty);
      return empty;
    }
    int rows = batch.size();
    if (flushTime) {
      Instant now = clock.now();
      try {
        InputRules.requireTime(now, "the flush time (clock.now())");
      } catch (IllegalArgumentException bad) {
        // no store can hold it: keep the entries rather than have every one rejected
        FlushResult r = FlushResult.failed(rows, Duration.ZERO, bad);
        settleFailure(batch, "writing " + rows + " entries", bad);
        listeners.fire(r);
        return r;
      }
      batch.replaceAll((id, at) -> now);
    }
    long deadline = REAL_TIME.nanoTime() + timeout.toNanos();
    long start = clock.nanoTime();
    Throwable failure = write(batch, timeout);
    FlushResult result;
    if (failure == null) {
      Duration took = Duration.ofNanos(clock.nanoTime() - start);
      synchronized (statsLock) {
        flushedRows += rows;
        inFlight = 0;
      }
      flushes.incrementAndGet();
      failures.recordSuccess();
      result = FlushResult.success(rows, took);
      log.debug("{}: wrote {} entries in {}", name, rows, took);
    } else if (failure instanceof TimeoutException) {
      result = FlushResult.timedOut(rows, timeout, failure);
      settleFailure(
          batch, "writing " + rows + " entries (timed out after " + timeout + ")", failure);
    } else if (shouldIsolate(failure)) {
      result = isolate(batch, failure, deadline, start);
    } else {
      result = FlushResult.failed(rows, Duration.ofNanos(clock.nanoTime() - start), failure);
      settleFailure(batch, "writing " + rows + " entries", failure);
    }
    listeners.fire(result);
    return result;
  }

  /**
   * Calls the store with {@code part} on the I/O thread, bounded by {@code timeout}.
   *
   * @return null on success, else what the call threw (a {@link TimeoutException} on timeout)
   */
  private Throwable write(Map<K, Instant> part, Duration timeout) {
    Map<K, Instant> view = Collections.unmodifiableMap(part);
    try {
      TimedCall.call(
          io,
          () -> {
            store.markUsed(view);
            return null;
          },
          timeout);
      return null;
    } catch (Exception | Error e) {
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
      return e;
    }
  }

  /**
   * Whether a failed batch is bisected: always for a {@link StoreException.Kind#DATA} failure; for
   * {@link StoreException.Kind#UNKNOWN} once the batch has failed {@value #ISOLATE_UNKNOWN_AFTER}
   * times in a row (this failure included).
   */
  private boolean shouldIsolate(Throwable failure) {
    if (failure instanceof InterruptedException || Thread.currentThread().isInterrupted()) {
      return false;
    }
    StoreException.Kind kind = StoreException.kindOf(failure);
    return kind == StoreException.Kind.DATA
        || (kind == StoreException.Kind.UNKNOWN
            && failures.consecutiveFailures() + 1 >= ISOLATE_UNKNOWN_AFTER);
  }

  /**
   * Bisects a batch that failed for its data (see {@link Isolation}): writes the good entries,
   * drops the rejected ones with reason {@link DropReasons#REJECTED} and keeps the rest.
   */
  private FlushResult isolate(Map<K, Instant> batch, Throwable failure, long deadline, long start) {
    int rows = batch.size();
    Isolation<K> iso =
        new Isolation<>(this::write, REAL_TIME::nanoTime, deadline, StoreException.kindOf(failure));
    iso.run(batch, failure);
    Duration took = Duration.ofNanos(clock.nanoTime() - start);
    int written = iso.written.size();
    int rejectedCount = iso.rejected.size();
    synchronized (statsLock) {
      flushedRows += written;
      droppedRejected += rejectedCount;
      inFlight = iso.kept.size(); // settleFailure folds them back and clears it
    }
    if (rejectedCount > 0) {
      List<String> keys = new ArrayList<>();
      for (K id : iso.rejected.keySet()) {
        if (keys.size() == LOGGED_KEYS) {
          break;
        }
        keys.add(InputRules.shorten(String.valueOf(id)));
      }
      log.error(
          "{}: the store rejected {} of {} last-used entries for their data; dropped them (stats"
              + " reason '{}'), ids {}{}",
          name,
          rejectedCount,
          rows,
          DropReasons.REJECTED,
          keys,
          rejectedCount > keys.size() ? " and " + (rejectedCount - keys.size()) + " more" : "",
          iso.rejectedBy);
    }
    if (iso.kept.isEmpty()) {
      flushes.incrementAndGet();
      failures.recordSuccess();
      log.debug(
          "{}: wrote {} entries in {} after isolating {}", name, written, took, rejectedCount);
      return FlushResult.success(written, took);
    }
    Throwable last = iso.lastFailure != null ? iso.lastFailure : failure;
    String what = "writing " + iso.kept.size() + " entries";
    if (written + rejectedCount > 0) {
      what +=
          " (" + written + " written, " + rejectedCount + " rejected while isolating bad entries)";
    }
    settleFailure(iso.kept, what, last);
    return FlushResult.failed(rows, took, last);
  }

  private void settleFailure(Map<K, Instant> batch, String what, Throwable failure) {
    synchronized (statsLock) {
      long folded = 0;
      for (Map.Entry<K, Instant> e : batch.entrySet()) {
        if (insertOrFold(e.getKey(), e.getValue())) {
          folded++;
        }
      }
      coalesced.add(folded);
      inFlight = 0;
    }
    failedFlushes.incrementAndGet();
    failures.recordFailure(what, failure);
    if (finished) {
      dropRemaining(); // close() gave up waiting for this flush and has already counted
    }
  }

  /**
   * Moves every pending entry into a new map, each exactly once; the caller holds {@link
   * #statsLock} and counts the result (in flight, or dropped). The map's iterator may meet an id
   * twice (removed, then marked again and appended further along the same bin), so a second entry
   * for an id folds into the first, keeping the later time, and counts as coalesced.
   */
  private Map<K, Instant> drain() {
    Map<K, Instant> batch = new HashMap<>(Math.max(16, (int) (pending.mappingCount() * 4 / 3) + 1));
    long folded = 0;
    for (K id : pending.keySet()) {
      Stamp stamp = pending.remove(id);
      if (stamp != null) {
        Instant at = stamp.seal();
        Instant earlier = batch.put(id, at);
        if (earlier != null) {
          folded++;
          if (earlier.isAfter(at)) {
            batch.put(id, earlier);
          }
        }
      }
    }
    if (folded > 0) {
      coalesced.add(folded);
    }
    return batch;
  }

  private void dropRemaining() {
    int n;
    synchronized (statsLock) {
      n = drain().size();
      droppedAtShutdown += n;
    }
    if (n > 0) {
      log.error(
          "{}: dropped {} last-used entries that could not be written before shutdown"
              + " (stats reason '{}')",
          name,
          n,
          DropReasons.SHUTDOWN);
    }
  }

  @Override
  public ComponentStats stats() {
    ComponentStats.Builder b =
        ComponentStats.builder(name)
            .flushes(flushes.get())
            .failedFlushes(failedFlushes.get())
            .consecutiveFailures(failures.consecutiveFailures())
            .lastSuccess(failures.lastSuccess())
            .callbackFailures(listeners.failures());
    synchronized (statsLock) {
      return b.accepted(accepted.sum())
          .coalesced(coalesced.sum())
          .flushedRows(flushedRows)
          .dropped(DropReasons.SHUTDOWN, droppedAtShutdown)
          .dropped(DropReasons.REJECTED, droppedRejected)
          .pending(pending.mappingCount() + inFlight)
          .build();
    }
  }

  @Override
  public Health health() {
    return failures.health();
  }

  @Override
  public void close() {
    if (!closeStarted.compareAndSet(false, true)) {
      return;
    }
    long deadline = REAL_TIME.nanoTime() + shutdownTimeout.toNanos();
    synchronized (timerLock) {
      closed = true;
      if (timer != null) {
        timer.cancel();
      }
    }
    boolean locked = false;
    try {
      locked = flushLock.tryLock(shutdownTimeout.toNanos(), TimeUnit.NANOSECONDS);
      if (locked) { // a failed attempt is retried while the budget lasts, each within flushTimeout
        CloseRetry.untilDone(
            () -> {
              long remaining = Math.min(deadline - REAL_TIME.nanoTime(), flushTimeout.toNanos());
              if (remaining <= 0) {
                return false;
              }
              FlushResult.Outcome outcome = flushLocked(Duration.ofNanos(remaining)).outcome();
              return outcome == FlushResult.Outcome.SUCCESS || outcome == FlushResult.Outcome.EMPTY;
            },
            deadline);
      } else {
        log.warn(
            "{}: a running flush did not finish within the shutdown timeout {}",
            name,
            shutdownTimeout);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      finished = true;
      if (locked) {
        flushLock.unlock();
      }
      dropRemaining();
      io.shutdownNow();
    }
  }

  @Override
  public String toString() {
    return "LastUsedTracker{name="
        + name
        + ", mode="
        + (flushTime ? TimestampMode.FLUSH_TIME : TimestampMode.EVENT_TIME)
        + ", flushInterval="
        + flushInterval
        + ", closed="
        + closed
        + '}';
  }
}
