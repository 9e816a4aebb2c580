package io.tally.store.postgres;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A test-only TCP proxy that can make the connections open now go silent: bytes are read and
 * dropped, nothing is closed or reset, exactly what a half-dead network looks like. Connections
 * opened afterwards forward normally.
 */
final class SilentProxy implements AutoCloseable {
  private final ServerSocket server;
  private final String targetHost;
  private final int targetPort;
  private final List<Link> links = new ArrayList<>();

  private SilentProxy(String targetHost, int targetPort) throws IOException {
    this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    this.targetHost = targetHost;
    this.targetPort = targetPort;
    Thread accept = new Thread(this::accept, "silent-proxy-accept");
    accept.setDaemon(true);
    accept.start();
  }

  static SilentProxy to(String host, int port) throws IOException {
    return new SilentProxy(host, port);
  }

  int port() {
    return server.getLocalPort();
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
