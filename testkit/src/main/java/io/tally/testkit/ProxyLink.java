package io.tally.testkit;

import io.tally.core.Clock;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.locks.LockSupport;

/**
 * One connection through a {@link FaultProxy}: the client's socket, the socket to the target and a
 * pump thread for each direction. Forwarding can be made silent (both pumps hold what they read and
 * forward nothing, until the link is closed) or the link cut.
 */
final class ProxyLink {
  private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(ProxyLink.class);
  private static final int CONNECT_TIMEOUT_MILLIS = 5_000;

  private enum State {
    OPEN,
    SILENT,
    CLOSED
  }

  private final FaultProxy proxy;
  private final Socket client;
  private final Socket server = new Socket();
  private final String name;
  private final PgWire.Frontend frontend = new PgWire.Frontend();
  private final PgWire.Backend backend = new PgWire.Backend(frontend);
  private State state = State.OPEN;

  /** Swallow the server's bytes after this many ReadyForQuery messages; -1: none planned. */
  private volatile long swallowAfterReady = -1;

  private volatile FaultProxy.ReplyDrop swallowing;

  ProxyLink(FaultProxy proxy, Socket client, String name) {
    this.proxy = proxy;
    this.client = client;
    this.name = name;
  }

  /** Connects to the target and starts both pumps; the link closes itself if that fails. */
  void start() {
    Thread up = new Thread(this::runUp, name + "-up");
    up.setDaemon(true);
    up.start();
  }

  private void runUp() {
    try {
      client.setTcpNoDelay(true);
      server.setTcpNoDelay(true);
      InetSocketAddress target = proxy.target();
      server.connect(
          new InetSocketAddress(target.getHostString(), target.getPort()), CONNECT_TIMEOUT_MILLIS);
    } catch (IOException e) {
      log.debug("{}: cannot reach the target: {}", name, e.toString());
      cut();
      return;
    }
    Thread down = new Thread(this::runDown, name + "-down");
    down.setDaemon(true);
    down.start();
    byte[] buf = new byte[16 * 1024];
    try (InputStream in = client.getInputStream()) {
      OutputStream out = server.getOutputStream();
      int n;
      while ((n = in.read(buf)) >= 0) {
        proxy.holdBack();
        for (PgWire.Executed e : frontend.feed(buf, 0, n)) {
          FaultProxy.ReplyDrop drop = swallowing == null ? proxy.match(e.sql) : null;
          if (drop != null) {
            swallowAfterReady = e.readyBefore; // before the drop becomes visible to the down pump
            swallowing = drop;
            drop.markSent(e.sql);
          }
        }
        if (!awaitForwarding()) {
          return;
        }
        out.write(buf, 0, n);
        out.flush();
      }
      ended(false); // the client closed: pass it on
    } catch (IOException e) {
      ended(true);
    }
  }

  private void runDown() {
    byte[] buf = new byte[16 * 1024];
    boolean swallow = false; // from the start of the reply to drop on: forward nothing
    try (InputStream in = server.getInputStream()) {
      OutputStream out = client.getOutputStream();
      int n;
      while ((n = in.read(buf)) >= 0) {
        proxy.holdBack();
        FaultProxy.ReplyDrop drop = swallowing;
        long after = swallowAfterReady;
        int forward = n;
        if (swallow) {
          forward = 0;
        } else if (drop != null) {
          int stop = backend.scan(buf, 0, n, after);
          if (stop >= 0) {
            forward = stop;
            swallow = true;
          }
        } else {
          backend.scan(buf, 0, n, -1);
        }
        if (forward > 0) {
          if (!awaitForwarding()) {
            return;
          }
          out.write(buf, 0, forward);
          out.flush();
        }
        if (swallow && forward < n) {
          backend.scan(buf, forward, n - forward, -1); // counts the ReadyForQuery ending the reply
          if (backend.readySeen > after && !drop.swallowed()) {
            replySwallowed(drop);
          }
        }
      }
      ended(false);
    } catch (IOException e) {
      ended(true);
    }
  }

  /**
   * Passes on the end of one side to the other, unless the link is silent: then the other side sees
   * nothing, as through a network that stopped answering, until the link is cut.
   */
  private void ended(boolean error) {
    if (awaitForwarding()) {
      close(error);
    }
  }

  private void replySwallowed(FaultProxy.ReplyDrop drop) {
    drop.markSwallowed();
    if (drop.then() == FaultProxy.AfterDrop.CUT) {
      cut();
    } else {
      silence();
    }
  }

  /**
   * Waits while the link is silent.
   *
   * @return false if the link closed
   */
  private synchronized boolean awaitForwarding() {
    while (state == State.SILENT) {
      try {
        wait();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
    }
    return state == State.OPEN;
  }

  /** Stops forwarding in both directions; the sockets stay open until the link is closed. */
  synchronized boolean silence() {
    if (state != State.OPEN) {
      return false;
    }
    state = State.SILENT;
    return true;
  }

  /** Resets both sockets (RST). */
  void cut() {
    close(true);
  }

  /** Closes both sockets normally (FIN). */
  void closeQuietly() {
    close(false);
  }

  private void close(boolean reset) {
    synchronized (this) {
      if (state == State.CLOSED) {
        return;
      }
      state = State.CLOSED;
      notifyAll();
    }
    for (Socket s : List.of(client, server)) {
      try {
        if (reset && !s.isClosed()) {
          s.setSoLinger(true, 0);
        }
      } catch (IOException e) {
        // already gone
      }
      try {
        s.close();
      } catch (IOException e) {
        // already gone
      }
    }
    proxy.forget(this);
  }

  synchronized boolean isSilent() {
    return state == State.SILENT;
  }

  @Override
  public String toString() {
    return name;
  }

  /** Waits {@code nanos} of real time (the proxy's delay). */
  static void pause(long nanos) {
    if (nanos <= 0) {
      return;
    }
    Clock real = Clock.system();
    long deadline = real.nanoTime() + nanos;
    long left;
    while ((left = deadline - real.nanoTime()) > 0) {
      LockSupport.parkNanos(left);
    }
  }
}
