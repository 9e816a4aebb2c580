package io.tally.core.batch;

import io.tally.core.Clock;
import io.tally.core.ComponentStats;
import io.tally.core.DropReasons;
import io.tally.core.FlushResult;
import io.tally.core.Health;
import io.tally.core.StoreException;
import io.tally.core.StoreException.Kind;
import io.tally.core.internal.Checks;
import io.tally.core.internal.FailureTracker;
import io.tally.core.internal.FlushListeners;
import io.tally.core.internal.TallyThreadFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;
import java.util.function.ToIntFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link Batcher} implementation: the lifecycle and the worker loop. The state it works on
 * lives in four small classes: {@link PendingBatch} (the items), {@link Isolation} (bisection of
 * a rejected batch), {@link FlushTimer} and {@link RetryBackoff} (when to write), and
 * {@link BatchCounters} (what happened).
 *
 * <p>Implementation notes. Application threads only offer to the {@link Intake}. One worker
 * thread owns everything else and starts every store call, on one I/O thread, without waiting
 * for it: while a call runs, the worker keeps draining the intake into the pending batch
 * (coalescing), so writers block only when the whole bound ({@code maxPendingItems}, the call's
 * items included) is used. The worker wakes when the call ends ({@link Intake#DONE}) or when its
 * real-time bound ({@code flushTimeout}) passes; then the call is cancelled (interrupted if it
 * runs, never started if it still waits behind an earlier call that ignored its interrupt), so
 * store calls never overlap. Clock tasks (timer, retry) only set a signal bit on the intake. No
 * lock is held across I/O. {@code close()} publishes its deadlines before any thread can see
 * that it began; the worker then makes the last attempts synchronously, and {@code close()}
 * interrupts it if the shutdown time is nearly spent.
 */
final class DefaultBatcher<T> implements Batcher<T> {
  private static final Logger log = LoggerFactory.getLogger(Batcher.class);
  /** How often {@link #awaitIdle} looks again. */
  private static final long IDLE_POLL_NANOS = 200_000;

  private final String name;
  private final int maxBatchSize;
  private final RetryMode retryMode;
  private final Duration writeTimeout;
  private final Duration flushTimeout;
  private final Duration shutdownTimeout;
  private final Clock clock;
  private final Clock real;
  private final FailureTracker failures;
  private final FlushListeners listeners;
  private final Intake<T> intake;
  private final StoreCalls<T> calls;
  private final Thread worker;
  private final CountDownLatch terminated = new CountDownLatch(1);
  private final Object closeLock = new Object();
  private final ConcurrentLinkedQueue<CompletableFuture<FlushResult>> flushRequests =
      new ConcurrentLinkedQueue<>();
  private final BatchCounters counters;
  private final ToIntFunction<? super T> truncations;

  /** True once close() began (or the worker died): write() throws. */
  private volatile boolean closed;
  /**
   * The shutdown deadlines, published in one write once close() computed them: a thread that sees
   * close begin (this is non-null) always sees its deadlines. Null until close().
   */
  private volatile Deadlines closing;
  /** True while a store call started by the worker has not been handled; for isIdle(). */
  private volatile boolean calling;

  // Worker-owned state.
  private final PendingBatch<T> pending;
  private final Isolation<T> isolation = new Isolation<>();
  private final FlushTimer timer;
  private final RetryBackoff backoff;
  private final RetryQueue<T> retryQueue;
  private final FlushRound round = new FlushRound();
  private final IntakeDrain<T> drain;
  private StoreCalls.Call<T> inFlight;
  private Source inFlightSource;
  /** The first call after a merge-back backoff counts as a retry. */
  private boolean nextIsRetry;

  private DefaultBatcher(Batcher.Builder<T> b) {
    this.name = b.name;
    this.counters = new BatchCounters(name, log);
    this.truncations = b.truncations;
    this.maxBatchSize = b.maxBatchSize;
    this.retryMode = b.effectiveRetryMode();
    this.writeTimeout = b.writeTimeout;
    this.flushTimeout = b.flushTimeout;
    this.shutdownTimeout = b.shutdownTimeout;
    this.clock = b.clock;
    this.real = b.realTime;
    this.failures = new FailureTracker(name, log, clock, b.healthPolicy);
    this.listeners = new FlushListeners(name, b.listeners);
    this.intake = new Intake<>(b.effectiveQueueCapacity());
    this.pending = new PendingBatch<>(b.coalescing, counters::callbackFailed);
    this.drain = new IntakeDrain<>(intake, pending, counters, b.effectiveMaxPendingItems());
    this.timer = new FlushTimer(clock, b.flushInterval, () -> intake.signal(Intake.TIMER));
    this.backoff = new RetryBackoff(b.retryPolicy, clock, () -> intake.signal(Intake.RETRY));
    this.retryQueue = new RetryQueue<>(b.retryQueueCapacity, backoff, counters);
    this.calls = new StoreCalls<>(name, b.store, clock, real, () -> intake.signal(Intake.DONE));
    this.worker = new TallyThreadFactory(name).newThread(this::run);
  }

  static <T> DefaultBatcher<T> start(Batcher.Builder<T> builder) {
    DefaultBatcher<T> b = new DefaultBatcher<>(builder);
    b.timer.rearm(); // armed before build() returns
    b.worker.start();
    return b;
  }

  // ---------------------------------------------------------------- application threads

  @Override
  public void write(T item) {
    Objects.requireNonNull(item, "item");
    int r = intake.offer(item);
    if (r == Intake.FULL) {
      r = offerWaiting(item, writeTimeout, DropReasons.QUEUE_FULL);
    }
    if (r == Intake.CLOSED) {
      // The intake refuses offers under its lock once closed, so an item is either queued
      // before the worker's final drain (which runs after intake.close()) or refused here.
      throw new IllegalStateException(name + " is closed");
    }
    counters.truncated(truncations, item);
    if (r == Intake.FULL) {
      throw new RejectedExecutionException(
          name
              + ": the queue stayed full for writeTimeout "
              + writeTimeout
              + " (or the waiting thread was interrupted); the item is dropped");
    }
  }

  @Override
  public boolean offer(T item, Duration maxWait) {
    Objects.requireNonNull(item, "item");
    Checks.notNegative(maxWait, "maxWait");
    int r = intake.offer(item);
    if (r == Intake.FULL) {
      r = offerWaiting(item, maxWait, DropReasons.ENQUEUE_TIMEOUT);
    }
    if (r == Intake.CLOSED) {
      throw new IllegalStateException(name + " is closed");
    }
    counters.truncated(truncations, item);
    return r == Intake.OFFERED;
  }

  /** Waits up to {@code wait} for room; counts the item as dropped for {@code reason} if none. */
  private int offerWaiting(T item, Duration wait, String reason) {
    int r;
    String why;
    try {
      r = intake.offer(item, StoreCalls.saturatedNanos(wait));
      why = "the queue stayed full for " + wait;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      r = Intake.FULL;
      why = "a write waiting for room in the full queue was interrupted";
    }
    if (r == Intake.FULL) {
      counters.refuse(reason, why);
    }
    return r;
  }

  @Override
  public FlushResult flush() {
    if (closed || Thread.currentThread() == worker) {
      return FlushResult.empty();
    }
    CompletableFuture<FlushResult> done = new CompletableFuture<>();
    flushRequests.add(done);
    intake.signal(Intake.FLUSH);
    Duration wait = flushTimeout.multipliedBy(2).plusSeconds(1);
    try {
      return done.get(wait.toNanos(), TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      return FlushResult.timedOut(0, wait, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return FlushResult.failed(0, Duration.ZERO, e);
    } catch (ExecutionException e) {
      return FlushResult.failed(0, Duration.ZERO, e.getCause());
    }
  }

  @Override
  public void close() {
    Deadlines d;
    synchronized (closeLock) {
      if (closing == null) {
        closing = Deadlines.from(real.nanoTime(), shutdownTimeout);
        closed = true;
        intake.close();
        intake.signal(Intake.CLOSE);
      }
      d = closing;
    }
    if (Thread.currentThread() == worker) {
      return; // called from a flush listener; the worker closes once the listener returns
    }
    try {
      if (!terminated.await(d.worker() - real.nanoTime(), TimeUnit.NANOSECONDS)) {
        worker.interrupt(); // stuck waiting for a store call: give up on it
        if (!terminated.await(d.close() - real.nanoTime(), TimeUnit.NANOSECONDS)) {
          log.error(
              "{}: close() did not finish within shutdownTimeout {}; what is left is reported"
                  + " in stats() once the worker stops",
              name,
              shutdownTimeout);
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public Health health() {
    return failures.health();
  }

  @Override
  public ComponentStats stats() {
    return counters.snapshot(intake, failures, listeners.failures());
  }

  /** True when the worker waits with nothing to do and no store call running; for tests. */
  boolean isIdle() {
    return (intake.consumerIdle() && !calling) || terminated.getCount() == 0;
  }

  @Override
  public boolean awaitIdle(Duration timeout) {
    Checks.notNegative(timeout, "timeout");
    long start = real.nanoTime();
    long budget = StoreCalls.saturatedNanos(timeout);
    while (!isIdle()) {
      if (real.nanoTime() - start >= budget || Thread.currentThread().isInterrupted()) {
        return false;
      }
      LockSupport.parkNanos(IDLE_POLL_NANOS); // a test hook: a short poll keeps Intake untouched
    }
    return true;
  }

  @Override
  public String toString() {
    return "Batcher{" + name + ", " + retryMode + ", " + stats() + '}';
  }

  // ---------------------------------------------------------------- worker

  private void run() {
    try {
      loop();
    } catch (InterruptedException e) {
      // interrupted by close() while waiting; the shutdown below handles what is left
    } catch (RuntimeException | Error e) {
      closed = true;
      log.error("{}: the worker failed; the batcher closes", name, e);
    }
    try {
      Thread.interrupted(); // clear a pending interrupt from close()
      shutdown();
    } catch (RuntimeException | Error e) {
      log.error("{}: closing failed", name, e);
    } finally {
      calls.shutdownNow();
      terminated.countDown();
    }
  }

  private void loop() throws InterruptedException {
    int signals = 0;
    while (true) {
      if (inFlight != null) {
        FlushResult r = calls.poll(inFlight);
        if (r != null) {
          finish(r);
        }
      }
      drain.drain(heldElsewhere());
      if (closing != null) {
        return;
      }
      if ((signals & Intake.RETRY) != 0) {
        onRetryDue();
      }
      if ((signals & Intake.TIMER) != 0) {
        onTimer();
      }
      if ((signals & Intake.FLUSH) != 0) {
        onFlushRequests();
      }
      startNextCall();
      if (closing != null) {
        return;
      }
      boolean canTake = drain.canTake(heldElsewhere() + pending.size());
      if (timer.isStale() && !intake.hasWork(canTake)) {
        timer.moveIfStale(); // about to wait: arm the timer for the deadline the last flush set
      }
      if (inFlight == null) {
        calling = false;
        signals = intake.awaitWork(canTake);
      } else {
        signals = intake.awaitWork(canTake, calls.nanosLeft(inFlight));
      }
    }
  }

  /** Items the worker holds outside the pending batch; they count towards the bound too. */
  private int heldElsewhere() {
    return isolation.size() + retryQueue.items() + (inFlight == null ? 0 : inFlight.items.size());
  }

  // ---------------------------------------------------------------- deciding what to write

  private void onTimer() {
    if (!timer.fired()) {
      return; // a size flush since the task was armed moved the deadline
    }
    if (backoff.isBackingOff()) {
      return; // the retry flush re-arms it
    }
    startRound();
  }

  private void onRetryDue() {
    backoff.due();
    if (retryMode == RetryMode.MERGE_BACK) {
      nextIsRetry = true;
      startRound();
    } else {
      retryQueue.due();
    }
  }

  /** A timer, retry or forced flush: writes what is pending now (and re-arms the timer). */
  private void startRound() {
    timer.rearm();
    drain.lookAgain(); // the batch changes
    round.owe(pending.size());
  }

  /**
   * Takes flush() callers: they wait for everything pending plus what was queued when the request
   * was seen. A flush ends a merge-back backoff.
   */
  private void onFlushRequests() {
    CompletableFuture<FlushResult> f;
    boolean any = false;
    while ((f = flushRequests.poll()) != null) {
      round.await(f);
      any = true;
    }
    if (!any) {
      return;
    }
    if (backoff.isBackingOff()) {
      backoff.cancel();
      nextIsRetry = true;
    }
    startRound();
    round.owe(pending.size() + intake.size());
    if (round.owed() == 0 && inFlight == null && !isolation.active()) {
      round.end(FlushResult.empty());
    }
  }

  /** Starts the next store call if none runs and there is something to write. */
  private void startNextCall() {
    if (inFlight != null || closing != null) {
      return;
    }
    if (isolation.active()) {
      List<T> part = isolation.next();
      if (part != null) {
        start(part, Source.PART, true);
        return;
      }
    }
    List<T> head = retryQueue.takeDue();
    if (head != null) {
      start(head, Source.HEAD, true);
      return;
    }
    if (backoff.isBackingOff()) {
      return;
    }
    if (pending.isEmpty()) {
      if (round.active()) {
        round.end(); // what was owed coalesced away or was written
      }
      return;
    }
    if (round.owed() == 0) {
      if (pending.size() < maxBatchSize) {
        return;
      }
      timer.defer(); // a size flush
    }
    drain.lookAgain();
    List<T> chunk = pending.take(maxBatchSize);
    round.took(chunk.size());
    boolean retry = nextIsRetry;
    nextIsRetry = false;
    start(chunk, retryMode == RetryMode.MERGE_BACK ? Source.PENDING : Source.PENDING_QUEUED, retry);
  }

  // ---------------------------------------------------------------- store calls

  /** Where the items of a call came from, so a failure knows where they go. */
  private enum Source {
    /** The pending batch, merge-back mode. */
    PENDING,
    /** The pending batch, retry-queue mode. */
    PENDING_QUEUED,
    /** The retry queue's head (retry-queue mode). */
    HEAD,
    /** A part of an isolation run. */
    PART
  }

  /** Starts a store call on the I/O thread, bounded by flushTimeout from now. */
  private void start(List<T> items, Source source, boolean retry) {
    if (retry) {
      counters.retry();
    }
    calling = true;
    inFlight = calls.start(items, flushTimeout);
    inFlightSource = source;
  }

  /** Books the outcome of the in-flight call and decides what happens to its items. */
  private void finish(FlushResult result) {
    StoreCalls.Call<T> call = inFlight;
    Source source = inFlightSource;
    inFlight = null;
    book(result, call.items.size());
    if (result.isSuccess()) {
      backoff.succeeded();
      if (round.active() || isolation.active()) {
        round.written(result);
      }
      switch (source) {
        case PART -> handle(isolation.succeeded(), null);
        case HEAD -> retryQueue.headWritten();
        default -> {}
      }
      if (round.active() && round.owed() == 0 && !isolation.active()) {
        round.end();
      }
      return;
    }
    Kind kind = kindOf(result);
    boolean endsRound = true; // a failure ends a flush round, unless an isolation resolves it
    switch (source) {
      case PART -> endsRound = handle(isolation.failed(call.items, kind), result);
      case HEAD -> {
        if (closing == null) { // else the shutdown gives every queued batch its last attempt
          retryQueue.scheduleHead(result);
        }
      }
      case PENDING_QUEUED -> retryQueue.failed(call.items, result, clock.nanoTime(), closing != null);
      case PENDING -> {
        int streak = backoff.failed();
        boolean bisect =
            kind == Kind.DATA
                || (kind == Kind.UNKNOWN && streak >= Isolation.UNKNOWN_FAILURES_BEFORE_BISECTING);
        if (bisect && closing == null) {
          endsRound = handle(isolation.start(call.items, kind), result) || !isolation.active();
        } else {
          mergeBackOrGiveUp(call.items, result);
        }
      }
    }
    if (endsRound) {
      round.end(result);
    }
  }

  /** Counts a store call's outcome and tells the health tracker and the flush listeners. */
  private void book(FlushResult r, int items) {
    if (r.isSuccess()) {
      counters.written(items);
      failures.recordSuccess();
    } else {
      counters.failedFlush();
      failures.recordFailure("writing a batch of " + items + " item(s)", cause(r));
    }
    listeners.fire(r);
  }

  /** Timeouts, interrupts and cancellations are transient; otherwise what the store says. */
  private static Kind kindOf(FlushResult result) {
    Throwable cause = result.failure().orElse(null);
    if (result.outcome() == FlushResult.Outcome.TIMED_OUT
        || cause instanceof InterruptedException
        || cause instanceof CancellationException) {
      return Kind.TRANSIENT;
    }
    return StoreException.kindOf(cause);
  }

  /**
   * Applies an isolation verdict: rejected items are dropped, given-back ones merge back.
   *
   * @return true if items were given back (they wait for a retry)
   */
  private boolean handle(Isolation.Verdict<T> verdict, FlushResult result) {
    for (T item : verdict.rejected()) { // logged with its key, never its contents
      String why = "the store rejected it alone, key " + pending.keyOf(item);
      counters.drop(DropReasons.REJECTED, 1, why, cause(result));
    }
    if (verdict.givenBack().isEmpty()) {
      return false;
    }
    mergeBackOrGiveUp(verdict.givenBack(), result);
    return true;
  }

  // ------------------------------------------------------------ MERGE_BACK

  /**
   * Merges a failed call's items back (newer pending items win) and backs off, or gives them up
   * when an opt-in limit of the retry policy is reached.
   */
  private void mergeBackOrGiveUp(List<T> items, FlushResult result) {
    Duration delay = closing != null ? Duration.ZERO : backoff.nextDelayOfRun();
    if (delay == null) {
      backoff.giveUpRun();
      counters.drop(
          DropReasons.RETRIES_EXHAUSTED,
          items.size(),
          "failed again after "
              + backoff.policy().maxAttempts()
              + " retries, or past the retry deadline",
          cause(result));
      return;
    }
    drain.mergeBack(items);
    if (closing != null) {
      return; // the shutdown that follows gives it its last attempt
    }
    backoff.backOff(delay);
  }

  // ------------------------------------------------------------ shutdown

  private void shutdown() {
    intake.close(); // before the final drain: from here on every write is refused
    timer.stop();
    backoff.cancel();
    drain.takeAll();
    if (inFlight != null) {
      FlushResult r = calls.await(inFlight, shutdownLeft());
      if (r == null) {
        calls.cancel(inFlight);
        dropUnanswered(inFlight.items);
        inFlight = null;
      } else {
        finish(r); // a failure merges back (closing): the last attempts below retry it
      }
    }
    drain.mergeBack(isolation.abandon());
    List<T> failed;
    while ((failed = retryQueue.poll()) != null) {
      lastAttempt(failed);
    }
    while (!pending.isEmpty()) {
      lastAttempt(pending.take(maxBatchSize));
    }
    round.end(FlushResult.empty());
    CompletableFuture<FlushResult> f;
    while ((f = flushRequests.poll()) != null) {
      f.complete(FlushResult.empty());
    }
    calling = false;
    ComponentStats s = stats();
    if (s.droppedTotal() > 0) {
      log.error(
          "{}: closed; {} item(s) in all were never written: {}", name, s.droppedTotal(), s.dropped());
    } else {
      log.debug("{}: closed; {}", name, s);
    }
  }

  /** Real nanos the worker may still spend closing. */
  private long shutdownLeft() {
    Deadlines d = closing;
    return d == null
        ? StoreCalls.saturatedNanos(flushTimeout) // the worker died without close(): try once
        : d.worker() - real.nanoTime();
  }

  private void dropUnanswered(List<T> items) {
    String why = "the store did not answer within shutdownTimeout " + shutdownTimeout;
    counters.drop(DropReasons.SHUTDOWN, items.size(), why, null);
  }

  /**
   * One last store call for {@code items} within the shutdown time. A batch rejected for its
   * data is bisected (time allowing), so only the bad items are given up ({@code rejected});
   * what cannot be written otherwise is given up as {@code shutdown}.
   */
  private void lastAttempt(List<T> items) {
    long left = shutdownLeft();
    if (left <= 0) {
      counters.drop(DropReasons.SHUTDOWN, items.size(), "no time left within shutdownTimeout " + shutdownTimeout, null);
      return;
    }
    Duration timeout =
        left < StoreCalls.saturatedNanos(flushTimeout) ? Duration.ofNanos(left) : flushTimeout;
    StoreCalls.Call<T> call = calls.start(items, timeout);
    FlushResult r = calls.await(call, left);
    if (r == null) {
      calls.cancel(call);
      dropUnanswered(items);
      return;
    }
    book(r, items.size());
    if (r.isSuccess()) {
      return;
    }
    if (kindOf(r) == Kind.DATA) {
      if (items.size() == 1) {
        handle(new Isolation.Verdict<>(items, List.of()), r);
        return;
      }
      int half = items.size() / 2;
      lastAttempt(new ArrayList<>(items.subList(0, half)));
      lastAttempt(new ArrayList<>(items.subList(half, items.size())));
      return;
    }
    counters.drop(DropReasons.SHUTDOWN, items.size(), "the last write attempt while closing failed", cause(r));
  }

  // ------------------------------------------------------------ accounting

  private static Throwable cause(FlushResult r) {
    return r == null ? null : r.failure().orElse(null);
  }

  /** Real-time (nanos) deadlines of close(): the whole call, and the worker's part of it. */
  private record Deadlines(long worker, long close) {
    static Deadlines from(long now, Duration shutdownTimeout) {
      long total = StoreCalls.saturatedNanos(shutdownTimeout);
      // keep a little time to interrupt a stuck store call and let the worker book the rest
      return new Deadlines(
          now + total - Math.min(TimeUnit.MILLISECONDS.toNanos(100), total / 10), now + total);
    }
  }
}
