package io.tally.benchmarks;

import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/** Helpers for the peers' own background threads. */
final class Peers {
  private Peers() {}

  /**
   * Runs {@code flush} every {@link Keys#FLUSH_INTERVAL} on a daemon thread, as the Tally component
   * under comparison flushes on its own.
   *
   * @param name the thread's name
   * @param flush the flush
   * @return the executor, to shut down in the tear-down
   */
  static ScheduledExecutorService every(String name, Runnable flush) {
    ScheduledExecutorService s =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, name);
              t.setDaemon(true);
              return t;
            });
    long ms = Keys.FLUSH_INTERVAL.toMillis();
    s.scheduleWithFixedDelay(flush, ms, ms, TimeUnit.MILLISECONDS);
    return s;
  }
}
