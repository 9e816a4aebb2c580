package io.tally.core.internal;

import io.tally.core.Clock;
import java.time.Duration;
import java.util.Objects;
import org.slf4j.Logger;

/**
 * Runs a task on a {@link Clock} again and again, each time one interval after the previous run
 * ended (re-armed, never overlapping itself). A task that throws is logged and the timer goes on.
 * After {@link #stop()} no new run is scheduled. Thread-safe.
 */
public final class RepeatingTimer {
  private final Clock clock;
  private final Duration interval;
  private final Runnable task;
  private final String component;
  private final Logger log;
  private Clock.Cancellable next; // guarded by this
  private boolean stopped; // guarded by this

  /**
   * @param clock schedules the runs
   * @param interval from the end of one run to the start of the next
   * @param task the run
   * @param component the component's name, for the log
   * @param log where a throwing task is logged
   */
  public RepeatingTimer(
      Clock clock, Duration interval, Runnable task, String component, Logger log) {
    this.clock = Objects.requireNonNull(clock, "clock");
    this.interval = Objects.requireNonNull(interval, "interval");
    this.task = Objects.requireNonNull(task, "task");
    this.component = Objects.requireNonNull(component, "component");
    this.log = Objects.requireNonNull(log, "log");
  }

  /** Schedules the first run, one interval from now. */
  public void start() {
    arm();
  }

  private synchronized void arm() {
    if (!stopped) {
      next = clock.schedule(interval, this::fire);
    }
  }

  private void fire() {
    try {
      if (!isStopped()) {
        task.run();
      }
    } catch (RuntimeException | Error e) {
      Fatal.rethrowIfFatal(e);
      log.error("{}: the timer's run failed unexpectedly; the timer goes on", component, e);
    } finally {
      arm();
    }
  }

  /**
   * @return whether {@link #stop()} was called
   */
  public synchronized boolean isStopped() {
    return stopped;
  }

  /** Cancels the next run; a run in progress finishes, and none follows. Idempotent. */
  public synchronized void stop() {
    stopped = true;
    if (next != null) {
      next.cancel();
    }
  }
}
