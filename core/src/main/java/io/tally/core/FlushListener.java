package io.tally.core;

/**
 * Sees every flush of a component: its size, duration and outcome.
 *
 * <p>Called on the thread that flushed, after the flush. Keep it quick. A listener that throws is
 * logged and counted; it never stops the component or the other listeners.
 */
@FunctionalInterface
public interface FlushListener {
  /**
   * Called after each flush.
   *
   * @param component the component's name, e.g. {@code "last-used"}
   * @param result what the flush did
   */
  void onFlush(String component, FlushResult result);
}
