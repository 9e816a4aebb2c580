package io.tally.examples.quickstart;

import io.tally.core.Clock;
import io.tally.core.FlushResult;
import io.tally.core.backend.Backend;
import io.tally.core.backend.FanOut;
import io.tally.core.batch.Batcher;
import io.tally.core.connectionlog.ConnectionEvent;
import io.tally.core.connectionlog.ConnectionEvents;
import io.tally.core.lastused.LastUsedTracker;
import io.tally.core.lastused.TimestampMode;
import io.tally.core.usagestats.UsageStatsReporter;
import io.tally.core.usagestats.UsageStatsTracker;
import io.tally.core.usagestats.UsageSummary;
import io.tally.store.h2.H2ConnectionLogStore;
import io.tally.store.h2.H2LastUsedStore;
import io.tally.store.h2.H2Schema;
import io.tally.store.h2.H2UsageStatsStore;
import java.time.Duration;
import java.util.Optional;
import java.util.UUID;
import javax.sql.DataSource;

/**
 * Wiring every component by hand, without Guice: the README's plain-Java quickstart. The code
 * between the {@code tag::} markers is copied into the README, and a test keeps the two equal.
 */
public final class PlainJavaQuickstart {
  private PlainJavaQuickstart() {}

  /**
   * Records some activity into {@code dataSource} and flushes it.
   *
   * @param dataSource an H2 database
   * @param clock the clock for every component
   * @return the usage summary of the current period, if this call claimed it
   */
  public static Optional<UsageSummary> run(DataSource dataSource, Clock clock) {
    UUID workspaceId = UUID.randomUUID();
    UUID userId = UUID.randomUUID();
    UUID replicaId = UUID.randomUUID();
    // tag::plain-java[]
    H2Schema.defaults().migrate(dataSource); // creates Tally's tables; safe to run again

    // Component 1: who used what, de-bounced: one UPDATE per minute for all ids.
    LastUsedTracker<UUID> lastUsed =
        LastUsedTracker.builder(H2LastUsedStore.builder(dataSource, UUID.class).build())
            .flushInterval(Duration.ofSeconds(60))
            .timestampMode(TimestampMode.EVENT_TIME)
            .clock(clock)
            .build();
    lastUsed.markUsed(workspaceId);

    // Component 2: per-replica usage counters, summarised exactly across replicas.
    H2UsageStatsStore usageStore = new H2UsageStatsStore(dataSource);
    UsageStatsTracker usage = UsageStatsTracker.builder(usageStore, replicaId).clock(clock).build();
    usage.track(workspaceId, userId, 10, 1);

    // Component 3: connection sessions, coalesced and written in batches.
    Batcher<ConnectionEvent> batcher =
        Batcher.builder(new H2ConnectionLogStore(dataSource))
            .coalescing(ConnectionEvents.coalescing())
            .clock(clock)
            .build();
    Backend<ConnectionEvent> connectionLog = FanOut.of(batcher);
    connectionLog.write(
        ConnectionEvent.builder()
            .id(UUID.randomUUID())
            .organizationId(UUID.randomUUID())
            .workspaceOwnerId(userId)
            .workspaceId(workspaceId)
            .workspaceName("dev")
            .agentName("main")
            .type(io.tally.core.connectionlog.ConnectionType.SSH)
            .ip("127.0.0.1")
            .userId(userId)
            .connectionId(UUID.randomUUID())
            .connect(clock.now()));

    FlushResult written = lastUsed.flush(); // or wait for the timer
    usage.flush();
    UsageStatsReporter reporter =
        UsageStatsReporter.builder(usageStore).period(Duration.ofMinutes(30)).clock(clock).build();
    Optional<UsageSummary> summary = reporter.collectAndReset(); // empty if another replica did

    // Close in reverse order: each close flushes what is left, within its shutdown timeout.
    connectionLog.close();
    usage.close();
    lastUsed.close();
    // end::plain-java[]
    if (!written.isSuccess()) {
      throw new IllegalStateException("flush failed: " + written);
    }
    return summary;
  }
}
