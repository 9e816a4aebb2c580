package io.tally.core;

import java.time.Instant;
import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/**
 * An immutable snapshot of one component's counters, taken by {@code stats()}.
 *
 * <p>The counters obey a conservation rule that the testkit checks after tests: every item a
 * component accepted is either written ({@link #flushedRows()} counts rows after coalescing, so add
 * {@link #coalesced()}), still pending ({@link #pending()}), or dropped with a reason ({@link
 * #dropped()}).
 */
public final class ComponentStats {
  private final String component;
  private final long accepted;
  private final long coalesced;
  private final long flushedRows;
  private final long flushes;
  private final long failedFlushes;
  private final long retries;
  private final Map<String, Long> dropped;
  private final int consecutiveFailures;
  private final @Nullable Instant lastSuccess;
  private final long pending;
  private final long callbackFailures;
  private final long truncated;

  private ComponentStats(Builder b) {
    this.component = b.component;
    this.accepted = b.accepted;
    this.coalesced = b.coalesced;
    this.flushedRows = b.flushedRows;
    this.flushes = b.flushes;
    this.failedFlushes = b.failedFlushes;
    this.retries = b.retries;
    this.dropped = Collections.unmodifiableMap(new TreeMap<>(b.dropped));
    this.consecutiveFailures = b.consecutiveFailures;
    this.lastSuccess = b.lastSuccess;
    this.pending = b.pending;
    this.callbackFailures = b.callbackFailures;
    this.truncated = b.truncated;
  }

  /**
   * Starts a snapshot for the named component. For component and store authors.
   *
   * @param component the component's name, e.g. {@code "last-used"}
   * @return a builder with every counter at zero
   */
  public static Builder builder(String component) {
    return new Builder(component);
  }

  /**
   * @return the component's name, e.g. {@code "last-used"} or {@code "connection-log"}
   */
  public String component() {
    return component;
  }

  /**
   * @return items accepted by the hot-path call ({@code markUsed}, {@code track}, {@code write})
   */
  public long accepted() {
    return accepted;
  }

  /**
   * @return items folded into another item with the same key before they were written
   */
  public long coalesced() {
    return coalesced;
  }

  /**
   * @return rows handed to the store in successful flushes
   */
  public long flushedRows() {
    return flushedRows;
  }

  /**
   * @return successful flushes that wrote at least one row
   */
  public long flushes() {
    return flushes;
  }

  /**
   * @return flushes that failed or timed out
   */
  public long failedFlushes() {
    return failedFlushes;
  }

  /**
   * @return retry attempts made after failed flushes
   */
  public long retries() {
    return retries;
  }

  /**
   * @return items given up, by reason (for example {@code retries_exhausted}); unmodifiable
   */
  public Map<String, Long> dropped() {
    return dropped;
  }

  /**
   * @return the sum of {@link #dropped()} over every reason
   */
  public long droppedTotal() {
    long total = 0;
    for (long n : dropped.values()) {
      total += n;
    }
    return total;
  }

  /**
   * @return flushes that failed in a row since the last success
   */
  public int consecutiveFailures() {
    return consecutiveFailures;
  }

  /**
   * @return when a flush last succeeded, if one ever did
   */
  public Optional<Instant> lastSuccess() {
    return Optional.ofNullable(lastSuccess);
  }

  /**
   * @return items held in memory and not yet written (queue depth plus pending batch)
   */
  public long pending() {
    return pending;
  }

  /**
   * Returns how many calls into user callbacks other than the store threw: flush listeners, and for
   * a batcher its coalescing key function and merge rule. Each failure was caught (the component
   * went on working) and logged; this counter makes them visible.
   *
   * @return callback calls that threw, since the component was built
   */
  public long callbackFailures() {
    return callbackFailures;
  }

  /**
   * Returns how many free-text values were truncated to their documented limit before they were
   * accepted (see {@link InputRules}); such items are accepted and written, with the value cut.
   *
   * @return values truncated, as reported by the component (0 when it truncates nothing)
   */
  public long truncated() {
    return truncated;
  }

  @Override
  public boolean equals(@Nullable Object o) {
    if (!(o instanceof ComponentStats)) {
      return false;
    }
    ComponentStats s = (ComponentStats) o;
    return component.equals(s.component)
        && accepted == s.accepted
        && coalesced == s.coalesced
        && flushedRows == s.flushedRows
        && flushes == s.flushes
        && failedFlushes == s.failedFlushes
        && retries == s.retries
        && dropped.equals(s.dropped)
        && consecutiveFailures == s.consecutiveFailures
        && Objects.equals(lastSuccess, s.lastSuccess)
        && pending == s.pending
        && callbackFailures == s.callbackFailures
        && truncated == s.truncated;
  }

  @Override
  public int hashCode() {
    return Objects.hash(
        component,
        accepted,
        coalesced,
        flushedRows,
        flushes,
        failedFlushes,
        retries,
        dropped,
        consecutiveFailures,
        lastSuccess,
        pending,
        callbackFailures,
        truncated);
  }

  @Override
  public String toString() {
    return component
        + "{accepted="
        + accepted
        + ", coalesced="
        + coalesced
        + ", flushedRows="
        + flushedRows
        + ", flushes="
        + flushes
        + ", failedFlushes="
        + failedFlushes
        + ", retries="
        + retries
        + ", dropped="
        + dropped
        + ", consecutiveFailures="
        + consecutiveFailures
        + ", lastSuccess="
        + lastSuccess
        + ", pending="
        + pending
        + ", callbackFailures="
        + callbackFailures
        + ", truncated="
        + truncated
        + '}';
  }

  /** Builds a {@link ComponentStats}; not thread-safe. */
  public static final class Builder {
    private final String component;
    private long accepted;
    private long coalesced;
    private long flushedRows;
    private long flushes;
    private long failedFlushes;
    private long retries;
    private final Map<String, Long> dropped = new TreeMap<>();
    private int consecutiveFailures;
    private @Nullable Instant lastSuccess;
    private long pending;
    private long callbackFailures;
    private long truncated;

    private Builder(String component) {
      this.component = Objects.requireNonNull(component, "component");
    }

    /**
     * Sets {@code accepted}.
     *
     * @param n items accepted
     * @return this
     */
    public Builder accepted(long n) {
      this.accepted = n;
      return this;
    }

    /**
     * Sets {@code coalesced}.
     *
     * @param n items coalesced
     * @return this
     */
    public Builder coalesced(long n) {
      this.coalesced = n;
      return this;
    }

    /**
     * Sets {@code flushedRows}.
     *
     * @param n rows written
     * @return this
     */
    public Builder flushedRows(long n) {
      this.flushedRows = n;
      return this;
    }

    /**
     * Sets {@code flushes}.
     *
     * @param n successful flushes
     * @return this
     */
    public Builder flushes(long n) {
      this.flushes = n;
      return this;
    }

    /**
     * Sets {@code failedFlushes}.
     *
     * @param n failed flushes
     * @return this
     */
    public Builder failedFlushes(long n) {
      this.failedFlushes = n;
      return this;
    }

    /**
     * Sets {@code retries}.
     *
     * @param n retry attempts
     * @return this
     */
    public Builder retries(long n) {
      this.retries = n;
      return this;
    }

    /**
     * Adds {@code n} dropped items under {@code reason}.
     *
     * @param reason why they were dropped, e.g. {@code retries_exhausted}
     * @param n how many
     * @return this
     */
    public Builder dropped(String reason, long n) {
      Objects.requireNonNull(reason, "reason");
      if (n != 0) {
        dropped.merge(reason, n, Long::sum);
      }
      return this;
    }

    /**
     * Sets {@code consecutiveFailures}.
     *
     * @param n consecutive failed flushes
     * @return this
     */
    public Builder consecutiveFailures(int n) {
      this.consecutiveFailures = n;
      return this;
    }

    /**
     * Sets {@code lastSuccess}.
     *
     * @param at time of the last successful flush, or null
     * @return this
     */
    public Builder lastSuccess(@Nullable Instant at) {
      this.lastSuccess = at;
      return this;
    }

    /**
     * Sets {@code pending}.
     *
     * @param n items held in memory
     * @return this
     */
    public Builder pending(long n) {
      this.pending = n;
      return this;
    }

    /**
     * Sets {@code callbackFailures}.
     *
     * @param n user callback calls that threw (listeners, key, merge rule)
     * @return this
     */
    public Builder callbackFailures(long n) {
      this.callbackFailures = n;
      return this;
    }

    /**
     * Sets {@code truncated}.
     *
     * @param n free-text values truncated to their limit
     * @return this
     */
    public Builder truncated(long n) {
      this.truncated = n;
      return this;
    }

    /**
     * @return the immutable snapshot
     */
    public ComponentStats build() {
      return new ComponentStats(this);
    }
  }
}
