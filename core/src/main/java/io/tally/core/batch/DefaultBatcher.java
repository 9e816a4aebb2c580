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
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.FutureTask;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
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
  private static final int DRAIN_CHUNK = 256;

  private final String name;
  private final BatchStore<T> store;
  private final int maxBatchSize;
  private final RetryMode retryMode;
  private final int retryQueueCapacity;
  private final int maxPendingItems;
  private final Duration writeTimeout;
  private final Duration flushTimeout;
  private final Duration shutdownTimeout;
  private final Clock clock;
  private final Clock real;
  private final FailureTracker failures;
  private final FlushListeners listeners;
  private final Intake<T> intake;
  private final ThreadPoolExecutor io;
  private final Thread worker;
  private final CountDownLatch terminated = new CountDownLatch(1);
  private final Object closeLock = new Object();
  private final ConcurrentLinkedQueue<CompletableFuture<FlushResult>> flushRequests =
      new ConcurrentLinkedQueue<>();
  private final BatchCounters counters = new BatchCounters();

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
  private final ArrayDeque<RetryBatch<T>> retryQueue = new ArrayDeque<>();
  private int retryQueueItems;
  private final List<T> drainBuffer = new ArrayList<>(DRAIN_CHUNK);
  /** The queue's head, looked at with the pending batch full, that could not merge; or null. */
  private T blockedHead;
  private Call<T> inFlight;
  /** RETRY_QUEUE: the head's retry is due (started as soon as no call runs). */
  private boolean headRetryDue;
  /** The first call after a merge-back backoff counts as a retry. */
  private boolean nextIsRetry;
  /** Items the current flush round (timer or flush()) still has to write; 0: no round. */
  private int owed;
  private final List<CompletableFuture<FlushResult>> roundWaiters = new ArrayList<>();
  private int roundRows;
  private long roundNanos;

  private DefaultBatcher(Batcher.Builder<T> b) {
    this.name = b.name;
    this.store = b.store;
    this.maxBatchSize = b.maxBatchSize;
    this.retryMode = b.effectiveRetryMode();
    this.retryQueueCapacity = b.retryQueueCapacity;
    this.maxPendingItems = b.effectiveMaxPendingItems();
    this.writeTimeout = b.writeTimeout;
    this.flushTimeout = b.flushTimeout;
    this.shutdownTimeout = b.shutdownTimeout;
    this.clock = b.clock;
    this.real = b.realTime;
    this.failures = new FailureTracker(name, log, clock, b.healthPolicy);
    this.listeners = new FlushListeners(name, b.listeners);
    this.intake = new Intake<>(b.effectiveQueueCapacity());
    this.pending = new PendingBatch<>(b.coalescing, this::callbackFailed);
    this.timer = new FlushTimer(clock, b.flushInterval, () -> intake.signal(Intake.TIMER));
    this.backoff = new RetryBackoff(b.retryPolicy, clock, () -> intake.signal(Intake.RETRY));
    // One I/O thread: a store call that outlives its timeout (JDBC ignores interrupts) keeps it,
    // and the next call queues behind it instead of overlapping on a second thread.
    this.io =
        new ThreadPoolExecutor(
            1,
            1,
            30,
            TimeUnit.SECONDS,
            new LinkedBlockingQueue<>(),
            new TallyThreadFactory(name + "-io"));
    this.io.allowCoreThreadTimeOut(true);
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
      if (r == Intake.FULL) {
        throw new RejectedExecutionException(
            name
                + ": the queue stayed full for writeTimeout "
                + writeTimeout
                + " (or the waiting thread was interrupted); the item is dropped");
      }
    }
    if (r == Intake.CLOSED) {
      // The intake refuses offers under its lock once closed, so an item is either queued
      // before the worker's final drain (which runs after intake.close()) or refused here.
      throw new IllegalStateException(name + " is closed");
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
    return r == Intake.OFFERED;
  }

  /** Waits up to {@code wait} for room; counts the item as dropped for {@code reason} if none. */
  private int offerWaiting(T item, Duration wait, String reason) {
    int r;
    String why;
    try {
      r = intake.offer(item, saturatedNanos(wait));
      why = "the queue stayed full for " + wait;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      r = Intake.FULL;
      why = "a write waiting for room in the full queue was interrupted";
    }
    if (r == Intake.FULL) {
      long total = counters.refuse(reason);
      if (total == 1 || total % 100 == 0) { // each caller also learns it: log the first, every 100th
        logDrop(reason, 1, why, total, null);
      }
    }
    return r;
  }

  private static long saturatedNanos(Duration d) {
    try {
      return d.toNanos();
    } catch (ArithmeticException e) {
      return Long.MAX_VALUE;
    }
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
    return counters.snapshot(name, intake, failures, listeners.failures());
  }

  /** True when the worker waits with nothing to do and no store call running; for tests. */
  boolean isIdle() {
    return (intake.consumerIdle() && !calling) || terminated.getCount() == 0;
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
      io.shutdownNow();
      terminated.countDown();
    }
  }

  private void loop() throws InterruptedException {
    int signals = 0;
    while (true) {
      if (inFlight != null) {
        if (inFlight.future.isDone()) {
          finish(inFlight, outcome(inFlight));
        } else if (real.nanoTime() - inFlight.deadline >= 0) {
          finish(inFlight, timedOut(inFlight));
        }
      }
      drainIntake();
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
      boolean canTake = canTake();
      if (timer.isStale() && !intake.hasWork(canTake)) {
        timer.moveIfStale(); // about to wait: arm the timer for the deadline the last flush set
      }
      if (inFlight == null) {
        calling = false;
        signals = intake.awaitWork(canTake);
      } else {
        signals = intake.awaitWork(canTake, inFlight.deadline - real.nanoTime());
      }
    }
  }

  /** Items in the worker's custody: what the memory bound counts. */
  private int custody() {
    return pending.size()
        + isolation.size()
        + retryQueueItems
        + (inFlight == null ? 0 : inFlight.items.size());
  }

  /**
   * True when the worker should wake for queued items: there is room within the bound, or the
   * queue's head has not been looked at since the bound was reached.
   */
  private boolean canTake() {
    return custody() < maxPendingItems || blockedHead == null;
  }

  /** Moves queued items into the pending batch, within maxPendingItems. */
  private void drainIntake() {
    while (true) {
      int room = Math.min(DRAIN_CHUNK, maxPendingItems - custody());
      if (room <= 0) {
        if (mergeHeadAtBound()) {
          continue;
        }
        return;
      }
      blockedHead = null;
      drainBuffer.clear();
      if (counters.drain(intake, drainBuffer, room) == 0) {
        return;
      }
      for (T item : drainBuffer) {
        if (pending.add(item)) {
          counters.coalesced();
        }
      }
      drainBuffer.clear();
    }
  }

  /**
   * At the bound, takes the queue's head only if it merges into a pending item (so nothing
   * grows); otherwise leaves it queued and marks it {@link #blockedHead}, so intake stays blocked
   * until room frees up. Only this thread takes from the queue, so the head it looked at is the
   * one it takes.
   */
  private boolean mergeHeadAtBound() {
    if (blockedHead != null) {
      return false;
    }
    T head = intake.peek();
    if (head == null) {
      return false;
    }
    if (!pending.mergeIfKeyPending(head)) {
      blockedHead = head;
      return false;
    }
    drainBuffer.clear();
    counters.drain(intake, drainBuffer, 1); // the head looked at above
    drainBuffer.clear();
    counters.coalesced();
    return true;
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
      headRetryDue = !retryQueue.isEmpty();
    }
  }

  /** A timer, retry or forced flush: writes what is pending now (and re-arms the timer). */
  private void startRound() {
    timer.rearm();
    blockedHead = null; // the batch changes: look at the queue's head again
    owed = Math.max(owed, pending.size());
  }

  /**
   * Takes flush() callers: they wait for everything pending plus what was queued when the request
   * was seen. A flush ends a merge-back backoff.
   */
  private void onFlushRequests() {
    CompletableFuture<FlushResult> f;
    boolean any = false;
    if (owed == 0 && roundWaiters.isEmpty() && !isolation.active()) {
      roundRows = 0; // no round under way: rows written so far are not this flush's
      roundNanos = 0;
    }
    while ((f = flushRequests.poll()) != null) {
      roundWaiters.add(f);
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
    owed = Math.max(owed, pending.size() + intake.size());
    if (owed == 0 && inFlight == null && !isolation.active()) {
      endRound(FlushResult.empty());
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
    if (headRetryDue) {
      headRetryDue = false;
      RetryBatch<T> head = retryQueue.peek();
      if (head != null) {
        head.attempts++;
        start(head.items, Source.HEAD, true);
        return;
      }
    }
    if (backoff.isBackingOff()) {
      return;
    }
    if (pending.isEmpty()) {
      if (owed > 0 || !roundWaiters.isEmpty()) {
        owed = 0; // what was owed coalesced away or was written
        endRound(roundResult());
      }
      return;
    }
    if (owed == 0) {
      if (pending.size() < maxBatchSize) {
        return;
      }
      timer.defer(); // a size flush
    }
    blockedHead = null;
    List<T> chunk = pending.take(maxBatchSize);
    owed = Math.max(0, owed - chunk.size());
    boolean retry = nextIsRetry;
    nextIsRetry = false;
    start(chunk, retryMode == RetryMode.MERGE_BACK ? Source.PENDING : Source.PENDING_QUEUED, retry);
  }

  private FlushResult roundResult() {
    return roundRows == 0 && roundNanos == 0
        ? FlushResult.empty()
        : FlushResult.success(roundRows, Duration.ofNanos(roundNanos));
  }

  private void endRound(FlushResult result) {
    owed = 0;
    roundRows = 0;
    roundNanos = 0;
    for (CompletableFuture<FlushResult> w : roundWaiters) {
      w.complete(result);
    }
    roundWaiters.clear();
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
    inFlight = submit(items, source, flushTimeout);
  }

  private Call<T> submit(List<T> items, Source source, Duration timeout) {
    List<T> view = Collections.unmodifiableList(items);
    long startNanos = clock.nanoTime();
    FutureTask<Void> future =
        new FutureTask<>(() -> store.upsertBatch(view), null) {
          @Override
          protected void done() {
            intake.signal(Intake.DONE); // after the outcome is set, so the worker sees it
          }
        };
    io.execute(future);
    return new Call<>(items, source, future, startNanos, real.nanoTime() + saturatedNanos(timeout), timeout);
  }

  /** The outcome of a call that is done. */
  private FlushResult outcome(Call<T> call) {
    Duration took = Duration.ofNanos(Math.max(0, clock.nanoTime() - call.startNanos));
    try {
      call.future.get();
      return FlushResult.success(call.items.size(), took);
    } catch (CancellationException e) {
      return FlushResult.failed(call.items.size(), took, e);
    } catch (ExecutionException e) {
      return FlushResult.failed(call.items.size(), took, e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt(); // cannot happen for a done future
      return FlushResult.failed(call.items.size(), took, e);
    }
  }

  /** Gives up on a call that ran past its timeout: cancelled, and counted as failed. */
  private FlushResult timedOut(Call<T> call) {
    call.future.cancel(true);
    if (call.future.isDone() && !call.future.isCancelled()) {
      return outcome(call); // it ended just now
    }
    return FlushResult.timedOut(
        call.items.size(),
        call.timeout,
        new TimeoutException("store call did not finish within " + call.timeout));
  }

  /** Books the outcome of the in-flight call and decides what happens to its items. */
  private void finish(Call<T> call, FlushResult result) {
    inFlight = null;
    if (result.isSuccess()) {
      counters.written(call.items.size());
      failures.recordSuccess();
      backoff.succeeded();
      if (owed > 0 || !roundWaiters.isEmpty() || isolation.active()) {
        roundRows += result.rows();
        roundNanos += result.duration().toNanos();
      }
      listeners.fire(result);
      switch (call.source) {
        case PART -> handle(isolation.succeeded(), null);
        case HEAD -> {
          retryQueue.poll();
          retryQueueItems -= call.items.size();
          if (!retryQueue.isEmpty()) {
            backoff.cancel();
            backoff.schedule(Duration.ZERO); // the store is back
          }
        }
        default -> {}
      }
      if (owed == 0 && !isolation.active() && !roundWaiters.isEmpty() && inFlight == null) {
        endRound(roundResult());
      }
      return;
    }
    Throwable cause = result.failure().orElse(null);
    counters.failedFlush();
    failures.recordFailure("writing a batch of " + call.items.size() + " item(s)", cause);
    listeners.fire(result);
    Kind kind = kindOf(result);
    boolean endsRound = true; // a failure ends a flush round, unless an isolation resolves it
    switch (call.source) {
      case PART -> endsRound = handle(isolation.failed(call.items, kind), result);
      case HEAD -> headFailed(result);
      case PENDING_QUEUED -> enqueueRetry(call.items, result);
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
      endRound(result);
    }
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
    for (T item : verdict.rejected()) {
      long total = counters.drop(DropReasons.REJECTED, 1);
      log.error(
          "{}: dropped 1 item(s), reason {}: the store rejected it alone, key {} ({} dropped for"
              + " this reason so far)",
          name,
          DropReasons.REJECTED,
          pending.keyOf(item),
          total,
          result == null ? null : result.failure().orElse(null));
    }
    if (verdict.givenBack().isEmpty()) {
      return false;
    }
    mergeBackOrGiveUp(verdict.givenBack(), result);
    return true;
  }

  // ------------------------------------------------------------ RETRY_QUEUE

  private void enqueueRetry(List<T> chunk, FlushResult result) {
    if (backoff.policy().maxAttempts() == 0) {
      drop(DropReasons.RETRIES_EXHAUSTED, chunk.size(), "the retry policy allows no retry", cause(result));
      return;
    }
    if (closing == null && retryQueue.size() >= retryQueueCapacity) {
      drop(
          DropReasons.RETRY_QUEUE_FULL,
          chunk.size(),
          "the retry queue already holds " + retryQueueCapacity + " batches",
          cause(result));
      return;
    }
    retryQueue.add(new RetryBatch<>(chunk, clock.nanoTime()));
    retryQueueItems += chunk.size();
    if (closing == null && !backoff.isScheduled() && !headRetryDue) {
      scheduleHeadRetry(result);
    }
  }

  private void headFailed(FlushResult result) {
    RetryBatch<T> head = retryQueue.peek();
    Duration delay = nextDelay(head);
    if (delay != null) {
      backoff.schedule(delay);
      return;
    }
    retryQueue.poll();
    retryQueueItems -= head.items.size();
    drop(DropReasons.RETRIES_EXHAUSTED, head.items.size(), "gave up after " + head.attempts + " retries", cause(result));
    scheduleHeadRetry(null);
  }

  /** Schedules the head's next retry, giving up heads whose policy forbids another. */
  private void scheduleHeadRetry(FlushResult result) {
    RetryBatch<T> head;
    while ((head = retryQueue.peek()) != null) {
      Duration delay = nextDelay(head);
      if (delay != null) {
        backoff.schedule(delay);
        return;
      }
      retryQueue.poll();
      retryQueueItems -= head.items.size();
      drop(DropReasons.RETRIES_EXHAUSTED, head.items.size(), "gave up after " + head.attempts + " retries", cause(result));
    }
  }

  private Duration nextDelay(RetryBatch<T> head) {
    return backoff.nextDelay(head.attempts, head.firstFailure);
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
      drop(
          DropReasons.RETRIES_EXHAUSTED,
          items.size(),
          "failed again after "
              + backoff.policy().maxAttempts()
              + " retries, or past the retry deadline",
          cause(result));
      return;
    }
    for (T item : items) {
      if (pending.mergeBack(item)) {
        counters.coalesced();
      }
    }
    blockedHead = null;
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
    takeEverything();
    if (inFlight != null) {
      Call<T> call = inFlight;
      FlushResult r = awaitForShutdown(call);
      if (r == null) {
        inFlight = null;
        call.future.cancel(true);
        drop(DropReasons.SHUTDOWN, call.items.size(), "the store did not answer within shutdownTimeout " + shutdownTimeout, null);
      } else {
        finish(call, r); // a failure merges back (closing): the last attempts below retry it
      }
    }
    for (T item : isolation.abandon()) {
      if (pending.mergeBack(item)) {
        counters.coalesced();
      }
    }
    while (!retryQueue.isEmpty()) {
      RetryBatch<T> b = retryQueue.poll();
      retryQueueItems -= b.items.size();
      lastAttempt(b.items);
    }
    while (!pending.isEmpty()) {
      lastAttempt(pending.take(maxBatchSize));
    }
    endRound(FlushResult.empty());
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

  private void takeEverything() {
    List<T> all = new ArrayList<>();
    counters.drain(intake, all, Integer.MAX_VALUE);
    for (T item : all) {
      if (pending.add(item)) {
        counters.coalesced();
      }
    }
  }

  /** Real nanos the worker may still spend closing. */
  private long shutdownLeft() {
    Deadlines d = closing;
    return d == null
        ? saturatedNanos(flushTimeout) // the worker died without close(): still try once
        : d.worker() - real.nanoTime();
  }

  /** Waits for the in-flight call within the shutdown time; null if it did not end in time. */
  private FlushResult awaitForShutdown(Call<T> call) {
    long left = Math.min(shutdownLeft(), call.deadline - real.nanoTime());
    try {
      call.future.get(Math.max(0, left), TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      if (shutdownLeft() <= 0) {
        return null;
      }
      return timedOut(call);
    } catch (InterruptedException e) {
      return null; // close() gave up on it
    } catch (ExecutionException | CancellationException e) {
      // the outcome below reports it
    }
    return outcome(call);
  }

  /**
   * One last store call for {@code items} within the shutdown time. A batch rejected for its
   * data is bisected (time allowing), so only the bad items are given up ({@code rejected});
   * what cannot be written otherwise is given up as {@code shutdown}.
   */
  private void lastAttempt(List<T> items) {
    long left = shutdownLeft();
    if (left <= 0) {
      drop(DropReasons.SHUTDOWN, items.size(), "no time left within shutdownTimeout " + shutdownTimeout, null);
      return;
    }
    Duration timeout = left < saturatedNanos(flushTimeout) ? Duration.ofNanos(left) : flushTimeout;
    Call<T> call = submit(items, Source.PENDING, timeout);
    inFlight = call;
    FlushResult r = awaitForShutdown(call);
    inFlight = null;
    if (r == null) {
      call.future.cancel(true);
      drop(DropReasons.SHUTDOWN, items.size(), "the store did not answer within shutdownTimeout " + shutdownTimeout, null);
      return;
    }
    if (r.isSuccess()) {
      counters.written(items.size());
      failures.recordSuccess();
      listeners.fire(r);
      return;
    }
    counters.failedFlush();
    failures.recordFailure("writing a batch of " + items.size() + " item(s) while closing", cause(r));
    listeners.fire(r);
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
    drop(DropReasons.SHUTDOWN, items.size(), "the last write attempt while closing failed", cause(r));
  }

  // ------------------------------------------------------------ accounting

  private static Throwable cause(FlushResult r) {
    return r == null ? null : r.failure().orElse(null);
  }

  /** Counts {@code n} dropped items the worker held, and logs at ERROR. Worker only. */
  private void drop(String reason, int n, String why, Throwable cause) {
    logDrop(reason, n, why, counters.drop(reason, n), cause);
  }

  private void logDrop(String reason, int n, String why, long total, Throwable cause) {
    String msg = "{}: dropped {} item(s), reason {}: {} ({} dropped for this reason so far)";
    if (cause != null) {
      log.error(msg, name, n, reason, why, total, cause);
    } else {
      log.error(msg, name, n, reason, why, total);
    }
  }

  private void callbackFailed(String what, Throwable e) {
    long n = counters.callbackFailed();
    if (n == 1 || n % 1000 == 0) {
      log.error("{}: {} threw ({} failures so far); the item is kept uncoalesced", name, what, n, e);
    }
  }

  /** Real-time (nanos) deadlines of close(): the whole call, and the worker's part of it. */
  private record Deadlines(long worker, long close) {
    static Deadlines from(long now, Duration shutdownTimeout) {
      long total = saturatedNanos(shutdownTimeout);
      // keep a little time to interrupt a stuck store call and let the worker book the rest
      return new Deadlines(
          now + total - Math.min(TimeUnit.MILLISECONDS.toNanos(100), total / 10), now + total);
    }
  }

  /** A store call started by the worker. */
  private record Call<T>(
      List<T> items, Source source, Future<?> future, long startNanos, long deadline, Duration timeout) {}

  /** A failed batch waiting in the retry queue. */
  private static final class RetryBatch<T> {
    final List<T> items;
    final long firstFailure;
    int attempts;

    RetryBatch(List<T> items, long firstFailure) {
      this.items = items;
      this.firstFailure = firstFailure;
    }
  }
}
