package io.tally.core.batch;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Real-time (nanos) deadlines of a batcher's close(): the whole call, and the worker's part of it.
 */
record CloseDeadlines(long worker, long close) {
  static CloseDeadlines from(long now, Duration shutdownTimeout) {
    long total = StoreCalls.saturatedNanos(shutdownTimeout);
    // keep a little time to interrupt a stuck store call and let the worker book the rest
    return new CloseDeadlines(
        now + total - Math.min(TimeUnit.MILLISECONDS.toNanos(100), total / 10), now + total);
  }
}
