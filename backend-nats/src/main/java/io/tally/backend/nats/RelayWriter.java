package io.tally.backend.nats;

import io.tally.core.Clock;
import io.tally.core.DropReasons;
import io.tally.core.StoreException;
import io.tally.core.StoreException.Kind;
import io.tally.core.connectionlog.ConnectionEvent;
import io.tally.core.connectionlog.ConnectionLogStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;

/**
 * The relay's write algorithm, apart from NATS: writes a coalesced batch to the store with one call
 * bounded by the flush timeout, acknowledges every message of it after the store returned, retries
 * a failure that is not a data error with backoff (telling the server the messages are in
 * progress), and bisects a data error (or an unclassified one that keeps failing, see {@link
 * #write}) down to the rejected event, whose messages it terminates. Keeps the counters of what it
 * holds, wrote and gave up. Used by one worker thread; the counters and {@link #stop()} are
 * thread-safe.
 *
 * @param <M> the message type
 */
final class RelayWriter<M> {
  /** What the writer does to a message. */
  interface Messages<M> {
    void ack(M m);

    void term(M m);

    /** Tells the server the message is still being worked on; may fail when disconnected. */
    void inProgress(M m);

    /**
     * Hands the message back for redelivery after {@code delay} (at once when zero); may fail when
     * disconnected.
     */
    void nak(M m, Duration delay);

    /**
     * @return a short description for logs, e.g. the stream sequence
     */
    String describe(M m);
  }

  /** The relay is stopping: the entries in hand were handed back. */
  static final class Stopping extends Exception {
    private static final long serialVersionUID = 1L;

    Stopping() {
      super(null, null, false, false);
    }
  }

  /** Unclassified failures of a batch in a row after which it is bisected: {@value}. */
  static final int ISOLATE_UNKNOWN_AFTER = 3;

  private static final AtomicInteger THREADS = new AtomicInteger();

  private final ConnectionLogStore store;
  private final Messages<M> messages;
  private final Duration flushTimeout;
  private final Duration ackWait;
  private final Backoff backoff;
  private final Clock clock;
  private final Outcomes outcomes;
  private final ExecutorService io;
  final AtomicLong taken = new AtomicLong();
  final AtomicLong released = new AtomicLong();
  final AtomicLong held = new AtomicLong();
  final AtomicLong rows = new AtomicLong();
  final AtomicLong coalesced = new AtomicLong();
  final AtomicLong relayed = new AtomicLong();
  final AtomicLong flushes = new AtomicLong();
  final AtomicLong retries = new AtomicLong();
  private volatile boolean stopping;
  private volatile CountDownLatch pause;

  RelayWriter(
      ConnectionLogStore store,
      Messages<M> messages,
      Duration flushTimeout,
      Duration ackWait,
      Backoff backoff,
      Clock clock,
      Outcomes outcomes) {
    this.store = store;
    this.messages = messages;
    this.flushTimeout = flushTimeout;
    this.ackWait = ackWait;
    this.backoff = backoff;
    this.clock = clock;
    this.outcomes = outcomes;
    int n = THREADS.incrementAndGet();
    this.io =
        Executors.newSingleThreadExecutor(
            r -> {
              Thread t = new Thread(r, "tally-nats-relay-io-" + n);
              t.setDaemon(true);
              return t;
            });
  }

  /**
   * @return whether {@link #stop()} was called
   */
  boolean stopping() {
    return stopping;
  }

  /** Ends retries: a batch waiting for one is handed back at once. */
  void stop() {
    stopping = true;
    CountDownLatch p = pause;
    if (p != null) {
      p.countDown();
    }
  }

  /** Stops the store thread; what the writer still holds counts as handed back (redelivered). */
  void close() {
    io.shutdownNow();
    released.addAndGet(held.getAndSet(0));
  }

  /** Counts {@code n} messages taken from the stream. */
  void took(int n) {
    taken.addAndGet(n);
    held.addAndGet(n);
  }

  /** Terminates a message that could not be decoded, counted with {@code reason}. */
  void terminate(M m, String reason, String why) {
    messages.term(m);
    held.decrementAndGet();
    outcomes.drop(reason, 1, "message " + messages.describe(m) + ": " + why, null);
  }

  /**
   * Writes {@code entries}, retrying transient failures and isolating rejected events by bisection;
   * returns when each entry was written (its messages acknowledged) or rejected (terminated).
   *
   * <p>A {@code DATA} failure is bisected at once. An {@code UNKNOWN} one (a store that does not
   * classify) is retried like a transient one until the batch has failed {@value
   * #ISOLATE_UNKNOWN_AFTER} times in a row with it, then bisected; an event that still fails alone
   * is rejected only if another part of the batch was written in that run and a second try alone
   * fails too. When no part of the batch could be written (a store that is down fails every part,
   * or every event left fails alone), nothing is rejected: the messages are handed back to the
   * server, redelivered after the longest backoff, so that they meet other messages in a later
   * batch and the relay goes on meanwhile. A {@code TRANSIENT} failure or a timeout ends a
   * bisection; what was not written is retried with backoff.
   *
   * @throws Stopping if the relay stops first; the entries not yet written were handed back
   */
  void write(List<RelayBatch.Entry<ConnectionEvent, M>> entries) throws Stopping {
    int attempt = 0;
    int unknownInRow = 0;
    while (true) {
      Throwable failure = upsert(entries);
      if (failure == null) {
        committed(entries);
        return;
      }
      Kind kind = StoreException.kindOf(failure);
      unknownInRow = kind == Kind.UNKNOWN ? unknownInRow + 1 : 0;
      if (kind == Kind.DATA || unknownInRow >= ISOLATE_UNKNOWN_AFTER) {
        unknownInRow = 0;
        Isolation run = new Isolation(entries, kind == Kind.UNKNOWN);
        run.run(failure);
        if (run.kept.isEmpty()) {
          return;
        }
        if (run.unknownMode && !run.wrote) {
          outcomes.failure(
              "writing "
                  + run.kept.size()
                  + " connection-log rows (handed back for "
                  + backoff.max()
                  + ": no part of the batch could be written)",
              run.stop != null ? run.stop : failure);
          release(run.kept, backoff.max());
          return;
        }
        entries = run.kept;
        failure = run.stop != null ? run.stop : failure;
      }
      attempt++;
      outcomes.failure("writing " + entries.size() + " connection-log rows", failure);
      retries.incrementAndGet();
      sleep(backoff.delay(attempt), entries);
    }
  }

  /**
   * One bisection of a failed batch: halves are written on their own and a half that fails for its
   * data (or, in unknown mode, unclassified) is split again until the failing events are alone.
   * Single events failing {@code DATA} are rejected; single events failing {@code UNKNOWN} are
   * suspects, rejected only under the rule of {@link #write}. Everything else left unwritten is
   * {@link #kept}.
   */
  private final class Isolation {
    final boolean unknownMode;
    private final Set<RelayBatch.Entry<ConnectionEvent, M>> unresolved;
    private final List<RelayBatch.Entry<ConnectionEvent, M>> suspects = new ArrayList<>();
    private final long progressEvery = Math.max(1, ackWait.toNanos() / 3);
    private long lastProgress = clock.nanoTime();

    /** Whether some part of the batch was written in this run. */
    boolean wrote;

    /** Entries left for a later retry. */
    final List<RelayBatch.Entry<ConnectionEvent, M>> kept = new ArrayList<>();

    /** The failure that ended the run early, or null. */
    @Nullable Throwable stop;

    Isolation(List<RelayBatch.Entry<ConnectionEvent, M>> batch, boolean unknownMode) {
      this.unknownMode = unknownMode;
      this.unresolved = new LinkedHashSet<>(batch); // entries compare by identity
    }

    void run(Throwable failure) throws Stopping {
      split(new ArrayList<>(unresolved), failure);
      for (RelayBatch.Entry<ConnectionEvent, M> suspect : suspects) {
        if (!wrote || stop != null || stopping) {
          kept.add(suspect); // no evidence that the store works: keep it
          continue;
        }
        // a second try alone, so a store that fails now and then loses nothing it could write
        Throwable again = call(List.of(suspect));
        if (again == null) {
          continue;
        }
        if (isolates(again)) {
          resolve(suspect);
          reject(
              suspect,
              again,
              "failed alone twice (unclassified) while the rest of its batch was written");
        } else {
          stop = again;
          kept.add(suspect);
        }
      }
    }

    private void split(List<RelayBatch.Entry<ConnectionEvent, M>> part, Throwable failure)
        throws Stopping {
      if (part.size() == 1) {
        RelayBatch.Entry<ConnectionEvent, M> e = part.get(0);
        if (StoreException.kindOf(failure) == Kind.DATA) {
          resolve(e);
          reject(e, failure, "rejected by the store");
        } else {
          suspects.add(e);
        }
        return;
      }
      int mid = part.size() / 2;
      attempt(part.subList(0, mid));
      attempt(part.subList(mid, part.size()));
    }

    private void attempt(List<RelayBatch.Entry<ConnectionEvent, M>> part) throws Stopping {
      if (unknownMode && !wrote && suspects.size() >= 2 && stop == null) {
        stop =
            new StoreException(
                "two events failed alone and nothing was written: the store looks down",
                null,
                Kind.UNKNOWN);
      }
      if (stop != null || stopping) {
        kept.addAll(part);
        return;
      }
      Throwable failure = call(part);
      if (failure == null) {
        return;
      }
      if (isolates(failure)) {
        split(part, failure);
      } else {
        stop = failure;
        kept.addAll(part);
      }
    }

    /** Writes {@code part}; on success acknowledges it. @return null, or what the store threw */
    private Throwable call(List<RelayBatch.Entry<ConnectionEvent, M>> part) throws Stopping {
      long now = clock.nanoTime();
      if (now - lastProgress >= progressEvery) {
        lastProgress = now;
        inProgress(new ArrayList<>(unresolved)); // a long bisection must not outlast the ack wait
      }
      Throwable failure;
      try {
        failure = upsert(part);
      } catch (Stopping s) {
        part.forEach(this::resolve); // handed back by upsert
        release(new ArrayList<>(unresolved), Duration.ZERO);
        throw s;
      }
      if (failure == null) {
        part.forEach(this::resolve);
        committed(part);
        wrote = true;
      }
      return failure;
    }

    private boolean isolates(Throwable failure) {
      Kind kind = StoreException.kindOf(failure);
      return kind == Kind.DATA || (unknownMode && kind == Kind.UNKNOWN);
    }

    private void resolve(RelayBatch.Entry<ConnectionEvent, M> e) {
      unresolved.remove(e);
    }
  }

  /**
   * @return null when the store committed, else what it threw (a timeout included)
   */
  private @Nullable Throwable upsert(List<RelayBatch.Entry<ConnectionEvent, M>> entries)
      throws Stopping {
    List<ConnectionEvent> events = new ArrayList<>(entries.size());
    for (RelayBatch.Entry<ConnectionEvent, M> e : entries) {
      events.add(e.item);
    }
    Future<?> call;
    try {
      call = io.submit(() -> store.upsertBatch(events));
    } catch (RuntimeException e) {
      return e;
    }
    try {
      call.get(flushTimeout.toNanos(), TimeUnit.NANOSECONDS);
      return null;
    } catch (ExecutionException e) {
      return e.getCause();
    } catch (TimeoutException e) {
      call.cancel(true);
      return new StoreException(
          "the store call did not finish within " + flushTimeout, e, StoreException.Kind.TRANSIENT);
    } catch (InterruptedException e) {
      call.cancel(true);
      release(entries, Duration.ZERO);
      throw new Stopping();
    }
  }

  private void committed(List<RelayBatch.Entry<ConnectionEvent, M>> entries) {
    int n = 0;
    for (RelayBatch.Entry<ConnectionEvent, M> e : entries) {
      for (M m : e.messages) {
        messages.ack(m);
        n++;
      }
    }
    rows.addAndGet(entries.size());
    coalesced.addAndGet(n - entries.size());
    relayed.addAndGet(n);
    held.addAndGet(-n);
    flushes.incrementAndGet();
    outcomes.success();
  }

  private void reject(RelayBatch.Entry<ConnectionEvent, M> entry, Throwable failure, String why) {
    List<String> which = new ArrayList<>();
    for (M m : entry.messages) {
      messages.term(m);
      which.add(messages.describe(m));
    }
    held.addAndGet(-entry.messages.size());
    outcomes.drop(
        DropReasons.REJECTED,
        entry.messages.size(),
        "event " + entry.item.id() + " (messages " + String.join(",", which) + "): " + why,
        failure);
  }

  /**
   * Waits {@code delay} on the clock, telling the server every third of the ack wait that the held
   * messages are in progress.
   *
   * @throws Stopping if the relay stops meanwhile (the messages were handed back)
   */
  void sleep(Duration delay, List<RelayBatch.Entry<ConnectionEvent, M>> entries) throws Stopping {
    CountDownLatch done = new CountDownLatch(1);
    pause = done;
    inProgress(entries); // before the timer exists, so that a waiting retry has said so
    Clock.Cancellable timer = clock.schedule(delay, done::countDown);
    long slice = Math.max(1, ackWait.toMillis() / 3);
    try {
      while (!stopping && !done.await(slice, TimeUnit.MILLISECONDS)) {
        inProgress(entries);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      timer.cancel();
      pause = null;
    }
    if (stopping || Thread.currentThread().isInterrupted()) {
      release(entries, Duration.ZERO);
      throw new Stopping();
    }
  }

  private void inProgress(List<RelayBatch.Entry<ConnectionEvent, M>> entries) {
    for (RelayBatch.Entry<ConnectionEvent, M> e : entries) {
      for (M m : e.messages) {
        try {
          messages.inProgress(m);
        } catch (RuntimeException lost) {
          return; // connection lost: the server redelivers after the ack wait, harmlessly
        }
      }
    }
  }

  /** Hands {@code entries}' messages back to the server for redelivery after {@code delay}. */
  void release(List<RelayBatch.Entry<ConnectionEvent, M>> entries, Duration delay) {
    List<M> all = new ArrayList<>();
    for (RelayBatch.Entry<ConnectionEvent, M> e : entries) {
      all.addAll(e.messages);
    }
    for (M m : all) {
      try {
        messages.nak(m, delay);
      } catch (RuntimeException e) {
        // disconnected: the server redelivers after the ack wait
      }
    }
    released.addAndGet(all.size());
    held.addAndGet(-all.size());
  }
}
