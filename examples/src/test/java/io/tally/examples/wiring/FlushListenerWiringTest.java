package io.tally.examples.wiring;

import static org.assertj.core.api.Assertions.assertThat;

import io.tally.core.FlushListener;
import io.tally.core.FlushResult;
import io.tally.core.Tally;
import io.tally.core.TallyConfig;
import io.tally.core.TallyModule;
import io.tally.core.connectionlog.ConnectionEvent;
import io.tally.core.connectionlog.ConnectionType;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * A {@link FlushListener} added through {@code TallyModule}'s {@code Multibinder<FlushListener>}
 * sees the flushes of every component that flushes: the last-used and usage-stats trackers and the
 * {@code db} backend's batcher.
 */
class FlushListenerWiringTest {

  @Test
  void aListenerBoundInTheMultibinderSeesEveryComponentFlush() {
    List<String> seen = new ArrayList<>();
    FlushListener listener =
        (component, result) -> {
          if (result.outcome() == FlushResult.Outcome.SUCCESS) {
            synchronized (seen) {
              seen.add(component + ":" + result.rows());
            }
          }
        };
    TallyConfig config =
        TallyConfig.from(
            Map.of(
                "tally.jdbc.url",
                "jdbc:h2:mem:listeners-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1",
                "tally.backends",
                "db"));
    UUID workspace = UUID.randomUUID();
    UUID user = UUID.randomUUID();

    try (Tally tally = Tally.start(config, TallyModule.flushListener(listener))) {
      tally.lastUsed().markUsed(workspace);
      tally.lastUsed().flush();
      tally.usageStats().track(workspace, user, 1, 0);
      tally.usageStats().flush();
      tally
          .connectionLog()
          .write(
              ConnectionEvent.builder()
                  .id(UUID.randomUUID())
                  .organizationId(UUID.randomUUID())
                  .workspaceOwnerId(user)
                  .workspaceId(workspace)
                  .workspaceName("dev")
                  .agentName("main")
                  .type(ConnectionType.SSH)
                  .ip("192.0.2.1")
                  .userId(user)
                  .connectionId(UUID.randomUUID())
                  .connect(Instant.parse("2026-01-01T00:00:00Z")));
    } // close() drains the batcher: its flush is seen too

    synchronized (seen) {
      assertThat(seen)
          .containsExactlyInAnyOrder("last-used:1", "usage-stats:1", "connection-log:1");
    }
  }
}
