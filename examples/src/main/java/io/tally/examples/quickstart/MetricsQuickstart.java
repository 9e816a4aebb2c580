package io.tally.examples.quickstart;

import io.micrometer.core.instrument.MeterRegistry;
import io.tally.core.Tally;
import io.tally.core.TallyConfig;
import io.tally.core.TallyModule;
import io.tally.micrometer.TallyMetrics;
import java.util.UUID;

/**
 * Tally's counters, health and flush durations in Micrometer: the README's metrics snippet. The
 * code between the {@code tag::} markers is copied into the README, and a test keeps the two equal.
 */
public final class MetricsQuickstart {
  private MetricsQuickstart() {}

  /**
   * Starts Tally with its metrics bound to {@code registry}, records one use and flushes it.
   *
   * @param config the configuration
   * @param registry the registry to bind the meters to
   * @return the replica id, the value of every meter's {@code replica} tag
   */
  public static String run(TallyConfig config, MeterRegistry registry) {
    // tag::metrics[]
    TallyMetrics metrics = TallyMetrics.create(); // also a FlushListener: it times every flush
    try (Tally tally = Tally.start(config, TallyModule.flushListener(metrics))) {
      metrics.monitor(tally).bindTo(registry); // tally.<component>.<metric>{replica=<replica id>}

      tally.lastUsed().markUsed(UUID.randomUUID());
      tally.lastUsed().flush(); // tally.last-used.flush{outcome=success} counts it
      // end::metrics[]
      return tally.config().replicaId().toString();
    }
  }
}
