package io.tally.backend.nats;

import io.tally.core.ConfigKey;
import io.tally.core.TallyConfig;
import io.tally.core.backend.Backend;
import io.tally.core.connectionlog.ConnectionEvent;
import io.tally.core.spi.BackendProvider;
import io.tally.core.spi.ProviderContext;
import java.time.Duration;
import java.util.List;

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
   * Returns the {@code tally.backend.nats.*} keys (the package comment lists them), so that Tally
   * checks them when it starts.
   *
   * @return this provider's keys
   */
  @Override
  public List<ConfigKey<?>> keys() {
    return NatsKeys.ALL;
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
    String url = s.string(NatsKeys.URL, DEFAULT_URL);
    NatsStream stream = stream(s, c.tablePrefix());
    NatsBackend.Builder publisher =
        NatsBackend.builder().url(url).stream(stream)
            .clock(context.clock())
            .healthPolicy(c.healthPolicy())
            .maxInFlight(s.get(NatsKeys.MAX_IN_FLIGHT))
            .writeTimeout(s.get(NatsKeys.WRITE_TIMEOUT))
            .publishTimeout(s.get(NatsKeys.PUBLISH_TIMEOUT))
            .maxAttempts(s.get(NatsKeys.RETRY_MAX_ATTEMPTS))
            .synchronous(s.get(NatsKeys.SYNCHRONOUS))
            .shutdownTimeout(s.get(NatsKeys.SHUTDOWN_TIMEOUT));
    backoff(s, NatsKeys.RETRY_INITIAL_BACKOFF, NatsKeys.RETRY_MAX_BACKOFF, publisher::backoff);
    NatsRelay.Builder relay = null;
    if (s.get(NatsKeys.RELAY_ENABLED)) {
      relay =
          NatsRelay.builder(context.stores().connectionLog()).url(url).stream(stream)
              .clock(context.clock())
              .healthPolicy(c.healthPolicy())
              .batchSize(s.get(NatsKeys.RELAY_BATCH_SIZE))
              .flushInterval(s.get(NatsKeys.RELAY_FLUSH_INTERVAL))
              .flushTimeout(s.get(NatsKeys.RELAY_FLUSH_TIMEOUT))
              .ackWait(s.get(NatsKeys.RELAY_ACK_WAIT))
              .shutdownTimeout(s.get(NatsKeys.RELAY_SHUTDOWN_TIMEOUT));
      String durable = s.string(NatsKeys.RELAY_DURABLE, null);
      if (durable != null) {
        relay.durable(durable);
      }
      int maxAckPending = s.get(NatsKeys.RELAY_MAX_ACK_PENDING);
      if (maxAckPending > 0) {
        relay.maxAckPending(maxAckPending);
      }
      backoff(
          s,
          NatsKeys.RELAY_RETRY_INITIAL_BACKOFF,
          NatsKeys.RELAY_RETRY_MAX_BACKOFF,
          relay::backoff);
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
      b.name(s.string(NatsKeys.STREAM, NatsStream.defaultName(tablePrefix)));
    } catch (IllegalArgumentException e) {
      s.problem(NatsKeys.STREAM.name() + ": " + e.getMessage());
    }
    try {
      b.subject(s.string(NatsKeys.SUBJECT, NatsStream.defaultSubject(tablePrefix)));
    } catch (IllegalArgumentException e) {
      s.problem(NatsKeys.SUBJECT.name() + ": " + e.getMessage());
    }
    return b.replicas(s.get(NatsKeys.REPLICAS))
        .duplicateWindow(s.get(NatsKeys.DUPLICATE_WINDOW))
        .maxBytes(s.get(NatsKeys.MAX_BYTES))
        .maxMessages(s.get(NatsKeys.MAX_MESSAGES))
        .create(s.get(NatsKeys.CREATE_STREAM))
        .build();
  }

  private interface BackoffSetter {
    void set(Duration initial, Duration max);
  }

  private static void backoff(
      Settings s,
      ConfigKey<Duration> initialKey,
      ConfigKey<Duration> maxKey,
      BackoffSetter setter) {
    Duration i = s.get(initialKey);
    Duration m = s.get(maxKey);
    if (m.compareTo(i) < 0) {
      s.problem(
          maxKey.name() + " was " + m + " but must be at least " + initialKey.name() + " " + i);
      return;
    }
    setter.set(i, m);
  }

  @Override
  public String toString() {
    return "NatsBackendProvider{name=" + NAME + '}';
  }
}
