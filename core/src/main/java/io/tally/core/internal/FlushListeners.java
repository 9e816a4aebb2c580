package io.tally.core.internal;

import io.tally.core.FlushListener;
import io.tally.core.FlushResult;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Calls a fixed list of {@link FlushListener}s, guarding each: a listener that throws (an exception
 * or an {@link Error} such as an {@link AssertionError}; only a {@link VirtualMachineError} passes
 * through) is counted and logged (the first failure and then every 1000th, so a broken listener
 * cannot flood the log), and the others still run.
 */
public final class FlushListeners {
  private static final Logger log = LoggerFactory.getLogger(FlushListeners.class);

  private final String component;
  private final List<FlushListener> listeners;
  private final AtomicLong failures = new AtomicLong();

  /**
   * @param component the component's name, passed to every listener
   * @param listeners the listeners, copied
   */
  public FlushListeners(String component, List<FlushListener> listeners) {
    this.component = Objects.requireNonNull(component, "component");
    this.listeners = List.copyOf(listeners);
  }

  /**
   * @param result the flush to report to every listener
   */
  public void fire(FlushResult result) {
    for (FlushListener listener : listeners) {
      try {
        listener.onFlush(component, result);
      } catch (RuntimeException | Error e) {
        Fatal.rethrowIfFatal(e);
        long n = failures.incrementAndGet();
        if (n == 1 || n % 1000 == 0) {
          log.warn("{}: flush listener {} threw ({} failures so far)", component, listener, n, e);
        }
      }
    }
  }

  /**
   * @return how many listener calls threw
   */
  public long failures() {
    return failures.get();
  }
}
