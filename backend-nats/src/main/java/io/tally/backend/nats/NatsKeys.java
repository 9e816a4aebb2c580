package io.tally.backend.nats;

import io.tally.core.ConfigKey;
import java.time.Duration;
import java.util.List;

/**
 * The {@code tally.backend.nats.*} keys, declared through {@link NatsBackendProvider#keys()} so
 * that Tally checks them (with core's parsing: durations, integers, booleans) when it starts.
 */
final class NatsKeys {
  private static final String P = NatsBackendProvider.PREFIX;
  private static final String NONE_OR_POSITIVE = "must be positive or -1 (none)";

  static final ConfigKey<String> URL = ConfigKey.text(P + "url", NatsBackendProvider.DEFAULT_URL);
  static final ConfigKey<String> STREAM = ConfigKey.text(P + "stream", null);
  static final ConfigKey<String> SUBJECT = ConfigKey.text(P + "subject", null);
  static final ConfigKey<Boolean> CREATE_STREAM = ConfigKey.flag(P + "create-stream", true);
  static final ConfigKey<Integer> REPLICAS =
      ConfigKey.integer(P + "replicas", NatsStream.DEFAULT_REPLICAS, 1, 5);
  static final ConfigKey<Duration> DUPLICATE_WINDOW =
      ConfigKey.duration(P + "duplicate-window", NatsStream.DEFAULT_DUPLICATE_WINDOW);
  static final ConfigKey<Long> MAX_BYTES =
      ConfigKey.longInteger(P + "max-bytes", -1L, -1, Long.MAX_VALUE)
          .withRule(v -> v != 0, NONE_OR_POSITIVE);
  static final ConfigKey<Long> MAX_MESSAGES =
      ConfigKey.longInteger(P + "max-messages", -1L, -1, Long.MAX_VALUE)
          .withRule(v -> v != 0, NONE_OR_POSITIVE);
  static final ConfigKey<Integer> MAX_IN_FLIGHT =
      ConfigKey.integer(P + "max-in-flight", NatsBackend.DEFAULT_MAX_IN_FLIGHT, 1, 1_000_000);
  static final ConfigKey<Boolean> SYNCHRONOUS = ConfigKey.flag(P + "synchronous", false);
  static final ConfigKey<Duration> WRITE_TIMEOUT =
      ConfigKey.duration(P + "write-timeout", NatsBackend.DEFAULT_WRITE_TIMEOUT);
  static final ConfigKey<Duration> PUBLISH_TIMEOUT =
      ConfigKey.duration(P + "publish-timeout", NatsBackend.DEFAULT_PUBLISH_TIMEOUT);
  static final ConfigKey<Duration> RETRY_INITIAL_BACKOFF =
      ConfigKey.duration(P + "retry.initial-backoff", NatsBackend.DEFAULT_INITIAL_BACKOFF);
  static final ConfigKey<Duration> RETRY_MAX_BACKOFF =
      ConfigKey.duration(P + "retry.max-backoff", NatsBackend.DEFAULT_MAX_BACKOFF);
  static final ConfigKey<Integer> RETRY_MAX_ATTEMPTS =
      ConfigKey.integer(P + "retry.max-attempts", 0, 0, Integer.MAX_VALUE);
  static final ConfigKey<Duration> SHUTDOWN_TIMEOUT =
      ConfigKey.duration(P + "shutdown-timeout", NatsBackend.DEFAULT_SHUTDOWN_TIMEOUT);
  static final ConfigKey<Boolean> RELAY_ENABLED = ConfigKey.flag(P + "relay.enabled", false);
  static final ConfigKey<String> RELAY_DURABLE = ConfigKey.text(P + "relay.durable", null);
  static final ConfigKey<Integer> RELAY_BATCH_SIZE =
      ConfigKey.integer(P + "relay.batch-size", NatsRelay.DEFAULT_BATCH_SIZE, 1, 100_000);
  static final ConfigKey<Duration> RELAY_FLUSH_INTERVAL =
      ConfigKey.duration(P + "relay.flush-interval", NatsRelay.DEFAULT_FLUSH_INTERVAL);
  static final ConfigKey<Duration> RELAY_FLUSH_TIMEOUT =
      ConfigKey.duration(P + "relay.flush-timeout", NatsRelay.DEFAULT_FLUSH_TIMEOUT);
  static final ConfigKey<Duration> RELAY_ACK_WAIT =
      ConfigKey.duration(P + "relay.ack-wait", NatsRelay.DEFAULT_ACK_WAIT);
  static final ConfigKey<Integer> RELAY_MAX_ACK_PENDING =
      ConfigKey.integer(P + "relay.max-ack-pending", 0, 0, 10_000_000);
  static final ConfigKey<Duration> RELAY_RETRY_INITIAL_BACKOFF =
      ConfigKey.duration(P + "relay.retry.initial-backoff", NatsRelay.DEFAULT_INITIAL_BACKOFF);
  static final ConfigKey<Duration> RELAY_RETRY_MAX_BACKOFF =
      ConfigKey.duration(P + "relay.retry.max-backoff", NatsRelay.DEFAULT_MAX_BACKOFF);
  static final ConfigKey<Duration> RELAY_SHUTDOWN_TIMEOUT =
      ConfigKey.duration(P + "relay.shutdown-timeout", NatsRelay.DEFAULT_SHUTDOWN_TIMEOUT);

  static final List<ConfigKey<?>> ALL =
      List.of(
          URL,
          STREAM,
          SUBJECT,
          CREATE_STREAM,
          REPLICAS,
          DUPLICATE_WINDOW,
          MAX_BYTES,
          MAX_MESSAGES,
          MAX_IN_FLIGHT,
          SYNCHRONOUS,
          WRITE_TIMEOUT,
          PUBLISH_TIMEOUT,
          RETRY_INITIAL_BACKOFF,
          RETRY_MAX_BACKOFF,
          RETRY_MAX_ATTEMPTS,
          SHUTDOWN_TIMEOUT,
          RELAY_ENABLED,
          RELAY_DURABLE,
          RELAY_BATCH_SIZE,
          RELAY_FLUSH_INTERVAL,
          RELAY_FLUSH_TIMEOUT,
          RELAY_ACK_WAIT,
          RELAY_MAX_ACK_PENDING,
          RELAY_RETRY_INITIAL_BACKOFF,
          RELAY_RETRY_MAX_BACKOFF,
          RELAY_SHUTDOWN_TIMEOUT);

  private NatsKeys() {}
}
