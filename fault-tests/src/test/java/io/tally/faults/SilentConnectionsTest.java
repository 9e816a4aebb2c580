package io.tally.faults;

import io.tally.testkit.PostgresDatabase;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Open connections go silent: nothing more is forwarded either way and nothing is closed, as when a
 * server hangs or a network path drops packets; new connections work. Every open connection is
 * silenced again every 2 s for {@link #SILENT_FOR}, so connections opened meanwhile hang too. The
 * silent connections are never released: the replicas must give up on them themselves (their server
 * backends keep their transactions and locks until the proxy closes at the end).
 */
class SilentConnectionsTest {
  static final Duration SILENT_FOR = Duration.ofSeconds(6);

  @RegisterExtension static final PostgresDatabase pg = PostgresDatabase.create();

  @Test
  void nothingIsLostWhenConnectionsStopAnswering() throws Exception {
    Scenario.run(
            Fleet.on(pg),
            fleet -> {
              for (long round = 0; round < SILENT_FOR.toSeconds() / 2; round++) {
                fleet.proxy.silenceConnections();
                Fleet.runFor(Duration.ofSeconds(2));
              }
            })
        .assertExact();
  }
}
