package io.tally.core;

/** The health of a component, from its recent flush outcomes. */
public enum Health {
  /** Flushes succeed, or failures have not yet repeated. */
  HEALTHY,
  /** Several consecutive flushes failed; data is kept in memory and retried. */
  DEGRADED,
  /** Nothing succeeded for longer than the configured failing period. */
  FAILING;

  /**
   * Returns the worse of this health and {@code other}.
   *
   * @param other another health, not null
   * @return the more severe of the two
   */
  public Health worst(Health other) {
    return other.ordinal() > ordinal() ? other : this;
  }
}
