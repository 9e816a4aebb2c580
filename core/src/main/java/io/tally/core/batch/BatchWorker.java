package io.tally.core.batch;

import io.tally.core.Clock;
import io.tally.core.ComponentStats;
import io.tally.core.DropReasons;
import io.tally.core.FlushResult;
import io.tally.core.StoreException.Kind;
import io.tally.core.internal.CloseRetry;
import io.tally.core.internal.FailureTracker;
import io.tally.core.internal.FlushListeners;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;

/**
 * The worker of a {@link DefaultBatcher}: the loop that drains the intake, decides every store call
 * and handles its outcome, and the shutdown's last attempts. It owns the state it works on ({@link
 * PendingBatch}, {@link Isolation}, {@link FlushTimer}, {@link RetryBackoff}, {@link RetryQueue},
 * {@link FlushRound}); everything here runs on the worker thread, except {@link #isIdle()} and
 * {@link #terminated}.
 *
 * @param <T> the item type
 */
final class BatchWorker<T> {
  private final Logger log;
  private final DefaultBatcher<T> owner;
  private final String name;
  private final int maxBatchSize;
  private final RetryMode retryMode;
  private final Duration flushTimeout;
  private final Duration shutdownTimeout;
  private final Clock clock;
  private final Clock real;
  private final FailureTracker failures;
  private final FlushListeners listeners;
  private final ShardContext shard;
  private final PendingBound bound;
  private final Intake<T> intake;
  private final BatchCounters counters;
  private final ConcurrentLinkedQueue<CompletableFuture<FlushResult>> flushRequests;
  private final StoreCalls<T> calls;

  /** Counted down once the worker stopped, everything booked. */
  final CountDownLatch terminated = new CountDownLatch(1);

  /** True while a store call started by the worker has not been handled; for isIdle(). */
  private volatile boolean calling;

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

  BatchWorker(
      Batcher.Builder<T> b,
      ShardContext shard,
      DefaultBatcher<T> owner,
      Intake<T> intake,
      BatchCounters counters,
      ConcurrentLinkedQueue<CompletableFuture<FlushResult>> flushRequests,
      Logger log) {
    this.log = log;
    this.owner = owner;
    this.name = b.name;
    this.maxBatchSize = b.maxBatchSize;
    this.retryMode = b.effectiveRetryMode();
    this.flushTimeout = b.flushTimeout;
    this.shutdownTimeout = b.shutdownTimeout;
    this.clock = b.clock;
    this.real = b.realTime;
    this.failures = shard.failures();
    this.listeners = shard.listeners();
    this.shard = shard;
    this.bound = shard.bound();
    this.intake = intake;
    this.counters = counters;
    this.flushRequests = flushRequests;
    this.pending = new PendingBatch<>(b.coalescing, counters::callbackFailed);
    this.drain = new IntakeDrain<>(intake, pending, counters, bound);
    this.timer = new FlushTimer(clock, b.flushInterval, () -> intake.signal(Intake.TIMER));
    this.backoff = new RetryBackoff(b.retryPolicy, clock, () -> intake.signal(Intake.RETRY));
    this.retryQueue = new RetryQueue<>(b.retryQueueCapacity, backoff, counters);
    this.calls =
        new StoreCalls<>(shard.io(), b.store, clock, real, () -> intake.signal(Intake.DONE));
  }

  /** Arms the flush timer; before the worker thread starts. */
  void armTimer() {
    timer.rearm();
  }

  /** True when the worker waits with nothing to do and no store call running; for tests. */
  boolean isIdle() {
    return (intake.consumerIdle() && !calling) || terminated.getCount() == 0;
  }

  // ---------------------------------------------------------------- worker

  /** The worker thread's body: the loop, then the shutdown. */
  void run() {
    try {
      loop();
    } catch (InterruptedException e) {
      // interrupted by close() while waiting; the shutdown below handles what is left
    } catch (RuntimeException | Error e) {
      owner.workerDied();
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
      drain.drain();
      if (owner.closing() != null) {
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
      if (owner.closing() != null) {
        return;
      }
      boolean canTake = drain.canTake();
      if (!canTake) {
        bound.block(shard.index()); // then look again: room freed since is not missed
        canTake = drain.canTake();
      }
      if (timer.isStale() && !intake.hasWork(canTake)) {
        timer.moveIfStale(); // about to wait: arm the timer for the deadline the last flush set
      }
      if (inFlight == null) {
        calling = false;
        signals = intake.awaitWork(canTake);
      } else {
        signals = intake.awaitWork(canTake, calls.nanosLeft(inFlight));
      }
      if (!canTake) {
        bound.unblock(shard.index());
      }
    }
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
    if (inFlight != null || owner.closing() != null) {
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
      if (pending.size() < maxBatchSize && !bound.underPressure()) {
        return;
      }
      timer.defer(); // a size flush (or the shared bound is used up)
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
    Kind kind = StoreCalls.kindOf(result);
    boolean endsRound = true; // a failure ends a flush round, unless an isolation resolves it
    switch (source) {
      case PART -> endsRound = handle(isolation.failed(call.items, kind), result);
      case HEAD -> {
        if (owner.closing()
            == null) { // else the shutdown gives every queued batch its last attempt
          retryQueue.scheduleHead(result);
        }
      }
      case PENDING_QUEUED ->
          retryQueue.failed(call.items, result, clock.nanoTime(), owner.closing() != null);
      case PENDING -> {
        int streak = backoff.failed();
        boolean bisect =
            kind == Kind.DATA
                || (kind == Kind.UNKNOWN && streak >= Isolation.UNKNOWN_FAILURES_BEFORE_BISECTING);
        if (bisect && owner.closing() == null) {
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
      failures.recordFailure("writing a batch of " + items + " item(s)", StoreCalls.cause(r));
    }
    listeners.fire(r);
  }

  /**
   * Applies an isolation verdict: rejected items are dropped, given-back ones merge back.
   *
   * @return true if items were given back (they wait for a retry)
   */
  private boolean handle(Isolation.Verdict<T> verdict, FlushResult result) {
    for (T item : verdict.rejected()) { // logged with its key, never its contents
      String why = "the store rejected it alone, key " + pending.keyOf(item);
      counters.drop(DropReasons.REJECTED, 1, why, StoreCalls.cause(result));
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
    Duration delay = owner.closing() != null ? Duration.ZERO : backoff.nextDelayOfRun();
    if (delay == null) {
      backoff.giveUpRun();
      counters.drop(
          DropReasons.RETRIES_EXHAUSTED,
          items.size(),
          "failed again after "
              + backoff.policy().maxAttempts()
              + " retries, or past the retry deadline",
          StoreCalls.cause(result));
      return;
    }
    drain.mergeBack(items);
    if (owner.closing() != null) {
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
    // Every batch gets an attempt; what fails for want of a healthy database (a connection gone
    // silent, an outage) merges back and is tried again, with a short backoff, until the
    // shutdown budget is spent: one failed attempt does not give up what the rest of the budget
    // could still write.
    long deadline = real.nanoTime() + Math.max(0, shutdownLeft());
    boolean done =
        CloseRetry.untilDone(
            () -> {
              List<T> unwritten = new ArrayList<>();
              List<T> failed;
              while ((failed = retryQueue.poll()) != null) {
                unwritten.addAll(lastAttempt(failed));
              }
              while (!pending.isEmpty()) {
                unwritten.addAll(lastAttempt(pending.take(maxBatchSize)));
              }
              drain.mergeBack(unwritten);
              return pending.isEmpty();
            },
            deadline,
            real);
    if (!done) {
      List<T> left = pending.take(Integer.MAX_VALUE);
      counters.drop(
          DropReasons.SHUTDOWN,
          left.size(),
          "the store could not take them within shutdownTimeout " + shutdownTimeout,
          null);
    }
    round.end(FlushResult.empty());
    CompletableFuture<FlushResult> f;
    while ((f = flushRequests.poll()) != null) {
      f.complete(FlushResult.empty());
    }
    calling = false;
    ComponentStats s = owner.stats();
    if (s.droppedTotal() > 0) {
      log.error(
          "{}: closed; {} item(s) in all were never written: {}",
          name,
          s.droppedTotal(),
          s.dropped());
    } else {
      log.debug("{}: closed; {}", name, s);
    }
  }

  /** Real nanos the worker may still spend closing. */
  private long shutdownLeft() {
    CloseDeadlines d = owner.closing();
    return d == null
        ? StoreCalls.saturatedNanos(flushTimeout) // the worker died without close(): try once
        : d.worker() - real.nanoTime();
  }

  private void dropUnanswered(List<T> items) {
    String why = "the store did not answer within shutdownTimeout " + shutdownTimeout;
    counters.drop(DropReasons.SHUTDOWN, items.size(), why, null);
  }

  /**
   * One store call for {@code items} while closing, within the shutdown time. A batch rejected for
   * its data is bisected (time allowing), so only the bad items are given up ({@code rejected}).
   *
   * @return the items not written for another reason (no time left, a timeout, a transient or
   *     unclassified failure): the caller tries them again while the budget lasts
   */
  private List<T> lastAttempt(List<T> items) {
    long left = shutdownLeft();
    if (left <= 0) {
      return items;
    }
    Duration timeout =
        left < StoreCalls.saturatedNanos(flushTimeout) ? Duration.ofNanos(left) : flushTimeout;
    StoreCalls.Call<T> call = calls.start(items, timeout);
    FlushResult r = calls.await(call, left);
    if (r == null) {
      calls.cancel(call); // its connections are aborted; a retry of an upsert is harmless
      return items;
    }
    book(r, items.size());
    if (r.isSuccess()) {
      return List.of();
    }
    if (StoreCalls.kindOf(r) == Kind.DATA) {
      if (items.size() == 1) {
        handle(new Isolation.Verdict<>(items, List.of()), r);
        return List.of();
      }
      int half = items.size() / 2;
      List<T> unwritten = new ArrayList<>(lastAttempt(new ArrayList<>(items.subList(0, half))));
      unwritten.addAll(lastAttempt(new ArrayList<>(items.subList(half, items.size()))));
      return unwritten;
    }
    return items;
  }
}
