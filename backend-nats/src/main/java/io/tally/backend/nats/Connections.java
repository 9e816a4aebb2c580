package io.tally.backend.nats;

import io.nats.client.Connection;
import io.nats.client.ConnectionListener;
import io.nats.client.Consumer;
import io.nats.client.ErrorListener;
import io.nats.client.Nats;
import io.nats.client.Options;
import java.io.IOException;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Opens the connections a publisher or relay owns, logging through SLF4J. */
final class Connections {
  private static final Logger log = LoggerFactory.getLogger(Connections.class);

  /** How long to wait between reconnect attempts: {@value} ms. */
  static final long RECONNECT_WAIT_MILLIS = 250;

  private Connections() {}

  /**
   * Connects to {@code url}; reconnects forever once connected.
   *
   * @throws IllegalStateException if the first connection fails (the message shows the URL without
   *     user information)
   */
  static Connection open(String url, String connectionName, String urlKey) {
    Options options =
        Options.builder()
            .server(url)
            .connectionName(connectionName)
            .maxReconnects(-1)
            .reconnectWait(Duration.ofMillis(RECONNECT_WAIT_MILLIS))
            .connectionTimeout(Duration.ofSeconds(5))
            .connectionListener(Connections::event)
            .errorListener(new Errors())
            .build();
    try {
      return Nats.connect(options);
    } catch (IOException e) {
      throw new IllegalStateException(
          "cannot connect to NATS at " + redact(url) + " (" + urlKey + "): " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while connecting to NATS at " + redact(url), e);
    }
  }

  /**
   * @return {@code url} without user information ({@code nats://user:pass@host} becomes {@code
   *     nats://host})
   */
  static String redact(String url) {
    StringBuilder out = new StringBuilder();
    for (String one : url.split(",", -1)) {
      if (out.length() > 0) {
        out.append(',');
      }
      int scheme = one.indexOf("://");
      int at = one.lastIndexOf('@');
      out.append(
          at > scheme ? one.substring(0, Math.max(scheme + 3, 0)) + one.substring(at + 1) : one);
    }
    return out.toString();
  }

  private static void event(Connection c, ConnectionListener.Events e) {
    switch (e) {
      case DISCONNECTED:
        log.warn("NATS connection '{}' lost; reconnecting", c.getOptions().getConnectionName());
        break;
      case RECONNECTED:
        log.info("NATS connection '{}' reconnected", c.getOptions().getConnectionName());
        break;
      default:
        log.debug("NATS connection '{}': {}", c.getOptions().getConnectionName(), e);
    }
  }

  private static final class Errors implements ErrorListener {
    @Override
    public void errorOccurred(Connection conn, String error) {
      log.warn(
          "NATS connection '{}': server error: {}", conn.getOptions().getConnectionName(), error);
    }

    @Override
    public void exceptionOccurred(Connection conn, Exception exp) {
      log.debug("NATS connection '{}': {}", conn.getOptions().getConnectionName(), exp.toString());
    }

    @Override
    public void slowConsumerDetected(Connection conn, Consumer consumer) {
      log.warn("NATS connection '{}': slow consumer", conn.getOptions().getConnectionName());
    }
  }
}
