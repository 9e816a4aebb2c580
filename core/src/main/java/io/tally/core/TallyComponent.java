package io.tally.core;

/**
 * A running Tally component: a tracker, reporter or batcher that the {@link Tally} facade can
 * observe and close. Extra trackers contributed through {@code io.tally.core.spi.TrackerProvider}
 * implement it too.
 */
public interface TallyComponent extends AutoCloseable {

  /**
   * @return a short stable name, e.g. {@code "last-used"}, used in stats and logs
   */
  String name();

  /**
   * @return an immutable snapshot of this component's counters
   */
  ComponentStats stats();

  /**
   * @return the health derived from recent flush outcomes
   */
  Health health();

  /**
   * Stops the component, flushing what it holds within its shutdown timeout. Idempotent. Never
   * throws for a flush failure: what could not be written is reported in {@link #stats()}.
   */
  @Override
  void close();
}
