package io.tally.core.usagestats;

import io.tally.core.Clock;
import io.tally.core.ComponentStats;
import io.tally.core.Health;
import io.tally.core.StoreException;
import io.tally.core.internal.FailureTracker;
import io.tally.core.internal.Fatal;
import io.tally.core.internal.TallyThreadFactory;
import io.tally.core.internal.TimedCall;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.NavigableSet;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link UsageStatsReporter} implementation. Its stats count collections: {@code flushes} are
 * collections that returned a summary, {@code failedFlushes} collections whose store call threw or
 * timed out; it accepts no items, so the item counters stay zero.
 *
 * <p>The store call runs on the reporter's own I/O thread, bounded by the real-time timeout. The
 * end of a period whose store call threw or timed out is kept in memory as <em>in doubt</em> (its
 * claim may have committed): every later call first asks the store again for those periods, oldest
 * first, with the same reporter id, and queues a summary it gets; {@link #collectAndReset()} then
 * hands out the oldest queued summary and leaves the current period to the next call, {@link
 * #collectAll()} collects the current period too and hands out all. A summary this instance
 * obtained once is not handed out again.
 */
final class DefaultUsageStatsReporter implements UsageStatsReporter {
  private static final Logger log = LoggerFactory.getLogger(UsageStatsReporter.class);

  private final String name;
  private final UsageStatsStore store;
  private final Duration period;
  private final Clock clock;
  private final String reporterId;
  private final Duration timeout;
  private final FailureTracker failures;
  private final ExecutorService io;
  // Guarded by this.
  private final NavigableSet<Instant> inDoubt =
      new TreeSet<>(); // ends of periods whose call failed
  private final Deque<UsageSummary> ready = new ArrayDeque<>(); // obtained, not yet handed out
  private Instant lastObtained; // the period end of the last summary obtained from the store
  private final AtomicLong collected = new AtomicLong();
  private final AtomicLong failed = new AtomicLong();
  private volatile boolean closed;

  DefaultUsageStatsReporter(UsageStatsReporter.Builder b) {
    this.name = b.name;
    this.store = b.store;
    this.period = b.period;
    this.clock = b.clock;
    this.reporterId = b.reporterId;
    this.timeout = b.timeout;
    this.failures = new FailureTracker(name, log, clock, b.healthPolicy);
    this.io = Executors.newSingleThreadExecutor(new TallyThreadFactory(name));
  }

  /**
   * The end of the last complete period at {@code now}: {@code now} truncated to a multiple of
   * {@code period} counted from the epoch.
   */
  static Instant periodEnd(Instant now, Duration period) {
    long n = Duration.between(Instant.EPOCH, now).dividedBy(period);
    Instant end = Instant.EPOCH.plus(period.multipliedBy(n));
    return end.isAfter(now) ? end.minus(period) : end; // before the epoch: round down too
  }

  @Override
  public synchronized Optional<UsageSummary> collectAndReset() {
    Instant now = now();
    resolveInDoubt(now);
    if (ready.isEmpty()) {
      collect(periodEnd(now, period), now);
    }
    return Optional.ofNullable(ready.poll()).map(this::handOut);
  }

  @Override
  public synchronized List<UsageSummary> collectAll() {
    Instant now = now();
    resolveInDoubt(now);
    collect(periodEnd(now, period), now);
    List<UsageSummary> all = new ArrayList<>(ready.size());
    while (!ready.isEmpty()) {
      all.add(handOut(ready.poll()));
    }
    return all;
  }

  private Instant now() {
    if (closed) {
      throw new IllegalStateException(name + " is closed");
    }
    return clock.now();
  }

  /**
   * Asks the store again, oldest first, for each period whose call failed: a claim that committed
   * returns its stored summary (queued to be handed out), one that did not is made now. A period
   * stays in doubt until its store call succeeds.
   */
  private void resolveInDoubt(Instant now) {
    while (!inDoubt.isEmpty()) {
      Instant end = inDoubt.first();
      collect(end, now);
      if (!ready.isEmpty() && ready.peekLast().periodEnd().equals(end)) {
        log.info(
            "{}: got the summary of the period ending {}, whose collection had failed", name, end);
      }
    }
  }

  /**
   * One store call for the period ending at {@code end}; a summary it returns is queued unless this
   * instance got it before. On failure the period is in doubt until a later call settles it.
   */
  private void collect(Instant end, Instant now) {
    Optional<UsageSummary> summary;
    try {
      summary =
          Objects.requireNonNull(
              TimedCall.call(
                  io, () -> store.collectAndReset(end, period, now, reporterId), timeout),
              "the store returned null instead of an Optional");
    } catch (Exception | Error e) {
      Fatal.rethrowIfFatal(e);
      inDoubt.add(end);
      failed.incrementAndGet();
      failures.recordFailure("collecting the usage of the period ending " + end, e);
      if (e instanceof RuntimeException) {
        throw (RuntimeException) e;
      }
      if (e instanceof Error) {
        throw (Error) e;
      }
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
      String what = e instanceof TimeoutException ? "did not finish within " + timeout : "failed";
      throw new StoreException(
          "collecting the usage of the period ending "
              + end
              + " "
              + what
              + "; a later call returns its summary if the claim committed",
          e,
          StoreException.Kind.TRANSIENT);
    }
    inDoubt.remove(end);
    failures.recordSuccess();
    if (summary.isPresent() && !end.equals(lastObtained)) { // else this instance got it already
      lastObtained = end;
      ready.add(summary.get());
    }
  }

  private UsageSummary handOut(UsageSummary summary) {
    collected.incrementAndGet();
    log.debug("{}: collected the period ending {}: {}", name, summary.periodEnd(), summary);
    return summary;
  }

  @Override
  public Duration period() {
    return period;
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public ComponentStats stats() {
    return ComponentStats.builder(name)
        .flushes(collected.get())
        .failedFlushes(failed.get())
        .consecutiveFailures(failures.consecutiveFailures())
        .lastSuccess(failures.lastSuccess())
        .build();
  }

  @Override
  public Health health() {
    return failures.health();
  }

  @Override
  public void close() {
    closed = true;
    io.shutdownNow(); // ends a running store call, so the lock below is free soon
    synchronized (this) {
      if (!ready.isEmpty() || !inDoubt.isEmpty()) {
        List<Instant> claimed = new ArrayList<>();
        ready.forEach(summary -> claimed.add(summary.periodEnd()));
        log.error(
            "{}: closed with the summaries of the periods ending {} claimed but not returned, and"
                + " the periods ending {} in doubt (their claims may have committed); the store"
                + " keeps the claimed summaries with their claims",
            name,
            claimed,
            inDoubt);
      }
    }
  }

  @Override
  public String toString() {
    return "UsageStatsReporter{name=" + name + ", period=" + period + '}';
  }
}
