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
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link UsageStatsReporter} implementation. Its stats count collections: {@code flushes}
 * are collections that returned a summary, {@code failedFlushes} collections whose store call
 * threw or timed out; it accepts no items, so the item counters stay zero.
 *
 * <p>The store call runs on the reporter's own I/O thread, bounded by the real-time timeout. A
 * summary the store returns for a period this reporter claimed before (an earlier call whose
 * outcome the caller never saw) is returned; one this instance already returned is not returned
 * again.
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
  private Instant lastReturned; // guarded by this: the period end of the last summary returned
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
    if (closed) {
      throw new IllegalStateException(name + " is closed");
    }
    Instant now = clock.now();
    Instant periodEnd = periodEnd(now, period);
    Optional<UsageSummary> summary;
    try {
      summary =
          Objects.requireNonNull(
              TimedCall.call(
                  io, () -> store.collectAndReset(periodEnd, period, now, reporterId), timeout),
              "the store returned null instead of an Optional");
    } catch (Exception | Error e) {
      Fatal.rethrowIfFatal(e);
      failed.incrementAndGet();
      failures.recordFailure("collecting the usage of the period ending " + periodEnd, e);
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
          "collecting the usage of the period ending " + periodEnd + " " + what
              + "; the next call for this period returns its summary if the claim committed",
          e,
          StoreException.Kind.TRANSIENT);
    }
    failures.recordSuccess();
    if (summary.isPresent() && periodEnd.equals(lastReturned)) {
      return Optional.empty(); // this instance returned it already
    }
    if (summary.isPresent()) {
      lastReturned = periodEnd;
      collected.incrementAndGet();
      log.debug("{}: collected the period ending {}: {}", name, periodEnd, summary.get());
    }
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
    io.shutdownNow();
  }

  @Override
  public String toString() {
    return "UsageStatsReporter{name=" + name + ", period=" + period + '}';
  }
}
