package io.tally.core.batch;

import io.tally.core.Clock;
import io.tally.core.ComponentStats;
import io.tally.core.FlushResult;
import io.tally.core.Health;
import io.tally.core.internal.FailureTracker;
import io.tally.core.internal.Fatal;
import io.tally.core.internal.FlushListeners;
import io.tally.core.internal.TallyThreadFactory;
import io.tally.core.internal.TimedCall;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link Batcher} implementation.
 *
 * <p>Implementation notes. Application threads only offer to the {@link Intake}. One worker
 * thread owns everything else (pending batch, retry queue, timers) and makes every store call,
 * through one I/O thread so each call can be bounded in real time ({@link TimedCall}). Store
 * calls never overlap, even after a timeout: a call that outlives its timeout keeps the I/O
 * thread, the next call queues behind it and, if its own time runs out while it waits, is
 * cancelled before it starts (its items are kept like those of any failed call). No lock is held
 * across I/O. Timer and retry tasks
 * scheduled on the {@link Clock} only set a signal bit on the intake and return; with a manual
 * clock, {@code advance()} therefore hands the work to the worker, and tests wait for the worker
 * to become idle. The flush timer is re-armed when a flush starts (before the store call); after
 * a size-triggered flush only its deadline moves, and the clock task follows when it fires or
 * when the worker is about to wait, so a busy worker does not cancel and schedule a task per batch.
 * {@code close()} interrupts the worker if it is still inside a store call when the shutdown
 * time is nearly spent, so a store that never returns cannot hold {@code close()}.
 */
final class DefaultBatcher<T> implements Batcher<T> {
  private static final Logger log = LoggerFactory.getLogger(Batcher.class);
  private static final int DRAIN_CHUNK = 256;

  private final String name;
  private final BatchStore<T> store;
  private final int maxBatchSize;
  private final Duration flushInterval;
  private final Coalescing<T> coalescing;
  private final RetryPolicy retryPolicy;
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

  /** True once close() began (or the worker died): write() throws. */
  private volatile boolean closed;
  /**
   * The shutdown deadlines, published in one write once close() computed them: a thread that sees
   * close begin (this is non-null) always sees its deadlines. Null until close().
   */
  private volatile Deadlines closing;

  // Counters, under `counters`. Accepted items are counted by the intake as they enter it;
  // items leave the intake only through drain(), which moves them into `held` under `counters`,
  // and stats() reads the intake's counts under `counters` too, so every snapshot balances.
  private final Object counters = new Object();
  /** Writes refused after being accepted (queue full): counted with their drop, atomically. */
  private long rejected;
  private long coalesced;
  private long flushedRows;
  private long flushes;
  private long failedFlushes;
  private long retries;
  /** Items in the worker's custody: pending batch, retry queue, in-flight batch. */
  private long held;
  private final Map<String, Long> dropped = new TreeMap<>();
  private long callbackFailures;

  // Worker-owned state.
  private final LinkedHashMap<Object, T> keyed = new LinkedHashMap<>();
  private final ArrayDeque<T> keyless = new ArrayDeque<>();
  private final ArrayDeque<RetryBatch<T>> retryQueue = new ArrayDeque<>();
  private final List<T> drainBuffer = new ArrayList<>(DRAIN_CHUNK);
  /** The queue's head, looked at with the pending batch full, that could not merge; or null. */
  private T blockedHead;
  /** The last item whose key was computed while it was still queued, and that key. */
  private T peeked;
  private Object peekedKey;
  /** The flush timer's clock task, until the worker handles its signal; null when not armed. */
  private Clock.Cancellable timerTask;
  /** Clock nanos when the timer flush is due: flushInterval after the last flush started. */
  private long timerDeadline;
  /** True when a size flush moved timerDeadline past the time timerTask is armed for. */
  private boolean timerStale;
  private Clock.Cancellable retryTask;
  private boolean backingOff; // MERGE_BACK: a failed flush waits for its backoff
  private int streakFailures; // MERGE_BACK: failed flushes since the last success
  private long streakStart;

  private DefaultBatcher(Batcher.Builder<T> b) {
    this.name = b.name;
    this.store = b.store;
    this.maxBatchSize = b.maxBatchSize;
    this.flushInterval = b.flushInterval;
    this.coalescing = b.coalescing;
    this.retryPolicy = b.retryPolicy;
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
    b.timerDeadline = b.clock.nanoTime() + b.flushInterval.toNanos();
    b.timerTask = b.clock.schedule(b.flushInterval, b::timerFired); // armed before build() returns
    b.worker.start();
    return b;
  }

  // ---------------------------------------------------------------- application threads

  @Override
  public void write(T item) {
    Objects.requireNonNull(item, "item");
    int r = intake.offer(item);
    if (r == Intake.FULL) {
      r = offerSlowly(item);
    }
    if (r == Intake.CLOSED) {
      // The intake refuses offers under its lock once closed, so an item is either queued
      // before the worker's final drain (which runs after intake.close()) or refused here.
      throw new IllegalStateException(name + " is closed");
    }
  }

  /** Waits for room; returns OFFERED or CLOSED, or counts the item as dropped and throws. */
  private int offerSlowly(T item) {
    int r;
    try {
      r = intake.offer(item, writeTimeout.toNanos());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      reject("a write waiting for room in the full queue was interrupted");
      throw new RejectedExecutionException(name + ": interrupted while the queue was full", e);
    }
    if (r == Intake.FULL) {
      reject("the queue stayed full for writeTimeout " + writeTimeout);
      throw new RejectedExecutionException(
          name + ": the queue stayed full for writeTimeout " + writeTimeout + "; the item is dropped");
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
        worker.interrupt(); // stuck in a store call: give up on it
        if (!terminated.await(d.close() - real.nanoTime(), TimeUnit.NANOSECONDS)) {
          log.error(
              "{}: close() did not finish within shutdownTimeout {}; what is left is reported"
                  + " in stats() once the worker stops",
              name,
              shutdownTimeout);
          return;
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
    synchronized (counters) {
      Intake.Counts queue = intake.counts(); // the worker cannot drain while we hold counters
      ComponentStats.Builder s =
          ComponentStats.builder(name)
              .accepted(queue.offered() + rejected)
              .coalesced(coalesced)
              .flushedRows(flushedRows)
              .flushes(flushes)
              .failedFlushes(failedFlushes)
              .retries(retries)
              .consecutiveFailures(failures.consecutiveFailures())
              .lastSuccess(failures.lastSuccess())
              .pending(queue.queued() + held)
              .callbackFailures(callbackFailures + listeners.failures());
      for (Map.Entry<String, Long> e : dropped.entrySet()) {
        s.dropped(e.getKey(), e.getValue());
      }
      return s.build();
    }
  }

  /** True when the worker waits with nothing to do; for tests (with Await). */
  boolean isIdle() {
    return intake.consumerIdle() || terminated.getCount() == 0;
  }

  @Override
  public String toString() {
    return "Batcher{" + name + ", " + retryMode + ", " + stats() + '}';
  }

  // ---------------------------------------------------------------- clock tasks

  private void timerFired() {
    intake.signal(Intake.TIMER);
  }

  private void retryFired() {
    intake.signal(Intake.RETRY);
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
      if (closing != null) {
        return;
      }
      boolean canTake = canTake();
      if (timerStale && !intake.hasWork(canTake)) {
        moveStaleTimer(); // about to wait: arm the timer for the deadline the last flush set
      }
      signals = intake.awaitWork(canTake);
    }
  }

  /**
   * True when the worker should wake for queued items: there is room in the pending batch, or
   * the queue's head has not been looked at since the batch reached the bound.
   */
  private boolean canTake() {
    return pendingSize() < maxPendingItems || blockedHead == null;
  }

  /** Moves queued items into the pending batch, flushing at maxBatchSize. */
  private void drainIntake() {
    while (true) {
      int room = Math.min(DRAIN_CHUNK, maxPendingItems - pendingSize());
      if (room <= 0) {
        if (mergeHeadAtBound()) {
          continue;
        }
        return;
      }
      blockedHead = null;
      drainBuffer.clear();
      if (drain(drainBuffer, room) == 0) {
        return;
      }
      for (T item : drainBuffer) {
        add(item);
        if (!backingOff && pendingSize() >= maxBatchSize) {
          flushPending(false, true);
        }
      }
      drainBuffer.clear();
    }
  }

  /**
   * Moves up to {@code max} queued items into {@code out}, counting them as held in the same
   * step, so that no snapshot sees them neither queued nor held.
   */
  private int drain(List<T> out, int max) {
    synchronized (counters) {
      int n = intake.drainTo(out, max);
      held += n;
      return n;
    }
  }

  /**
   * With the pending batch at {@code maxPendingItems}, takes the queue's head only if it merges
   * into a pending item (so it does not grow the batch); otherwise leaves it queued and marks it
   * {@link #blockedHead}, so intake stays blocked until a flush makes room. Only this thread
   * takes from the queue, so the head it looked at is the one it takes.
   *
   * @return true if the head was taken and merged
   */
  private boolean mergeHeadAtBound() {
    if (blockedHead != null) {
      return false;
    }
    T head = intake.peek();
    if (head == null) {
      return false;
    }
    Object key = keyOfOnce(head);
    T existing = key == null ? null : keyed.get(key);
    T merged = existing == null ? null : mergeOf(existing, head);
    if (merged == null) {
      blockedHead = head;
      return false;
    }
    drainBuffer.clear();
    drain(drainBuffer, 1); // the head looked at above
    drainBuffer.clear();
    peeked = null;
    keyed.put(key, merged);
    count(-1, 1);
    return true;
  }

  /** The key of {@code item}, computed once even if the item was looked at while queued. */
  private Object keyOfOnce(T item) {
    if (item != peeked) {
      peeked = item;
      peekedKey = keyOf(item);
    }
    return peekedKey;
  }

  /** Adds a drained (already held) item to the pending batch. */
  private void add(T item) {
    Object key;
    if (item == peeked) {
      key = peekedKey;
      peeked = null;
    } else {
      key = keyOf(item);
    }
    if (key == null) {
      keyless.add(item);
      return;
    }
    T existing = keyed.get(key);
    if (existing == null) {
      keyed.put(key, item);
      return;
    }
    T merged = mergeOf(existing, item);
    if (merged == null) {
      keyless.add(item); // the rule threw: write both rather than lose one
    } else {
      keyed.put(key, merged);
      count(-1, 1);
    }
  }

  /** Puts an item of a failed batch back; pending items of its key are newer. */
  private void mergeBack(T item) {
    Object key = keyOf(item);
    if (key == null) {
      keyless.addFirst(item);
      return;
    }
    T newer = keyed.get(key);
    if (newer == null) {
      keyed.put(key, item);
      return;
    }
    T merged = mergeOf(item, newer);
    if (merged == null) {
      keyless.addFirst(item);
    } else {
      keyed.put(key, merged);
      count(-1, 1);
    }
  }

  private Object keyOf(T item) {
    try {
      return coalescing.key(item);
    } catch (RuntimeException | Error e) {
      Fatal.rethrowIfFatal(e);
      callbackFailed("the coalescing key function", e);
      return null;
    }
  }

  private T mergeOf(T earlier, T later) {
    try {
      return coalescing.merge(earlier, later);
    } catch (RuntimeException | Error e) {
      Fatal.rethrowIfFatal(e);
      callbackFailed("the coalescing merge rule", e);
      return null;
    }
  }

  private void callbackFailed(String what, Throwable e) {
    long n;
    synchronized (counters) {
      n = ++callbackFailures;
    }
    if (n == 1 || n % 1000 == 0) {
      log.error("{}: {} threw ({} failures so far); the item is kept uncoalesced", name, what, n, e);
    }
  }

  private int pendingSize() {
    return keyed.size() + keyless.size();
  }

  private List<T> takeChunk(int max) {
    List<T> chunk = new ArrayList<>(Math.min(max, pendingSize()));
    if (keyed.size() <= max - chunk.size() && !keyed.isEmpty()) {
      chunk.addAll(keyed.values());
      keyed.clear();
    } else {
      Iterator<T> it = keyed.values().iterator();
      while (chunk.size() < max && it.hasNext()) {
        chunk.add(it.next());
        it.remove();
      }
    }
    while (chunk.size() < max && !keyless.isEmpty()) {
      chunk.add(keyless.poll());
    }
    return chunk;
  }

  /** A flush starts: re-arms the timer for flushInterval from now. */
  private void rearmTimer() {
    if (timerTask != null) {
      timerTask.cancel();
    }
    timerStale = false;
    timerDeadline = clock.nanoTime() + flushInterval.toNanos();
    timerTask = closed ? null : clock.schedule(flushInterval, this::timerFired);
  }

  /**
   * A size-triggered flush starts: the timer flush is now due flushInterval from now, but the
   * armed clock task is left alone (cancelling and scheduling one per batch costs the worker and
   * wakes the clock's thread). The task is moved to the new deadline when it fires, or when the
   * worker is about to wait, whichever comes first; so the timer still flushes exactly
   * flushInterval after the last flush started.
   */
  private void deferTimer() {
    if (timerTask == null) {
      rearmTimer(); // not armed (a merge-back backoff ended with this flush)
      return;
    }
    timerDeadline = clock.nanoTime() + flushInterval.toNanos();
    timerStale = true;
  }

  /** Arms the timer for timerDeadline instead of the earlier time it was armed for. */
  private void moveStaleTimer() {
    timerStale = false;
    if (closed || !timerTask.cancel()) {
      return; // it already fired: onTimer sees that the deadline moved
    }
    long left = Math.max(0, timerDeadline - clock.nanoTime());
    timerTask = clock.schedule(Duration.ofNanos(left), this::timerFired);
  }

  private void onTimer() {
    timerTask = null; // the task that signalled has run
    timerStale = false;
    long left = timerDeadline - clock.nanoTime();
    if (left > 0 && !closed) {
      // a size flush since the task was armed moved the deadline: wait for it
      timerTask = clock.schedule(Duration.ofNanos(left), this::timerFired);
      return;
    }
    if (backingOff) {
      return; // the retry flush re-arms it
    }
    flushPending(false);
  }

  /**
   * Flushes for {@code flush()} callers: everything pending plus what was queued when the
   * request was seen (taken as {@code maxPendingItems} allows, room freeing up as chunks are written).
   */
  private void onFlushRequests() {
    List<CompletableFuture<FlushResult>> requests = new ArrayList<>();
    CompletableFuture<FlushResult> f;
    while ((f = flushRequests.poll()) != null) {
      requests.add(f); // later requests wait for their own signal and flush
    }
    if (requests.isEmpty()) {
      return;
    }
    if (backingOff) {
      cancelRetryTask();
      backingOff = false;
    }
    int budget = intake.size();
    int rows = 0;
    long nanos = 0;
    FlushResult result = FlushResult.empty();
    while (true) {
      budget -= drainWithoutFlushing(budget);
      if (pendingSize() == 0) {
        if (result == FlushResult.empty()) {
          rearmTimer();
        }
        break;
      }
      FlushResult r = flushPending(false);
      if (!r.isSuccess()) {
        result = r;
        break;
      }
      rows += r.rows();
      nanos += r.duration().toNanos();
      result = FlushResult.success(rows, Duration.ofNanos(nanos));
      if (budget <= 0) {
        break;
      }
    }
    for (CompletableFuture<FlushResult> request : requests) {
      request.complete(result);
    }
  }

  /** Moves up to {@code max} queued items into the pending batch, within maxPendingItems. */
  private int drainWithoutFlushing(int max) {
    int taken = 0;
    while (taken < max) {
      int room = Math.min(Math.min(DRAIN_CHUNK, max - taken), maxPendingItems - pendingSize());
      if (room <= 0) {
        break;
      }
      blockedHead = null;
      drainBuffer.clear();
      int n = drain(drainBuffer, room);
      if (n == 0) {
        break;
      }
      for (T item : drainBuffer) {
        add(item);
      }
      drainBuffer.clear();
      taken += n;
    }
    return taken;
  }

  /** {@link #flushPending(boolean, boolean)} for a flush the batch size did not trigger. */
  private FlushResult flushPending(boolean retry) {
    return flushPending(retry, false);
  }

  /**
   * Writes the pending batch in chunks of maxBatchSize; stops at the first failure.
   *
   * @param retry whether the first store call is a retry
   * @param bySize whether the batch reached maxBatchSize (the timer's task is then moved lazily)
   */
  private FlushResult flushPending(boolean retry, boolean bySize) {
    if (bySize) {
      deferTimer();
    } else {
      rearmTimer();
    }
    blockedHead = null; // the batch changes: look at the queue's head again
    if (pendingSize() == 0) {
      return FlushResult.empty();
    }
    int rows = 0;
    long nanos = 0;
    while (pendingSize() > 0) {
      List<T> chunk = takeChunk(maxBatchSize);
      FlushResult r = writeChunk(chunk, flushTimeout, retry);
      if (!r.isSuccess()) {
        if (retryMode == RetryMode.MERGE_BACK) {
          mergeBackOrGiveUp(chunk, r);
        } else {
          enqueueRetry(chunk, r);
        }
        return r;
      }
      rows += r.rows();
      nanos += r.duration().toNanos();
      retry = false;
    }
    return FlushResult.success(rows, Duration.ofNanos(nanos));
  }

  /** One store call, bounded by {@code timeout}; books the outcome and tells the listeners. */
  private FlushResult writeChunk(List<T> chunk, Duration timeout, boolean retry) {
    int n = chunk.size();
    List<T> view = Collections.unmodifiableList(chunk);
    if (retry) {
      synchronized (counters) {
        retries++;
      }
    }
    long start = clock.nanoTime();
    FlushResult result;
    try {
      TimedCall.call(
          io,
          () -> {
            store.upsertBatch(view);
            return null;
          },
          timeout);
      result = FlushResult.success(n, Duration.ofNanos(Math.max(0, clock.nanoTime() - start)));
      synchronized (counters) {
        flushedRows += n;
        flushes++;
        held -= n;
      }
      streakFailures = 0;
      failures.recordSuccess();
    } catch (TimeoutException e) {
      result = FlushResult.timedOut(n, timeout, e);
      failed(n, e);
    } catch (InterruptedException e) {
      Thread.interrupted(); // close() gave up on this call; the worker goes on closing
      result = FlushResult.failed(n, Duration.ofNanos(Math.max(0, clock.nanoTime() - start)), e);
      failed(n, e);
    } catch (Exception | Error e) {
      result = FlushResult.failed(n, Duration.ofNanos(Math.max(0, clock.nanoTime() - start)), e);
      failed(n, e);
    }
    listeners.fire(result);
    return result;
  }

  private void failed(int n, Throwable e) {
    synchronized (counters) {
      failedFlushes++;
    }
    failures.recordFailure("writing a batch of " + n + " item(s)", e);
  }

  // ------------------------------------------------------------ RETRY_QUEUE

  private void enqueueRetry(List<T> chunk, FlushResult result) {
    if (retryPolicy.maxAttempts() == 0) {
      drop(DROP_RETRIES_EXHAUSTED, chunk.size(), "the retry policy allows no retry", cause(result));
      return;
    }
    if (closed) {
      // the shutdown that follows gives it its last attempt
      retryQueue.add(new RetryBatch<>(chunk, clock.nanoTime()));
      return;
    }
    if (retryQueue.size() >= retryQueueCapacity) {
      drop(
          DROP_RETRY_QUEUE_FULL,
          chunk.size(),
          "the retry queue already holds " + retryQueueCapacity + " batches",
          cause(result));
      return;
    }
    RetryBatch<T> batch = new RetryBatch<>(chunk, clock.nanoTime());
    retryQueue.add(batch);
    if (retryTask == null) {
      scheduleHeadRetry();
    }
  }

  /** Schedules the head's next retry, or gives it up if its policy forbids another. */
  private void scheduleHeadRetry() {
    while (!retryQueue.isEmpty()) {
      RetryBatch<T> head = retryQueue.peek();
      Duration delay = nextDelay(head.attempts, head.firstFailure);
      if (delay != null) {
        retryTask = clock.schedule(delay, this::retryFired);
        return;
      }
      retryQueue.poll();
      drop(
          DROP_RETRIES_EXHAUSTED,
          head.items.size(),
          "gave up after " + head.attempts + " retries",
          null);
    }
  }

  /**
   * @param retriesDone retries already made
   * @param firstFailure clock nanos of the first failure
   * @return the delay before the next retry, or null when the policy allows none
   */
  private Duration nextDelay(int retriesDone, long firstFailure) {
    if (retriesDone >= retryPolicy.maxAttempts()) {
      return null;
    }
    Duration delay = retryPolicy.delay(retriesDone + 1, ThreadLocalRandom.current().nextDouble());
    long elapsed = clock.nanoTime() - firstFailure;
    if (elapsed + delay.toNanos() > retryPolicy.deadline().toNanos()) {
      return null;
    }
    return delay;
  }

  private void onRetryDue() {
    retryTask = null;
    if (retryMode == RetryMode.MERGE_BACK) {
      if (backingOff) {
        backingOff = false;
        flushPending(true);
      }
      return;
    }
    RetryBatch<T> head = retryQueue.peek();
    if (head == null) {
      return;
    }
    head.attempts++;
    FlushResult r = writeChunk(head.items, flushTimeout, true);
    if (r.isSuccess()) {
      retryQueue.poll();
      if (!retryQueue.isEmpty()) {
        retryTask = clock.schedule(Duration.ZERO, this::retryFired); // the store is back
      }
      return;
    }
    Duration delay = nextDelay(head.attempts, head.firstFailure);
    if (delay != null) {
      retryTask = clock.schedule(delay, this::retryFired);
      return;
    }
    retryQueue.poll();
    drop(
        DROP_RETRIES_EXHAUSTED,
        head.items.size(),
        "gave up after " + head.attempts + " retries",
        cause(r));
    scheduleHeadRetry();
  }

  private void cancelRetryTask() {
    if (retryTask != null) {
      retryTask.cancel();
      retryTask = null;
    }
  }

  // ------------------------------------------------------------ MERGE_BACK

  private void mergeBackOrGiveUp(List<T> chunk, FlushResult result) {
    if (streakFailures == 0) {
      streakStart = clock.nanoTime();
    }
    streakFailures++;
    Duration delay = closed ? Duration.ZERO : nextDelay(streakFailures - 1, streakStart);
    if (delay == null) {
      streakFailures = 0;
      drop(
          DROP_RETRIES_EXHAUSTED,
          chunk.size(),
          "failed again after " + retryPolicy.maxAttempts() + " retries, or past the retry deadline",
          cause(result));
      return;
    }
    for (T item : chunk) {
      mergeBack(item);
    }
    if (closed) {
      return; // the shutdown that follows gives it its last attempt
    }
    cancelRetryTask();
    backingOff = true;
    retryTask = clock.schedule(delay, this::retryFired);
  }

  // ------------------------------------------------------------ shutdown

  private void shutdown() {
    intake.close(); // before the final drain: from here on every write is refused
    if (timerTask != null) {
      timerTask.cancel();
      timerTask = null;
    }
    cancelRetryTask();
    backingOff = false;
    takeEverything();
    while (!retryQueue.isEmpty()) {
      lastAttempt(retryQueue.poll().items);
    }
    while (pendingSize() > 0) {
      lastAttempt(takeChunk(maxBatchSize));
    }
    CompletableFuture<FlushResult> f;
    while ((f = flushRequests.poll()) != null) {
      f.complete(FlushResult.empty());
    }
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
    drain(all, Integer.MAX_VALUE);
    for (T item : all) {
      add(item);
    }
  }

  private void lastAttempt(List<T> items) {
    Deadlines d = closing;
    long left =
        d == null
            ? flushTimeout.toNanos() // the worker died without close(): still try once
            : d.worker() - real.nanoTime();
    if (left <= 0) {
      drop(DROP_SHUTDOWN_TIMEOUT, items.size(), "no time left within shutdownTimeout " + shutdownTimeout, null);
      return;
    }
    boolean boundByShutdown = left < flushTimeout.toNanos();
    Duration timeout = boundByShutdown ? Duration.ofNanos(left) : flushTimeout;
    FlushResult r = writeChunk(items, timeout, false);
    if (r.isSuccess()) {
      return;
    }
    boolean outOfTime =
        (r.outcome() == FlushResult.Outcome.TIMED_OUT && boundByShutdown)
            || r.failure().orElse(null) instanceof InterruptedException;
    if (outOfTime) {
      drop(DROP_SHUTDOWN_TIMEOUT, items.size(), "the store did not answer within shutdownTimeout " + shutdownTimeout, cause(r));
    } else {
      drop(DROP_CLOSED, items.size(), "the last write attempt while closing failed", cause(r));
    }
  }

  // ------------------------------------------------------------ accounting

  private void count(long heldDelta, long coalescedDelta) {
    synchronized (counters) {
      held += heldDelta;
      coalesced += coalescedDelta;
    }
  }

  private static Throwable cause(FlushResult r) {
    return r.failure().orElse(null);
  }

  /** Counts {@code n} dropped items the worker held, and logs at ERROR. Worker only. */
  private void drop(String reason, int n, String why, Throwable cause) {
    long total;
    synchronized (counters) {
      total = dropped.merge(reason, (long) n, Long::sum);
      held -= n;
    }
    logDrop(reason, n, why, total, cause);
  }

  /**
   * Counts a write refused because the queue stayed full: accepted and dropped
   * ({@value Batcher#DROP_QUEUE_FULL}) in one step. Logs at ERROR the first and then every 100th,
   * since each caller also got an exception.
   */
  private void reject(String why) {
    long total;
    synchronized (counters) {
      rejected++;
      total = dropped.merge(DROP_QUEUE_FULL, 1L, Long::sum);
    }
    if (total == 1 || total % 100 == 0) {
      logDrop(DROP_QUEUE_FULL, 1, why, total, null);
    }
  }

  private void logDrop(String reason, int n, String why, long total, Throwable cause) {
    String msg = "{}: dropped {} item(s), reason {}: {} ({} dropped for this reason so far)";
    if (cause != null) {
      log.error(msg, name, n, reason, why, total, cause);
    } else {
      log.error(msg, name, n, reason, why, total);
    }
  }

  /** Real-time (nanos) deadlines of close(): the whole call, and the worker's part of it. */
  private record Deadlines(long worker, long close) {
    static Deadlines from(long now, Duration shutdownTimeout) {
      long total = shutdownTimeout.toNanos();
      // keep a little time to interrupt a stuck store call and let the worker book the rest
      return new Deadlines(
          now + total - Math.min(TimeUnit.MILLISECONDS.toNanos(100), total / 10), now + total);
    }
  }

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
