package io.tally.core;

import java.time.Duration;
import java.util.Map;
import org.jspecify.annotations.NullMarked;

/**
 * The rules that tie several of Tally's keys together, checked by {@code
 * TallyConfig.Builder.build()} after each key's own rule: the retry backoffs in order, the memory
 * bound at least one batch, the connection-log parallelism within the pool. A key that already
 * broke its own rule is not checked again.
 */
@NullMarked
final class CrossKeyRules {
  private CrossKeyRules() {}

  /**
   * Adds the problem of each broken rule to {@code problems}, by key.
   *
   * @param values the values set, by key
   * @param problems the problems found so far, by key name
   */
  static void check(Map<ConfigKey<?>, Object> values, Map<String, String> problems) {
    Duration initial =
        (Duration)
            values.getOrDefault(
                TallyConfig.RETRY_INITIAL_BACKOFF, TallyConfig.DEFAULT_RETRY_INITIAL_BACKOFF);
    Duration max =
        (Duration)
            values.getOrDefault(
                TallyConfig.RETRY_MAX_BACKOFF, TallyConfig.DEFAULT_RETRY_MAX_BACKOFF);
    if (!problems.containsKey(TallyConfig.RETRY_MAX_BACKOFF.name())
        && !problems.containsKey(TallyConfig.RETRY_INITIAL_BACKOFF.name())
        && max.compareTo(initial) < 0) {
      problems.put(
          TallyConfig.RETRY_MAX_BACKOFF.name(),
          TallyConfig.RETRY_MAX_BACKOFF.name()
              + " was '"
              + ConfigValues.formatDuration(max)
              + "' but must be >= "
              + TallyConfig.RETRY_INITIAL_BACKOFF.name()
              + " ('"
              + ConfigValues.formatDuration(initial)
              + "')");
    }
    Integer maxPending = (Integer) values.get(TallyConfig.BATCH_MAX_PENDING);
    int size =
        (Integer) values.getOrDefault(TallyConfig.BATCH_SIZE, TallyConfig.DEFAULT_BATCH_SIZE);
    if (maxPending != null
        && !problems.containsKey(TallyConfig.BATCH_MAX_PENDING.name())
        && maxPending < size) {
      problems.put(
          TallyConfig.BATCH_MAX_PENDING.name(),
          TallyConfig.BATCH_MAX_PENDING.name()
              + " was '"
              + maxPending
              + "' but must be >= tally.batch.size ('"
              + size
              + "')");
    }
    Integer parallelism = (Integer) values.get(TallyConfig.BATCH_PARALLELISM);
    int pool = (Integer) values.getOrDefault(TallyConfig.POOL_SIZE, TallyConfig.DEFAULT_POOL_SIZE);
    if (parallelism != null
        && !problems.containsKey(TallyConfig.BATCH_PARALLELISM.name())
        && parallelism > TallyConfig.maxParallelism(pool)) {
      problems.put(
          TallyConfig.BATCH_PARALLELISM.name(),
          TallyConfig.BATCH_PARALLELISM.name()
              + " was '"
              + parallelism
              + "' but must be <= tally.jdbc.pool-size - "
              + TallyConfig.POOL_CONNECTIONS_KEPT
              + " ('"
              + TallyConfig.maxParallelism(pool)
              + "'), so the other components keep a connection");
    }
  }
}
