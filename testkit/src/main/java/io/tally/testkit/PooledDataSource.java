package io.tally.testkit;

import io.tally.core.Clock;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.sql.Statement;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The {@link PostgresDatabase} fixture's data source: a small pool with no dependency, so a test
 * that reads back one row at a time does not pay for a new server session per query.
 *
 * <p>{@code close()} on a borrowed connection hands it back, reset: an open transaction rolled
 * back, auto-commit on, read-only off, no network timeout, and the session state cleared with
 * {@code DISCARD ALL} (settings such as the isolation level, temporary tables, advisory locks,
 * prepared statements). A connection that is closed (aborted) or fails the reset is discarded; one
 * idle for more than a second is checked with {@code isValid} before it is lent again. Every
 * physical connection it opened is closed by {@link #closeAll()}, borrowed or not.
 */
final class PooledDataSource extends PlainDataSource {
  /** Idle connections kept for reuse; more are closed when handed back. */
  static final int MAX_IDLE = 8;

  /** A connection handed back less than this long ago is lent without a check: {@value} ns. */
  static final long CHECK_AFTER_IDLE_NANOS = 1_000_000_000L;

  private static final Clock CLOCK = Clock.system();

  /** Opens a physical connection. */
  @FunctionalInterface
  interface Opener {
    Connection open() throws SQLException;
  }

  private final Opener opener;
  private final String description;
  private final Deque<Idle> idle = new ArrayDeque<>();
  private final List<Connection> physical = new ArrayList<>();
  private boolean closed;

  PooledDataSource(Opener opener, String description) {
    this.opener = opener;
    this.description = description;
  }

  @Override
  public Connection getConnection() throws SQLException {
    while (true) {
      Idle i = pollIdle();
      if (i == null) {
        Connection c = opener.open();
        synchronized (this) {
          if (closed) {
            closeQuietly(c);
            throw new SQLException(description + " is stopped");
          }
          physical.add(c);
        }
        return lend(c);
      }
      // Handed back moments ago (its reset just talked to the server), or still answering:
      if (CLOCK.nanoTime() - i.since < CHECK_AFTER_IDLE_NANOS || i.connection.isValid(2)) {
        return lend(i.connection);
      }
      discard(i.connection); // the server ended the session (a test may terminate backends)
    }
  }

  private synchronized Idle pollIdle() throws SQLException {
    if (closed) {
      throw new SQLException(description + " is stopped");
    }
    return idle.pollFirst();
  }

  private Connection lend(Connection c) {
    return (Connection)
        Proxy.newProxyInstance(
            Connection.class.getClassLoader(), new Class<?>[] {Connection.class}, new Lent(c));
  }

  /** Resets {@code c} and keeps it idle, or closes it if that fails or enough are idle. */
  private void giveBack(Connection c) {
    try {
      if (c.isClosed()) {
        discard(c);
        return;
      }
      if (!c.getAutoCommit()) {
        c.rollback();
        c.setAutoCommit(true);
      }
      if (c.isReadOnly()) {
        c.setReadOnly(false);
      }
      if (c.getNetworkTimeout() != 0) { // the fixture opens connections without one
        c.setNetworkTimeout(Runnable::run, 0);
      }
      try (Statement s = c.createStatement()) {
        s.execute("DISCARD ALL"); // also the session's default isolation level
      }
    } catch (SQLException | RuntimeException e) {
      discard(c);
      return;
    }
    synchronized (this) {
      if (!closed && idle.size() < MAX_IDLE) {
        idle.addFirst(new Idle(c, CLOCK.nanoTime()));
        return;
      }
    }
    discard(c);
  }

  private void discard(Connection c) {
    synchronized (this) {
      physical.remove(c);
      idle.removeIf(i -> i.connection == c);
    }
    closeQuietly(c);
  }

  /** Closes every connection this pool opened, lent or idle; later borrows fail. */
  void closeAll() {
    List<Connection> all;
    synchronized (this) {
      closed = true;
      all = new ArrayList<>(physical);
      physical.clear();
      idle.clear();
    }
    for (Connection c : all) {
      closeQuietly(c);
    }
  }

  /**
   * @return physical connections open now (lent or idle), for tests
   */
  synchronized int physicalConnections() {
    return physical.size();
  }

  private static void closeQuietly(Connection c) {
    try {
      c.close();
    } catch (SQLException | RuntimeException e) {
      // already broken: nothing more to do
    }
  }

  @Override
  public Connection getConnection(String username, String password) throws SQLException {
    throw new SQLFeatureNotSupportedException("use getConnection(); credentials are fixed");
  }

  @Override
  public int getLoginTimeout() {
    return 5;
  }

  @Override
  public <T> T unwrap(Class<T> iface) throws SQLException {
    throw new SQLException("not a wrapper");
  }

  @Override
  public boolean isWrapperFor(Class<?> iface) {
    return false;
  }

  @Override
  public String toString() {
    return description;
  }

  /** A connection handed back, and when. */
  private static final class Idle {
    final Connection connection;
    final long since;

    Idle(Connection connection, long since) {
      this.connection = connection;
      this.since = since;
    }
  }

  /** A lent connection: every call goes to the physical one until {@code close()} hands it back. */
  private final class Lent implements InvocationHandler {
    private final Connection target;
    private boolean returned;

    Lent(Connection target) {
      this.target = target;
    }

    @Override
    public @Nullable Object invoke(Object proxy, Method method, @Nullable Object @Nullable [] args)
        throws Throwable {
      switch (method.getName()) {
        case "close":
          synchronized (this) {
            if (returned) {
              return null;
            }
            returned = true;
          }
          giveBack(target);
          return null;
        case "isClosed":
          synchronized (this) {
            if (returned) {
              return true;
            }
          }
          return target.isClosed();
        case "equals":
          return proxy == args[0];
        case "hashCode":
          return System.identityHashCode(proxy);
        case "toString":
          return "pooled " + target;
        default:
          synchronized (this) {
            if (returned) {
              throw new SQLException("connection is closed (handed back to the pool)");
            }
          }
          try {
            return method.invoke(target, args);
          } catch (InvocationTargetException e) {
            throw e.getCause();
          }
      }
    }
  }
}
