package io.tally.core.batch;

/** Whether a batcher (one shard or several) waits with nothing to do; for tests. */
final class Idle {
  private Idle() {}

  static boolean isIdle(Batcher<?> b) {
    return b instanceof ShardedBatcher<?> s ? s.isIdle() : ((DefaultBatcher<?>) b).isIdle();
  }
}
