package io.tally.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** Every size and count key has an upper bound, and provider names are matched as a whole. */
class TallyConfigBoundsTest {

  @Test
  void storeNameMustMatchThePatternAsAWhole() {
    for (String bad : new String[] {"h2;x", "ünï", "h2 x", "-h2", "H2", "x".repeat(41)}) {
      assertThatThrownBy(() -> TallyConfig.from(Map.of("tally.store", bad)))
          .as("tally.store=%s", bad)
          .isInstanceOf(ConfigException.class)
          .hasMessageContaining("tally.store was '" + bad + "' but must be a provider name");
    }
    assertThat(TallyConfig.from(Map.of("tally.store", "my-store_2")).store())
        .isEqualTo("my-store_2");
    assertThatThrownBy(() -> TallyConfig.from(Map.of("tally.backends", "db,slog;x")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("tally.backends was 'db,slog;x'");
    assertThatThrownBy(() -> TallyConfig.from(Map.of("tally.trackers", "ünï")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("tally.trackers was 'ünï'");
  }

  @Test
  void aHugeQueueCapacityIsAConfigErrorNotAnOutOfMemoryError() {
    assertThatThrownBy(() -> TallyConfig.from(Map.of("tally.batch.queue-capacity", "2147483647")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining(
            "tally.batch.queue-capacity was '2147483647' but must be at most 1000000");
  }

  @Test
  void everyCountKeyHasAnUpperBoundThatTheMessageNames() {
    Map<String, Integer> bounds =
        Map.of(
            "tally.jdbc.pool-size", TallyConfig.MAX_POOL_SIZE,
            "tally.batch.size", TallyConfig.MAX_BATCH_SIZE,
            "tally.batch.queue-capacity", TallyConfig.MAX_QUEUE_CAPACITY,
            "tally.batch.retry.max-attempts", TallyConfig.MAX_RETRY_ATTEMPTS,
            "tally.health.degraded-after-failures", TallyConfig.MAX_DEGRADED_AFTER_FAILURES);
    bounds.forEach(
        (key, max) -> {
          assertThat(TallyConfig.from(Map.of(key, String.valueOf(max)))).as(key).isNotNull();
          assertThatThrownBy(() -> TallyConfig.from(Map.of(key, String.valueOf(max + 1))))
              .as(key)
              .isInstanceOf(ConfigException.class)
              .hasMessageContaining(key + " was '" + (max + 1) + "' but must be at most " + max);
          assertThatThrownBy(() -> TallyConfig.from(Map.of(key, "99999999999")))
              .as(key)
              .isInstanceOf(ConfigException.class)
              .hasMessageContaining(key + " was '99999999999' but must be an integer");
        });
  }

  @Test
  void theTablePrefixLimitIsTheStoresOne() {
    // issue 11: the limit was 40 here and 32 in the stores, so a 35-character prefix passed the
    // configuration and then failed when the store was opened
    String longest = "x".repeat(TallyConfig.MAX_TABLE_PREFIX_LENGTH);
    assertThat(TallyConfig.MAX_TABLE_PREFIX_LENGTH).isEqualTo(32);
    assertThat(TallyConfig.from(Map.of("tally.table-prefix", longest)).tablePrefix())
        .isEqualTo(longest);
    assertThatThrownBy(() -> TallyConfig.from(Map.of("tally.table-prefix", "x".repeat(35))))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("tally.table-prefix was '" + "x".repeat(35) + "'");
  }

  @Test
  void durationsAreBoundedToo() {
    assertThatThrownBy(() -> TallyConfig.from(Map.of("tally.batch.write-timeout", "366d")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("tally.batch.write-timeout was '366d' but must be at most 365d");
  }
}
