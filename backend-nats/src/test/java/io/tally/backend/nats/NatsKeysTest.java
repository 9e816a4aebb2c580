package io.tally.backend.nats;

import static org.assertj.core.api.Assertions.assertThat;

import io.tally.core.TallyConfig;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The provider's declared keys, read with core's parsing (no server needed). */
class NatsKeysTest {
  @Test
  void everyProblemWithTheNatsKeysAtOnce() {
    TallyConfig config =
        TallyConfig.from(
            Map.of(
                "tally.backend.nats.relay.enabeld", "true",
                "tally.backend.nats.max-bytes", "0",
                "tally.backend.nats.write-timeout", "366d",
                "tally.backend.nats.relay.ack-wait", "PT-1S"));

    assertThat(config.keyProblems(NatsBackendProvider.PREFIX, new NatsBackendProvider().keys()))
        .containsExactly(
            "tally.backend.nats.max-bytes was '0' but must be positive or -1 (none)",
            "tally.backend.nats.write-timeout was '366d' but must be at most 365d",
            "tally.backend.nats.relay.ack-wait was 'PT-1S' but must be positive",
            "tally.backend.nats.relay.enabeld is not a known key"
                + " (did you mean tally.backend.nats.relay.enabled?)");
  }

  @Test
  void durationsUseCoresSyntax() {
    TallyConfig config =
        TallyConfig.from(
            Map.of(
                "tally.backend.nats.relay.flush-interval", "1500ms",
                "tally.backend.nats.duplicate-window", "PT2M30S"));

    assertThat(config.get(NatsKeys.RELAY_FLUSH_INTERVAL)).isEqualTo(Duration.ofMillis(1500));
    assertThat(config.get(NatsKeys.DUPLICATE_WINDOW)).isEqualTo(Duration.ofSeconds(150));
    assertThat(config.get(NatsKeys.WRITE_TIMEOUT)).isEqualTo(NatsBackend.DEFAULT_WRITE_TIMEOUT);
    assertThat(config.keyProblems(NatsBackendProvider.PREFIX, NatsKeys.ALL)).isEmpty();
  }
}
