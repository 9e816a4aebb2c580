package io.tally.backend.nats;

import io.nats.client.Connection;
import io.nats.client.JetStreamApiException;
import io.tally.core.Clock;
import io.tally.core.HealthPolicy;
import java.io.IOException;
import java.time.Duration;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The options {@link NatsBackend.Builder} and {@link NatsRelay.Builder} share: where the server is,
 * the stream, the retry backoff, the shutdown bound, the clock, the health policy and the
 * component's name. Not thread-safe; not for extension outside this package.
 *
 * @param <B> the concrete builder
 */
public abstract class NatsBuilder<B extends NatsBuilder<B>> {
  String url = NatsBackendProvider.DEFAULT_URL;
  @Nullable Connection connection; // null: open one from url
  NatsStream stream = NatsStream.builder().build();
  Duration initialBackoff;
  Duration maxBackoff;
  Duration shutdownTimeout;
  Clock clock = Clock.system();
  HealthPolicy healthPolicy = HealthPolicy.defaults();
  String name;

  NatsBuilder(String name, Duration initialBackoff, Duration maxBackoff, Duration shutdownTimeout) {
    this.name = name;
    this.initialBackoff = initialBackoff;
    this.maxBackoff = maxBackoff;
    this.shutdownTimeout = shutdownTimeout;
  }

  abstract B self();

  /**
   * Sets the server; the component opens its own connection and closes it when it closes.
   *
   * @param url the NATS server URL(s), comma-separated (default {@value
   *     NatsBackendProvider#DEFAULT_URL})
   * @return this
   */
  public B url(String url) {
    this.url = Objects.requireNonNull(url, "url");
    return self();
  }

  /**
   * Sets a connection to use instead of {@link #url(String)}.
   *
   * @param connection an open connection; the caller closes it
   * @return this
   */
  public B connection(Connection connection) {
    this.connection = Objects.requireNonNull(connection, "connection");
    return self();
  }

  /**
   * Sets the stream.
   *
   * @param stream the stream to publish to or relay from (default {@code
   *     NatsStream.builder().build()})
   * @return this
   */
  public B stream(NatsStream stream) {
    this.stream = Objects.requireNonNull(stream, "stream");
    return self();
  }

  /**
   * Sets the retry backoff: doubling from {@code initial} up to {@code max}, with jitter.
   *
   * @param initial delay before the first retry; positive
   * @param max longest delay; at least {@code initial}
   * @return this
   */
  public B backoff(Duration initial, Duration max) {
    Settings.requirePositive("initialBackoff", initial);
    Settings.requirePositive("maxBackoff", max);
    if (max.compareTo(initial) < 0) {
      throw new IllegalArgumentException(
          "maxBackoff was " + max + " but must be >= initialBackoff " + initial);
    }
    this.initialBackoff = initial;
    this.maxBackoff = max;
    return self();
  }

  /**
   * Sets the bound on {@code close()}.
   *
   * @param shutdownTimeout positive
   * @return this
   */
  public B shutdownTimeout(Duration shutdownTimeout) {
    this.shutdownTimeout = Settings.requirePositive("shutdownTimeout", shutdownTimeout);
    return self();
  }

  /**
   * Sets the clock retry delays and stats times come from.
   *
   * @param clock the clock (default {@link Clock#system()})
   * @return this
   */
  public B clock(Clock clock) {
    this.clock = Objects.requireNonNull(clock, "clock");
    return self();
  }

  /**
   * Sets when the component reports degraded or failing.
   *
   * @param healthPolicy the policy
   * @return this
   */
  public B healthPolicy(HealthPolicy healthPolicy) {
    this.healthPolicy = Objects.requireNonNull(healthPolicy, "healthPolicy");
    return self();
  }

  /**
   * Sets the component's name in stats and logs.
   *
   * @param name the name
   * @return this
   */
  public B name(String name) {
    this.name = Objects.requireNonNull(name, "name");
    return self();
  }

  /**
   * @return whether the component opens (and closes) its own connection
   */
  boolean ownsConnection() {
    return connection == null;
  }

  /** Sets up a component on a connection. */
  interface Setup<T> {
    T on(Connection c) throws IOException, JetStreamApiException;
  }

  /**
   * Connects (unless a connection was given), creates or checks the stream and runs {@code setup};
   * closes a connection it opened if that fails.
   *
   * @throws IllegalArgumentException or IllegalStateException as thrown; any other failure as an
   *     IllegalStateException saying {@code what} failed
   */
  <T> T start(String what, Setup<T> setup) {
    Connection c =
        connection != null ? connection : Connections.open(url, "tally-" + name, stream.key("url"));
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
