package io.tally.backend.nats;

import io.nats.client.Connection;
import io.nats.client.JetStreamApiException;
import io.tally.core.Clock;
import io.tally.core.HealthPolicy;
import java.io.IOException;
import java.time.Duration;
import java.util.Objects;

/**
 * What the publisher's and the relay's builders share: where the server is, the stream, the
 * retry backoff, the shutdown bound, the clock, the health policy and the name; and the start-up
 * step that connects and cleans up when setting up fails. Not thread-safe.
 */
final class Endpoint {
  String url = NatsBackendProvider.DEFAULT_URL;
  Connection connection;
  NatsStream stream = NatsStream.builder().build();
  Duration initialBackoff;
  Duration maxBackoff;
  Duration shutdownTimeout;
  Clock clock = Clock.system();
  HealthPolicy healthPolicy = HealthPolicy.defaults();
  String name;

  Endpoint(String name, Duration initialBackoff, Duration maxBackoff, Duration shutdownTimeout) {
    this.name = name;
    this.initialBackoff = initialBackoff;
    this.maxBackoff = maxBackoff;
    this.shutdownTimeout = shutdownTimeout;
  }

  void url(String url) {
    this.url = Objects.requireNonNull(url, "url");
  }

  void connection(Connection connection) {
    this.connection = Objects.requireNonNull(connection, "connection");
  }

  void stream(NatsStream stream) {
    this.stream = Objects.requireNonNull(stream, "stream");
  }

  void backoff(Duration initial, Duration max) {
    Settings.requirePositive("initialBackoff", initial);
    Settings.requirePositive("maxBackoff", max);
    if (max.compareTo(initial) < 0) {
      throw new IllegalArgumentException("maxBackoff was " + max + " but must be >= initialBackoff " + initial);
    }
    this.initialBackoff = initial;
    this.maxBackoff = max;
  }

  void shutdownTimeout(Duration shutdownTimeout) {
    this.shutdownTimeout = Settings.requirePositive("shutdownTimeout", shutdownTimeout);
  }

  void clock(Clock clock) {
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  void healthPolicy(HealthPolicy healthPolicy) {
    this.healthPolicy = Objects.requireNonNull(healthPolicy, "healthPolicy");
  }

  void name(String name) {
    this.name = Objects.requireNonNull(name, "name");
  }

  /** @return whether the component opens (and closes) its own connection */
  boolean ownsConnection() {
    return connection == null;
  }

  /** Sets up a component on a connection. */
  interface Setup<T> {
    T on(Connection c) throws IOException, JetStreamApiException;
  }

  /**
   * Connects (unless a connection was given), creates or checks the stream and runs {@code
   * setup}; closes a connection it opened if that fails.
   *
   * @throws IllegalArgumentException or IllegalStateException as thrown; any other failure as an
   *     IllegalStateException saying {@code what} failed
   */
  <T> T start(String what, Setup<T> setup) {
    Connection c = connection != null ? connection : Connections.open(url, "tally-" + name, stream.key("url"));
    try {
      stream.ensure(c.jetStreamManagement());
      return setup.on(c);
    } catch (IOException | JetStreamApiException | RuntimeException e) {
      if (connection == null) {
        Settings.closeQuietly(c, e);
      }
      if (e instanceof IllegalStateException || e instanceof IllegalArgumentException) {
        throw (RuntimeException) e;
      }
      throw new IllegalStateException("cannot " + what + ": " + e.getMessage(), e);
    }
  }
}
