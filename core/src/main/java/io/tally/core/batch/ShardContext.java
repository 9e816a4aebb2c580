package io.tally.core.batch;

import io.tally.core.internal.FailureTracker;
import io.tally.core.internal.FlushListeners;
import io.tally.core.internal.TallyThreadFactory;
import org.slf4j.Logger;

/**
 * What one {@link DefaultBatcher} gets from the batcher it is a shard of: its index, the parts the
 * shards share (memory bound, failure tracker, flush listeners, thread names) and its own queue
 * capacity. A batcher with one shard has a context of its own ({@link #alone}).
 *
 * @param index the shard's number, from 0
 * @param bound the memory bound of the whole batcher
 * @param failures the health of the whole batcher
 * @param listeners the flush listeners (each call of any shard is reported)
 * @param workers names worker threads {@code tally-<name>-<n>}
 * @param io names I/O threads {@code tally-<name>-io-<n>}
 * @param queueCapacity this shard's intake queue capacity
 */
record ShardContext(
    int index,
    PendingBound bound,
    FailureTracker failures,
    FlushListeners listeners,
    TallyThreadFactory workers,
    TallyThreadFactory io,
    int queueCapacity) {

  /** The context of a batcher's only shard. */
  static ShardContext alone(Batcher.Builder<?> b, Logger log) {
    return shared(b, log, 1).forShard(0, b.effectiveQueueCapacity());
  }

  /**
   * The parts {@code shards} shards of the batcher {@code b} builds share; index and capacity 0.
   */
  static ShardContext shared(Batcher.Builder<?> b, Logger log, int shards) {
    return new ShardContext(
        0,
        new PendingBound(b.effectiveMaxPendingItems(), shards),
        new FailureTracker(b.name, log, b.clock, b.healthPolicy),
        new FlushListeners(b.name, b.listeners),
        new TallyThreadFactory(b.name),
        new TallyThreadFactory(b.name + "-io"),
        0);
  }

  /** The same shared parts, for shard {@code i} with its own queue capacity. */
  ShardContext forShard(int i, int capacity) {
    return new ShardContext(i, bound, failures, listeners, workers, io, capacity);
  }

  /** Listener failures are counted once for the whole batcher: in shard 0's stats. */
  long listenerFailures() {
    return index == 0 ? listeners.failures() : 0;
  }
}
