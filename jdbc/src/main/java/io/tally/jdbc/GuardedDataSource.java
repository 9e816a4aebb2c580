package io.tally.jdbc;

import io.tally.core.spi.StoreCallScope;
import java.io.PrintWriter;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.logging.Logger;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;
import org.slf4j.LoggerFactory;

/**
 * A {@link DataSource} in front of another that bounds what a store call can wait for on each
 * connection it hands out, so a database that stops answering cannot hold a Tally component.
 *
 * <ul>
 *   <li>every connection gets a network timeout ({@link Connection#setNetworkTimeout}): a read that
 *       waits longer fails, the driver closes the connection and the pool evicts it. The previous
 *       timeout is restored when the connection is closed (given back);
 *   <li>a connection borrowed inside a Tally store call that outlives its timeout is aborted
 *       ({@link Connection#abort}) when the call is abandoned, so the socket read ends at once
 *       rather than after the network timeout; {@link Builder#afterAbort} runs just before (the
 *       built-in PostgreSQL provider evicts the pool's idle connections there, which a silent
 *       network has most likely broken too);
 *   <li>optional statements run on every connection when it is handed out and when it is given
 *       back, for example session settings and their reset, or an H2 {@code CHECKPOINT SYNC} that
 *       makes what the call committed durable before the call returns.
 * </ul>
 *
 * <p>A driver without network timeouts ({@link SQLFeatureNotSupportedException}) is used without
 * one. The built-in store providers wrap their pool, and a {@code DataSource} you pass them, in one
 * of these; wrap it yourself when you build stores directly. Thread-safe.
 */
public final class GuardedDataSource implements DataSource {
  private static final org.slf4j.Logger log = LoggerFactory.getLogger(GuardedDataSource.class);
  private static final Executor DIRECT = Runnable::run;

  private final DataSource target;
  private final int networkTimeoutMillis;
  private final List<String> onBorrow;
  private final List<String> onReturn;
  private final Runnable afterAbort;
  private final @Nullable Runnable beforeFirstUse;
  private volatile boolean used;

  private GuardedDataSource(Builder b) {
    this.target = b.target;
    this.networkTimeoutMillis = b.networkTimeoutMillis;
    this.onBorrow = List.copyOf(b.onBorrow);
    this.onReturn = List.copyOf(b.onReturn);
    this.afterAbort = b.afterAbort;
    this.beforeFirstUse = b.beforeFirstUse;
    this.used = b.beforeFirstUse == null;
  }

  /**
   * Starts a builder.
   *
   * @param target the data source to guard
   * @return a builder with no network timeout and no statements
   * @throws NullPointerException if {@code target} is null
   */
  public static Builder builder(DataSource target) {
    return new Builder(target);
  }

  /**
   * @return the guarded data source
   */
  public DataSource target() {
    return target;
  }

  /**
   * @return the network timeout set on every connection; zero if none
   */
  public Duration networkTimeout() {
    return Duration.ofMillis(networkTimeoutMillis);
  }

  @Override
  public Connection getConnection() throws SQLException {
    firstUse();
    return guard(target.getConnection());
  }

  @Override
  public Connection getConnection(String username, String password) throws SQLException {
    firstUse();
    return guard(target.getConnection(username, password));
  }

  /** Runs the first-use task until it succeeds once; its failure fails the borrow. */
  private void firstUse() throws SQLException {
    if (used) {
      return;
    }
    synchronized (this) {
      if (used) {
        return;
      }
      try {
        beforeFirstUse.run();
      } catch (RuntimeException e) {
        throw new SQLException(
            "the database is not ready yet (the task before its first use failed)", "08001", e);
      }
      used = true;
    }
  }

  private Connection guard(Connection c) throws SQLException {
    Guarded g = new Guarded(c);
    try {
      g.open();
    } catch (SQLException | RuntimeException | Error e) {
      g.discard(e);
      throw e;
    }
    return (Connection)
        Proxy.newProxyInstance(
            GuardedDataSource.class.getClassLoader(), new Class<?>[] {Connection.class}, g);
  }

  /** One handed-out connection: its settings, its scope and its close. */
  private final class Guarded implements InvocationHandler {
    private final Connection c;
    private StoreCallScope.@Nullable Registration registration;
    private int previousTimeout = -1;
    private boolean closed;

    Guarded(Connection c) {
      this.c = c;
    }

    void open() throws SQLException {
      registration = StoreCallScope.register(this::abort);
      if (networkTimeoutMillis > 0) {
        try {
          previousTimeout = c.getNetworkTimeout();
          c.setNetworkTimeout(DIRECT, networkTimeoutMillis);
        } catch (SQLFeatureNotSupportedException e) {
          previousTimeout = -1;
          log.debug("the JDBC driver has no network timeout; connections are not bounded", e);
        }
      }
      execute(onBorrow, false);
    }

    /** Runs statements outside any transaction the store left open (which is rolled back). */
    private void execute(List<String> sql, boolean rollbackFirst) throws SQLException {
      if (sql.isEmpty()) {
        return;
      }
      if (rollbackFirst && !c.getAutoCommit()) {
        c.rollback();
      }
      try (Statement s = c.createStatement()) {
        for (String q : sql) {
          s.execute(q);
        }
      }
      if (!c.getAutoCommit()) {
        c.commit();
      }
    }

    /** Gives the connection back: the return statements, the old timeout, then close. */
    void close() throws SQLException {
      if (closed) {
        return;
      }
      closed = true;
      if (registration != null) {
        registration.unregister();
      }
      SQLException failure = null;
      try {
        if (!c.isClosed()) {
          execute(onReturn, true);
          if (previousTimeout >= 0) {
            c.setNetworkTimeout(DIRECT, previousTimeout);
          }
        }
      } catch (SQLException e) {
        failure = e;
      }
      try {
        c.close();
      } catch (SQLException e) {
        if (failure == null) {
          failure = e;
        } else {
          failure.addSuppressed(e);
        }
      }
      if (failure != null) {
        throw failure;
      }
    }

    void discard(Throwable failure) {
      closed = true;
      if (registration != null) {
        registration.unregister();
      }
      try {
        c.close();
      } catch (SQLException e) {
        failure.addSuppressed(e);
      }
    }

    /**
     * Runs the after-abort action first (so a pool evicts its idle connections before the abandoned
     * call fails and the next one borrows), then aborts the connection.
     */
    void abort() {
      try {
        afterAbort.run();
      } catch (RuntimeException e) {
        log.warn("evicting idle connections after a store call was abandoned failed", e);
      }
      try {
        c.abort(DIRECT);
      } catch (SQLException | RuntimeException e) {
        log.debug("aborting a connection of an abandoned store call failed", e);
      }
    }

    @Override
    public @Nullable Object invoke(Object proxy, Method method, @Nullable Object[] args)
        throws Throwable {
      switch (method.getName()) {
        case "close":
          close();
          return null;
        case "isClosed":
          return closed || c.isClosed();
        case "equals":
          return proxy == args[0];
        case "hashCode":
          return System.identityHashCode(proxy);
        case "toString":
          return "Guarded{" + c + '}';
        default:
          try {
            return method.invoke(c, args);
          } catch (InvocationTargetException e) {
            throw e.getCause();
          }
      }
    }
  }

  @Override
  public PrintWriter getLogWriter() throws SQLException {
    return target.getLogWriter();
  }

  @Override
  public void setLogWriter(PrintWriter out) throws SQLException {
    target.setLogWriter(out);
  }

  @Override
  public void setLoginTimeout(int seconds) throws SQLException {
    target.setLoginTimeout(seconds);
  }

  @Override
  public int getLoginTimeout() throws SQLException {
    return target.getLoginTimeout();
  }

  @Override
  public Logger getParentLogger() throws SQLFeatureNotSupportedException {
    return target.getParentLogger();
  }

  @Override
  public <T> T unwrap(Class<T> iface) throws SQLException {
    return iface.isInstance(this) ? iface.cast(this) : target.unwrap(iface);
  }

  @Override
  public boolean isWrapperFor(Class<?> iface) throws SQLException {
    return iface.isInstance(this) || target.isWrapperFor(iface);
  }

  @Override
  public String toString() {
    return "GuardedDataSource{networkTimeout=" + networkTimeout() + ", " + target + '}';
  }

  /** Builds a {@link GuardedDataSource}. Not thread-safe. */
  public static final class Builder {
    private final DataSource target;
    private int networkTimeoutMillis;
    private final List<String> onBorrow = new ArrayList<>();
    private final List<String> onReturn = new ArrayList<>();
    private Runnable afterAbort = () -> {};
    private @Nullable Runnable beforeFirstUse;

    private Builder(DataSource target) {
      this.target = Objects.requireNonNull(target, "target");
    }

    /**
     * Sets the network timeout of every connection handed out.
     *
     * @param timeout positive, at most {@link Integer#MAX_VALUE} milliseconds; {@link
     *     Duration#ZERO} for none (the default)
     * @return this
     * @throws NullPointerException if null
     * @throws IllegalArgumentException if negative, or zero-but-not-empty milliseconds, or too long
     */
    public Builder networkTimeout(Duration timeout) {
      Objects.requireNonNull(timeout, "timeout");
      if (timeout.isNegative()
          || timeout.compareTo(Duration.ofMillis(Integer.MAX_VALUE)) > 0
          || (!timeout.isZero() && timeout.toMillis() == 0)) {
        throw new IllegalArgumentException(
            "networkTimeout was "
                + timeout
                + " but must be zero (none) or from 1 ms to "
                + Integer.MAX_VALUE
                + " ms");
      }
      this.networkTimeoutMillis = (int) timeout.toMillis();
      return this;
    }

    /**
     * Adds a statement run on every connection when it is handed out (then committed if the
     * connection is not in auto-commit mode); a failure fails {@code getConnection}.
     *
     * @param sql the statement, fixed text (no user values)
     * @return this
     * @throws NullPointerException if null
     */
    public Builder onBorrow(String sql) {
      onBorrow.add(Objects.requireNonNull(sql, "sql"));
      return this;
    }

    /**
     * Adds a statement run on every connection when it is closed, before it goes back to its pool
     * (outside a transaction: one the caller left open is rolled back first; committed if the
     * connection is not in auto-commit mode); a failure is thrown by {@code close()} (after the
     * connection is closed).
     *
     * @param sql the statement, fixed text (no user values)
     * @return this
     * @throws NullPointerException if null
     */
    public Builder onReturn(String sql) {
      onReturn.add(Objects.requireNonNull(sql, "sql"));
      return this;
    }

    /**
     * Sets what runs when a connection of an abandoned store call is aborted (just before), for
     * example evicting the pool's idle connections. It runs on a Tally thread and must not block
     * long.
     *
     * @param afterAbort the action; default none
     * @return this
     * @throws NullPointerException if null
     */
    public Builder afterAbort(Runnable afterAbort) {
      this.afterAbort = Objects.requireNonNull(afterAbort, "afterAbort");
      return this;
    }

    /**
     * Sets a task that must succeed once before the first connection is handed out, for example the
     * schema migrations of a Tally started while its database was down. Until it succeeds, every
     * {@code getConnection} runs it again and, if it fails, throws an {@link SQLException} with
     * SQLState {@code 08001} (a connection failure, so callers retry) caused by it.
     *
     * @param task the task; it must not borrow from this data source
     * @return this
     * @throws NullPointerException if null
     */
    public Builder beforeFirstUse(Runnable task) {
      this.beforeFirstUse = Objects.requireNonNull(task, "task");
      return this;
    }

    /**
     * @return the guarded data source
     */
    public GuardedDataSource build() {
      return new GuardedDataSource(this);
    }
  }
}
