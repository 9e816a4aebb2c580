package io.tally.core.internal;

import java.util.Objects;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/** Names threads {@code tally-<component>-<n>} and makes them daemons, so they never pin a JVM. */
public final class TallyThreadFactory implements ThreadFactory {
  private final String prefix;
  private final AtomicInteger counter = new AtomicInteger();

  /**
   * @param component the part of the name after {@code tally-}, e.g. {@code last-used}
   */
  public TallyThreadFactory(String component) {
    this.prefix = "tally-" + Objects.requireNonNull(component, "component") + "-";
  }

  @Override
  public Thread newThread(Runnable r) {
    Thread t = new Thread(r, prefix + counter.incrementAndGet());
    t.setDaemon(true);
    return t;
  }
}
