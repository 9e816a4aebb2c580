package io.tally.benchmarks;

import java.time.Duration;
import java.time.Instant;
import java.util.Random;
import java.util.UUID;

/**
 * Pre-generated, deterministic key sets shared by the hot-path benchmarks, so that no benchmark
 * allocates or hashes a fresh key inside the measured call.
 */
final class Keys {
  /** Distinct workspace ids a tracker sees between two flushes: {@value}. */
  static final int WORKSPACES = 10_000;

  /** Distinct users behind those workspaces: {@value}. */
  static final int USERS = 1_000;

  /**
   * How often every component and peer flushes (1 s): short enough that several flushes fall in
   * every 2-second measurement iteration, so the steady state includes draining and refilling.
   */
  static final Duration FLUSH_INTERVAL = Duration.ofSeconds(1);

  /** The time every benchmark thread starts from (a fixed instant, not the wall clock). */
  static final Instant START = Instant.parse("2026-01-01T00:00:00Z");

  /** Calls between two ticks of a benchmark thread's own time (each tick adds 1 ms): {@value}. */
  static final int CALLS_PER_TICK = 1024;

  private Keys() {}

  /**
   * Returns {@code n} distinct random ids in random order, the same on every run.
   *
   * @param n how many
   * @param seed the random seed
   * @return the ids
   */
  static UUID[] uuids(int n, long seed) {
    Random random = new Random(seed);
    UUID[] ids = new UUID[n];
    for (int i = 0; i < n; i++) {
      // version-4-shaped ids; uniqueness is what matters, and 128 random bits give it
      ids[i] = new UUID(random.nextLong(), random.nextLong());
    }
    return ids;
  }
}
