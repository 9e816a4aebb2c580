package io.tally.examples.quickstart;

import com.google.inject.AbstractModule;
import com.google.inject.Module;
import com.google.inject.TypeLiteral;
import com.google.inject.multibindings.Multibinder;
import io.tally.core.Clock;
import io.tally.core.Health;
import io.tally.core.Tally;
import io.tally.core.TallyConfig;
import io.tally.core.backend.Backend;
import io.tally.core.connectionlog.ConnectionEvent;
import io.tally.core.connectionlog.ConnectionType;
import java.util.Map;
import java.util.UUID;

/**
 * Starting Tally from configuration, with Guice doing the wiring: the README's Guice quickstart.
 * The code between the {@code tag::} markers is copied into the README, and a test keeps the two
 * equal.
 */
public final class GuiceQuickstart {
  private GuiceQuickstart() {}

  /**
   * Starts Tally on the given database, records some activity, and closes it.
   *
   * @param jdbcUrl an H2 JDBC URL
   * @param extraBackend a backend of the caller's that should see every connection event too
   * @return the health Tally reported before it closed
   */
  public static Health run(String jdbcUrl, Backend<ConnectionEvent> extraBackend) {
    UUID workspaceId = UUID.randomUUID();
    UUID userId = UUID.randomUUID();
    // tag::guice[]
    // Usually TallyConfig.fromEnvironment(): defaults < -Dtally.* < TALLY_* variables.
    TallyConfig config =
        TallyConfig.from(
            Map.of(
                "tally.store", "h2",
                "tally.jdbc.url", jdbcUrl,
                "tally.backends", "db,slog",
                "tally.flush-interval", "30s"));

    // A module of your own may add backends to the connection log's Multibinder.
    Module mine =
        new AbstractModule() {
          @Override
          protected void configure() {
            Multibinder.newSetBinder(binder(), new TypeLiteral<Backend<ConnectionEvent>>() {})
                .addBinding()
                .toInstance(extraBackend);
          }
        };

    Health health;
    try (Tally tally = Tally.start(config, mine)) { // opens stores, migrates, starts timers
      tally.lastUsed().markUsed(workspaceId);
      tally.usageStats().track(workspaceId, userId, 3, 0);
      tally
          .connectionLog()
          .write( // db (batched), slog and yours
              ConnectionEvent.builder()
                  .id(UUID.randomUUID())
                  .organizationId(UUID.randomUUID())
                  .workspaceOwnerId(userId)
                  .workspaceId(workspaceId)
                  .workspaceName("dev")
                  .agentName("main")
                  .type(ConnectionType.VSCODE)
                  .ip("192.0.2.10")
                  .userId(userId)
                  .connectionId(UUID.randomUUID())
                  .connect(Clock.system().now()));
      health = tally.health(); // the worst of all components; tally.stats() has the counters
    } // close(): stops in reverse order, each component flushing what it holds
    // end::guice[]
    return health;
  }
}
