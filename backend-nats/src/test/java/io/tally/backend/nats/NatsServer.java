package io.tally.backend.nats;

import io.nats.client.Connection;
import io.nats.client.Nats;
import io.nats.client.Options;
import io.tally.testkit.Await;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A JUnit 5 extension that runs a private nats-server with JetStream for a test class: on a free
 * port of 127.0.0.1, with its own store directory, stopped and deleted after the class. {@link
 * #restart()} stops it gracefully and starts it again on the same port and store.
 *
 * <p>The binary is {@value #DEFAULT_BINARY} unless the environment variable {@code
 * TALLY_TEST_NATS_SERVER} names another.
 */
final class NatsServer implements BeforeAllCallback, AfterAllCallback {
  static final String DEFAULT_BINARY = "/usr/sbin/nats-server";
  private static final Duration READY = Duration.ofSeconds(30);

  private Path dir;
  private int port;
  private Process process;

  static NatsServer create() {
    return new NatsServer();
  }

  @Override
  public void beforeAll(ExtensionContext context) throws IOException {
    dir = Files.createTempDirectory("tally-nats-");
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    start();
  }

  @Override
  public void afterAll(ExtensionContext context) throws IOException {
    stop();
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
    }
  }

  /**
   * @return the server's URL
   */
  String url() {
    return "nats://127.0.0.1:" + port;
  }

  /** Starts the server and waits until JetStream answers. */
  synchronized void start() {
    String binary = System.getenv().getOrDefault("TALLY_TEST_NATS_SERVER", DEFAULT_BINARY);
    ProcessBuilder pb =
        new ProcessBuilder(
                binary,
                "-a",
                "127.0.0.1",
                "-p",
                String.valueOf(port),
                "-js",
                "-sd",
                dir.resolve("store").toString())
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("server.log").toFile()));
    try {
      process = pb.start();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start " + binary + " (set TALLY_TEST_NATS_SERVER)", e);
    }
    Await.until("nats-server on port " + port + " answers JetStream requests", READY, this::ready);
  }

  /** Stops the server gracefully (it flushes its store) and waits for it to exit. */
  synchronized void stop() {
    if (process == null) {
      return;
    }
    process.destroy();
    try {
      if (!process.waitFor(30, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    process = null;
  }

  /** Stops and starts the server on the same port and store. */
  void restart() {
    stop();
    start();
  }

  /**
   * @return a new connection that reconnects quickly and forever
   */
  Connection connect() {
    try {
      return Nats.connect(
          Options.builder()
              .server(url())
              .maxReconnects(-1)
              .reconnectWait(Duration.ofMillis(100))
              .connectionTimeout(Duration.ofSeconds(5))
              .errorListener(new io.nats.client.ErrorListener() {})
              .build());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private boolean ready() {
    if (!process.isAlive()) {
      throw new AssertionError(
          "nats-server exited with " + process.exitValue() + "; see " + dir.resolve("server.log"));
    }
    try {
      Connection c =
          Nats.connect(
              Options.builder()
                  .server(url())
                  .maxReconnects(0)
                  .connectionTimeout(Duration.ofSeconds(2))
                  .errorListener(new io.nats.client.ErrorListener() {})
                  .build());
      try {
        c.jetStreamManagement().getAccountStatistics();
        return true;
      } finally {
        c.close();
      }
    } catch (Exception e) {
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
      return false;
    }
  }
}
