package io.tally.backend.nats;

import io.tally.core.TallyConfig;
import io.tally.core.backend.Backend;
import io.tally.core.connectionlog.ConnectionEvent;
import io.tally.core.spi.BackendProvider;
import io.tally.core.spi.ProviderContext;
import java.time.Duration;

/**
 * The {@code nats} backend provider: a {@link NatsBackend} configured by the {@code
 * tally.backend.nats.*} keys (see the package comment for the table) and, when {@code
 * tally.backend.nats.relay.enabled} is true, a {@link NatsRelay} into the configured store's
 * connection log, started with the backend and closed by it (so {@code Tally.close()} stops both).
 * Discovered through {@code META-INF/services}.
 */
public final class NatsBackendProvider implements BackendProvider {
  /** The provider's name: {@value}. */
  public static final String NAME = "nats";

  /** The prefix of this provider's keys: {@value}. */
  public static final String PREFIX = "tally.backend.nats.";

  /** Default server URL: {@value}. */
  public static final String DEFAULT_URL = "nats://127.0.0.1:4222";

  /** Creates the provider; does nothing else. */
  public NatsBackendProvider() {}

  @Override
  public String name() {
    return NAME;
  }

  /**
   * Connects, creates or checks the stream, and starts the relay if enabled.
   *
   * @throws io.tally.core.ConfigException listing every bad {@code tally.backend.nats.*} value
   * @throws IllegalStateException if the server cannot be reached, or the stream or consumer
   *     differs from the settings
   */
  @Override
  public Backend<ConnectionEvent> create(ProviderContext context) {
    TallyConfig c = context.config();
    Settings s = new Settings(c);
    String url = s.string(PREFIX + "url", DEFAULT_URL);
    NatsStream stream = stream(s, c.tablePrefix());
    NatsBackend.Builder publisher =
        NatsBackend.builder()
            .url(url)
            .stream(stream)
            .clock(context.clock())
            .healthPolicy(c.healthPolicy())
            .maxInFlight(s.integer(PREFIX + "max-in-flight", NatsBackend.DEFAULT_MAX_IN_FLIGHT, 1, 1_000_000))
            .writeTimeout(s.duration(PREFIX + "write-timeout", NatsBackend.DEFAULT_WRITE_TIMEOUT))
            .publishTimeout(s.duration(PREFIX + "publish-timeout", NatsBackend.DEFAULT_PUBLISH_TIMEOUT))
            .maxAttempts(s.integer(PREFIX + "retry.max-attempts", 0, 0, Integer.MAX_VALUE))
            .synchronous(s.bool(PREFIX + "synchronous", false))
            .shutdownTimeout(s.duration(PREFIX + "shutdown-timeout", NatsBackend.DEFAULT_SHUTDOWN_TIMEOUT));
    backoff(s, "retry.", NatsBackend.DEFAULT_INITIAL_BACKOFF, NatsBackend.DEFAULT_MAX_BACKOFF, publisher::backoff);
    NatsRelay.Builder relay = null;
    if (s.bool(PREFIX + "relay.enabled", false)) {
      relay =
          NatsRelay.builder(context.stores().connectionLog())
              .url(url)
              .stream(stream)
              .clock(context.clock())
              .healthPolicy(c.healthPolicy())
              .batchSize(s.integer(PREFIX + "relay.batch-size", NatsRelay.DEFAULT_BATCH_SIZE, 1, 100_000))
              .flushInterval(s.duration(PREFIX + "relay.flush-interval", NatsRelay.DEFAULT_FLUSH_INTERVAL))
              .flushTimeout(s.duration(PREFIX + "relay.flush-timeout", NatsRelay.DEFAULT_FLUSH_TIMEOUT))
              .ackWait(s.duration(PREFIX + "relay.ack-wait", NatsRelay.DEFAULT_ACK_WAIT))
              .shutdownTimeout(s.duration(PREFIX + "relay.shutdown-timeout", NatsRelay.DEFAULT_SHUTDOWN_TIMEOUT));
      String durable = s.string(PREFIX + "relay.durable", null);
      if (durable != null) {
        relay.durable(durable);
      }
      int maxAckPending = s.integer(PREFIX + "relay.max-ack-pending", 0, 0, 10_000_000);
      if (maxAckPending > 0) {
        relay.maxAckPending(maxAckPending);
      }
      backoff(s, "relay.retry.", NatsRelay.DEFAULT_INITIAL_BACKOFF, NatsRelay.DEFAULT_MAX_BACKOFF, relay::backoff);
    }
    s.check();
    NatsBackend backend = publisher.build();
    if (relay != null) {
      try {
        backend.attach(relay.build());
      } catch (RuntimeException e) {
        backend.close();
        throw e;
      }
    }
    return backend;
  }

  private static NatsStream stream(Settings s, String tablePrefix) {
    NatsStream.Builder b = NatsStream.builder();
    try {
      b.name(s.string(PREFIX + "stream", NatsStream.defaultName(tablePrefix)));
    } catch (IllegalArgumentException e) {
      s.problem(PREFIX + "stream: " + e.getMessage());
    }
    try {
      b.subject(s.string(PREFIX + "subject", NatsStream.defaultSubject(tablePrefix)));
    } catch (IllegalArgumentException e) {
      s.problem(PREFIX + "subject: " + e.getMessage());
    }
    return b.replicas(s.integer(PREFIX + "replicas", NatsStream.DEFAULT_REPLICAS, 1, 5))
        .duplicateWindow(s.duration(PREFIX + "duplicate-window", NatsStream.DEFAULT_DUPLICATE_WINDOW))
        .maxBytes(limit(s, "max-bytes"))
        .maxMessages(limit(s, "max-messages"))
        .create(s.bool(PREFIX + "create-stream", true))
        .build();
  }

  private static long limit(Settings s, String key) {
    long v = s.number(PREFIX + key, -1, -1, Long.MAX_VALUE);
    if (v == 0) {
      s.problem(PREFIX + key + " was '0' but must be positive or -1 (none)");
      return -1;
    }
    return v;
  }

  private interface BackoffSetter {
    void set(Duration initial, Duration max);
  }

  private static void backoff(Settings s, String infix, Duration initial, Duration max, BackoffSetter setter) {
    Duration i = s.duration(PREFIX + infix + "initial-backoff", initial);
    Duration m = s.duration(PREFIX + infix + "max-backoff", max);
    if (m.compareTo(i) < 0) {
      s.problem(PREFIX + infix + "max-backoff was " + m + " but must be at least " + PREFIX + infix + "initial-backoff " + i);
      return;
    }
    setter.set(i, m);
  }

  @Override
  public String toString() {
    return "NatsBackendProvider{name=" + NAME + '}';
  }
}
