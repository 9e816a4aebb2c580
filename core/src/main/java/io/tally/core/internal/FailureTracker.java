package io.tally.core.internal;

import io.tally.core.Clock;
import io.tally.core.Health;
import io.tally.core.HealthPolicy;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;

/**
 * Follows a component's flush outcomes: counts consecutive failures, remembers the last success,
 * logs the first failure of a run at WARN and the following ones at ERROR with the count, and
 * derives {@link Health} from a {@link HealthPolicy}. Thread-safe.
 */
public final class FailureTracker {
  private final String component;
  private final Logger log;
  private final Clock clock;
  private final HealthPolicy policy;
  private final Instant start;
  private int consecutiveFailures;
  private @Nullable Instant lastSuccess;

  /**
   * @param component the component's name, for log messages
   * @param log where to log failures
   * @param clock where time comes from
   * @param policy when to report degraded or failing
   */
  public FailureTracker(String component, Logger log, Clock clock, HealthPolicy policy) {
    this.component = Objects.requireNonNull(component, "component");
    this.log = Objects.requireNonNull(log, "log");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.policy = Objects.requireNonNull(policy, "policy");
    this.start = clock.now();
  }

  /** Records a successful flush: health returns to {@code HEALTHY}. */
  public synchronized void recordSuccess() {
    if (consecutiveFailures > 0) {
      log.info(
          "{}: flush succeeded again after {} consecutive failures",
          component,
          consecutiveFailures);
    }
    consecutiveFailures = 0;
    lastSuccess = clock.now();
  }

  /**
   * Records a failed flush and logs it: WARN for the first of a run, ERROR with the count after.
   *
   * @param what a short description, e.g. {@code "flushing 120 last-used entries"}
   * @param failure what the store threw
   * @return the number of consecutive failures including this one
   */
  public int recordFailure(String what, Throwable failure) {
    int n;
    synchronized (this) {
      n = ++consecutiveFailures;
    }
    if (n == 1) {
      log.warn("{}: failed {}; the data is kept and retried", component, what, failure);
    } else {
      log.error(
          "{}: failed {} ({} consecutive failures); the data is kept and retried",
          component,
          what,
          n,
          failure);
    }
    return n;
  }

  /**
   * @return failures in a row since the last success
   */
  public synchronized int consecutiveFailures() {
    return consecutiveFailures;
  }

  /**
   * @return the time of the last success, or null
   */
  public synchronized @Nullable Instant lastSuccess() {
    return lastSuccess;
  }

  /**
   * @return the health derived from the policy
   */
  public Health health() {
    int failures;
    Instant since;
    synchronized (this) {
      failures = consecutiveFailures;
      since = lastSuccess != null ? lastSuccess : start;
    }
    if (failures == 0) {
      return Health.HEALTHY;
    }
    if (Duration.between(since, clock.now()).compareTo(policy.failingAfter()) >= 0) {
      return Health.FAILING;
    }
    return failures >= policy.degradedAfterFailures() ? Health.DEGRADED : Health.HEALTHY;
  }
}
