package io.tally.core.connectionlog.db;

import io.tally.core.FlushListener;
import io.tally.core.TallyConfig;
import io.tally.core.backend.Backend;
import io.tally.core.batch.Batcher;
import io.tally.core.batch.RetryPolicy;
import io.tally.core.connectionlog.ConnectionEvent;
import io.tally.core.connectionlog.ConnectionEvents;
import io.tally.core.spi.BackendProvider;
import io.tally.core.spi.ProviderContext;

/**
 * The {@code db} backend: a {@link Batcher} over the configured store's connection-log store,
 * coalescing by connection ({@link ConnectionEvents#coalescing()}), with the {@code tally.batch.*}
 * settings; it writes on {@code tally.batch.parallelism} connections at once, one session's events
 * always on the same one. Its component name is {@value #COMPONENT}; its {@code
 * stats().truncated()} counts the free-text fields truncated in the events it accepted ({@link
 * ConnectionEvent#truncatedFields()}).
 */
public final class DbBackendProvider implements BackendProvider {
  /** The provider's name: {@value}. */
  public static final String NAME = "db";

  /** The batcher's component name in stats and logs: {@value}. */
  public static final String COMPONENT = "connection-log";

  /** Retry backoff growth per attempt. */
  private static final double BACKOFF_MULTIPLIER = 2.0;

  /** Creates the provider; does nothing else. */
  public DbBackendProvider() {}

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public Backend<ConnectionEvent> create(ProviderContext context) {
    TallyConfig c = context.config();
    Batcher.Builder<ConnectionEvent> batcher = Batcher.builder(context.stores().connectionLog());
    for (FlushListener listener : context.flushListeners()) {
      batcher.flushListener(listener);
    }
    return batcher
        .maxBatchSize(c.batchSize())
        .flushInterval(c.batchFlushInterval())
        .queueCapacity(c.batchQueueCapacity())
        .maxPendingItems(c.batchMaxPending())
        .parallelism(c.batchParallelism())
        .coalescing(ConnectionEvents.coalescing())
        .truncations(ConnectionEvent::truncatedFields)
        .retryPolicy(
            RetryPolicy.exponential(
                c.retryInitialBackoff(),
                c.retryMaxBackoff(),
                BACKOFF_MULTIPLIER,
                c.retryMaxAttempts()))
        .writeTimeout(c.batchWriteTimeout())
        .flushTimeout(c.batchFlushTimeout())
        .shutdownTimeout(c.batchShutdownTimeout())
        .healthPolicy(c.healthPolicy())
        .clock(context.clock())
        .name(COMPONENT)
        .build();
  }

  @Override
  public String toString() {
    return "DbBackendProvider{name=" + NAME + '}';
  }
}
