package io.tally.backend.nats;

import io.tally.core.Clock;
import io.tally.core.ComponentStats;
import io.tally.core.Health;
import io.tally.core.HealthPolicy;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;

/**
 * The counters a publisher or relay shares with {@link ComponentStats}: outcomes of its server or
 * store calls (consecutive failures, last success, health) and what it gave up, by reason. Logs the
 * first failure of a run at WARN and then every 100th at ERROR; logs every drop at ERROR with the
 * total for its reason. Thread-safe.
 */
final class Outcomes {
  private static final int LOG_EVERY = 100;

  private final String component;
  private final Logger log;
  private final Clock clock;
  private final HealthPolicy policy;
  private final Instant start;
  private final Map<String, AtomicLong> dropped = new ConcurrentHashMap<>();
  private final AtomicLong failures = new AtomicLong();
  private final AtomicLong successes = new AtomicLong();
  private int consecutiveFailures;
  private Instant lastSuccess;

  Outcomes(String component, Logger log, Clock clock, HealthPolicy policy) {
    this.component = component;
    this.log = log;
    this.clock = clock;
    this.policy = policy;
    this.start = clock.now();
  }

  void success() {
    successes.incrementAndGet();
    int before;
    synchronized (this) {
      before = consecutiveFailures;
      consecutiveFailures = 0;
      lastSuccess = clock.now();
    }
    if (before > 0) {
      log.info("{}: succeeded again after {} consecutive failures", component, before);
    }
  }

  /** Records and (throttled) logs a failure; the items are kept and retried. */
  void failure(String what, Throwable cause) {
    failures.incrementAndGet();
    int n;
    synchronized (this) {
      n = ++consecutiveFailures;
    }
    if (n == 1) {
      log.warn("{}: {} failed; kept and retried", component, what, cause);
    } else if (n % LOG_EVERY == 0) {
      log.error(
          "{}: {} failed ({} consecutive failures); kept and retried", component, what, n, cause);
    }
  }

  /** Counts {@code n} items given up for {@code reason} and logs it at ERROR. */
  void drop(String reason, long n, String why, @Nullable Throwable cause) {
    long total = dropped.computeIfAbsent(reason, r -> new AtomicLong()).addAndGet(n);
    if (cause == null) {
      log.error(
          "{}: gave up {} item(s), reason {}: {} ({} so far)", component, n, reason, why, total);
    } else {
      log.error(
          "{}: gave up {} item(s), reason {}: {} ({} so far)",
          component,
          n,
          reason,
          why,
          total,
          cause);
    }
  }

  long dropped(String reason) {
    AtomicLong n = dropped.get(reason);
    return n == null ? 0 : n.get();
  }

  long failures() {
    return failures.get();
  }

  long successes() {
    return successes.get();
  }

  /** Adds the drops, failures and health counters to {@code b}. */
  ComponentStats.Builder fill(ComponentStats.Builder b) {
    dropped.forEach((reason, n) -> b.dropped(reason, n.get()));
    synchronized (this) {
      b.consecutiveFailures(consecutiveFailures).lastSuccess(lastSuccess);
    }
    return b.failedFlushes(failures.get());
  }

  Health health() {
    int n;
    Instant since;
    synchronized (this) {
      n = consecutiveFailures;
      since = lastSuccess != null ? lastSuccess : start;
    }
    if (n == 0) {
      return Health.HEALTHY;
    }
    if (Duration.between(since, clock.now()).compareTo(policy.failingAfter()) >= 0) {
      return Health.FAILING;
    }
    return n >= policy.degradedAfterFailures() ? Health.DEGRADED : Health.HEALTHY;
  }
}
