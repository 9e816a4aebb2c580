package io.tally.core;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The operating-system clock. One daemon thread keeps the schedule; due tasks are handed to a
 * cached pool of daemon threads, so a task that waits on a database never delays another
 * component's timer.
 */
final class SystemClock implements Clock {
  static final SystemClock INSTANCE = new SystemClock();

  private static final Logger log = LoggerFactory.getLogger(SystemClock.class);

  private final ScheduledThreadPoolExecutor scheduler;
  private final ExecutorService runners;

  private SystemClock() {
    scheduler = new ScheduledThreadPoolExecutor(1, daemonThreads("clock"));
    scheduler.setRemoveOnCancelPolicy(true);
    runners = Executors.newCachedThreadPool(daemonThreads("timer"));
  }

  /**
   * Daemon threads named {@code tally-<component>-<n>}, as {@code internal.TallyThreadFactory}
   * makes them; written out here because {@code io.tally.core.internal} uses {@link Clock}, and the
   * root package must not use it back (ArchitectureTest: no package cycles).
   */
  private static ThreadFactory daemonThreads(String component) {
    String prefix = "tally-" + component + "-";
    AtomicInteger counter = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, prefix + counter.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }

  @Override
  public Instant now() {
    return Instant.now();
  }

  @Override
  public long nanoTime() {
    return System.nanoTime();
  }

  @Override
  public Cancellable schedule(Duration delay, Runnable task) {
    Objects.requireNonNull(delay, "delay");
    Objects.requireNonNull(task, "task");
    if (delay.isNegative()) {
      throw new IllegalArgumentException("delay was " + delay + " but must not be negative");
    }
    ScheduledFuture<?> future =
        scheduler.schedule(
            () -> runners.execute(() -> runGuarded(task)), delay.toNanos(), TimeUnit.NANOSECONDS);
    return () -> future.cancel(false);
  }

  private static void runGuarded(Runnable task) {
    try {
      task.run();
    } catch (RuntimeException | Error e) {
      log.error("A scheduled Tally task failed; the timer goes on", e);
    }
  }

  @Override
  public String toString() {
    return "Clock.system()";
  }
}
