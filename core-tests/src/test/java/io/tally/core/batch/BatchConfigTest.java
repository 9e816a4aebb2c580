package io.tally.core.batch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tally.core.ConfigException;
import io.tally.core.TallyConfig;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The batcher's memory bound and retry limits as configuration keys. */
class BatchConfigTest {
  @Test
  void maxPendingDefaultsToTenBatchesAndRetriesAreUnlimited() {
    TallyConfig c = TallyConfig.from(Map.of("tally.batch.size", "200"));
    assertThat(c.batchMaxPending()).isEqualTo(2_000);
    assertThat(c.retryMaxAttempts()).isEqualTo(RetryPolicy.UNLIMITED);
    assertThat(TallyConfig.from(Map.of("tally.batch.max-pending", "50000")).batchMaxPending())
        .isEqualTo(50_000);
  }

  @Test
  void maxPendingHasBoundsTheConfigExceptionNames() {
    assertThatThrownBy(() -> TallyConfig.from(Map.of("tally.batch.max-pending", "2147483647")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining(
            "tally.batch.max-pending was '2147483647' but must be at most 10000000");
    assertThatThrownBy(
            () ->
                TallyConfig.from(
                    Map.of("tally.batch.max-pending", "10", "tally.batch.size", "100")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining(
            "tally.batch.max-pending was '10' but must be >= tally.batch.size ('100')");
    assertThatThrownBy(() -> Batcher.builder(b -> {}).maxPendingItems(10_000_001))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("maxPendingItems was 10000001 but must be <= 10000000");
  }
}
