package io.tally.store.postgres;

import io.tally.testkit.PostgresDatabase;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicBoolean;
import org.postgresql.Driver;
import org.postgresql.PGProperty;

/**
 * A test-only TCP proxy that can make the connections open now go silent: bytes are read and
 * dropped, nothing is closed or reset, exactly what a half-dead network looks like. Connections
 * opened afterwards forward normally. It can also close new connections at once, like a database
 * that is down.
 */
final class SilentProxy implements AutoCloseable {
  private final ServerSocket server;
  private final String targetHost;
  private final int targetPort;
  private final List<Link> links = new ArrayList<>();
  private final AtomicBoolean refusing = new AtomicBoolean();

  private SilentProxy(String targetHost, int targetPort) throws IOException {
    this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    this.targetHost = targetHost;
    this.targetPort = targetPort;
    Thread accept = new Thread(this::accept, "silent-proxy-accept");
    accept.setDaemon(true);
    accept.start();
  }

  /**
   * @return a proxy to the server of {@code pg}
   */
  static SilentProxy toServerOf(PostgresDatabase pg) throws IOException {
    Properties p = Driver.parseURL(pg.jdbcUrl(), null);
    return new SilentProxy(
        PGProperty.PG_HOST.getOrDefault(p), Integer.parseInt(PGProperty.PG_PORT.getOrDefault(p)));
  }

  /**
   * @return the fixture's URL with its host and port replaced by this proxy's
   */
  String url(PostgresDatabase pg) {
    String url = pg.jdbcUrl();
    int at = url.indexOf("//") + 2;
    int end = url.indexOf('/', at);
    return url.substring(0, at) + "127.0.0.1:" + server.getLocalPort() + url.substring(end);
  }

  /**
   * Sets whether new connections are closed at once (the database looks down) or forwarded.
   *
   * @param on true to refuse
   */
  void refuseNewConnections(boolean on) {
    refusing.set(on);
  }

  /** Makes every connection open now drop what it receives, in both directions. */
  synchronized void silenceOpenConnections() {
    for (Link l : links) {
      l.silent.set(true);
    }
  }

  private void accept() {
    while (!server.isClosed()) {
      try {
        Socket client = server.accept();
        if (refusing.get()) {
          closeQuietly(client);
          continue;
        }
        Socket upstream = new Socket(targetHost, targetPort);
        Link link = new Link(client, upstream);
        synchronized (this) {
          links.add(link);
        }
        pump(client, upstream, link.silent);
        pump(upstream, client, link.silent);
      } catch (IOException e) {
        return;
      }
    }
  }

  private static void pump(Socket from, Socket to, AtomicBoolean silent) {
    Thread t =
        new Thread(
            () -> {
              byte[] buffer = new byte[16384];
              try (InputStream in = from.getInputStream()) {
                OutputStream out = to.getOutputStream();
                int n;
                while ((n = in.read(buffer)) >= 0) {
                  if (!silent.get()) {
                    out.write(buffer, 0, n);
                    out.flush();
                  }
                }
              } catch (IOException e) {
                // the other side closed
              }
              if (!silent.get()) {
                closeQuietly(to);
              }
            },
            "silent-proxy-pump");
    t.setDaemon(true);
    t.start();
  }

  private static void closeQuietly(Socket s) {
    try {
      s.close();
    } catch (IOException e) {
      // closing anyway
    }
  }

  @Override
  public synchronized void close() throws IOException {
    server.close();
    for (Link l : links) {
      closeQuietly(l.client);
      closeQuietly(l.upstream);
    }
  }

  private static final class Link {
    final Socket client;
    final Socket upstream;
    final AtomicBoolean silent = new AtomicBoolean();

    Link(Socket client, Socket upstream) {
      this.client = client;
      this.upstream = upstream;
    }
  }
}
