package io.tally.examples.demo;

import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.sql.SQLTransientConnectionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Logger;
import javax.sql.DataSource;

/**
 * A {@link DataSource} in front of the real one that refuses every connection while the outage is
 * on, the way a database that went away does. The demo switches it on mid-run to show that Tally
 * keeps everything in memory and writes it once the database is back.
 */
final class OutageSwitch implements DataSource {
  private final DataSource delegate;
  private final AtomicBoolean down = new AtomicBoolean();
  private final AtomicLong refused = new AtomicLong();

  OutageSwitch(DataSource delegate) {
    this.delegate = delegate;
  }

  void down(boolean on) {
    down.set(on);
  }

  boolean isDown() {
    return down.get();
  }

  long refusedConnections() {
    return refused.get();
  }

  private void check() throws SQLException {
    if (down.get()) {
      refused.incrementAndGet();
      throw new SQLTransientConnectionException(
          "simulated database outage (demo --db-outage)", "08001");
    }
  }

  @Override
  public Connection getConnection() throws SQLException {
    check();
    return delegate.getConnection();
  }

  @Override
  public Connection getConnection(String username, String password) throws SQLException {
    check();
    return delegate.getConnection(username, password);
  }

  @Override
  public PrintWriter getLogWriter() throws SQLException {
    return delegate.getLogWriter();
  }

  @Override
  public void setLogWriter(PrintWriter out) throws SQLException {
    delegate.setLogWriter(out);
  }

  @Override
  public void setLoginTimeout(int seconds) throws SQLException {
    delegate.setLoginTimeout(seconds);
  }

  @Override
  public int getLoginTimeout() throws SQLException {
    return delegate.getLoginTimeout();
  }

  @Override
  public Logger getParentLogger() throws SQLFeatureNotSupportedException {
    return delegate.getParentLogger();
  }

  @Override
  public <T> T unwrap(Class<T> iface) throws SQLException {
    return delegate.unwrap(iface);
  }

  @Override
  public boolean isWrapperFor(Class<?> iface) throws SQLException {
    return delegate.isWrapperFor(iface);
  }
}
