package io.tally.examples.demo;

import io.tally.core.ComponentStats;
import io.tally.core.Tally;
import java.io.PrintStream;
import java.util.List;
import java.util.concurrent.atomic.LongAdder;

/**
 * The progress line, rewritten in place twice a second (unless {@code --quiet}), through {@link
 * Console} so log lines never tear it.
 */
final class Progress {
  private static final long EVERY_NANOS = 500_000_000L;

  private final PrintStream out;
  private final DemoOptions o;
  private final List<Tally> replicas;
  private final LongAdder sent;
  private final OutageSwitch outage;
  private long lastPrint = Long.MIN_VALUE;
  private long lastSent;
  private long lastElapsed;

  Progress(
      PrintStream out, DemoOptions o, List<Tally> replicas, LongAdder sent, OutageSwitch outage) {
    this.out = out;
    this.o = o;
    this.replicas = replicas;
    this.sent = sent;
    this.outage = outage;
  }

  void maybePrint(long elapsedNanos) {
    if (o.quiet || (lastPrint != Long.MIN_VALUE && elapsedNanos - lastPrint < EVERY_NANOS)) {
      return;
    }
    lastPrint = elapsedNanos;
    long pending = 0;
    long flushes = 0;
    long failures = 0;
    for (Tally t : replicas) {
      for (ComponentStats s : t.stats()) {
        pending += s.pending();
        flushes += s.flushes();
        failures += s.failedFlushes();
      }
    }
    long total = sent.sum();
    double window = (elapsedNanos - lastElapsed) / 1e9;
    long rate = window > 0 ? Math.round((total - lastSent) / window) : 0;
    lastSent = total;
    lastElapsed = elapsedNanos;
    Console.progress(
        out,
        String.format(
            "[%5.1fs / %5.1fs] %,9d events/s | pending %,8d | flushes %,6d | failed %,4d%s",
            elapsedNanos / 1e9,
            o.duration.toMillis() / 1e3,
            rate,
            pending,
            flushes,
            failures,
            outage.isDown() ? " | DATABASE DOWN" : ""));
  }

  void finish(long elapsedNanos) {
    if (!o.quiet) {
      lastPrint = Long.MIN_VALUE;
      maybePrint(elapsedNanos);
      Console.endProgress();
    }
  }
}
