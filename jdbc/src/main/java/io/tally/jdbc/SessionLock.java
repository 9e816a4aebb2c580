package io.tally.jdbc;

import io.tally.core.StoreException;
import io.tally.core.connectionlog.ConnectionLogStore;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A held session-level lock (PostgreSQL's {@code pg_try_advisory_lock}, MariaDB's {@code GET_LOCK})
 * on a connection kept for it, in auto-commit mode so that it never idles in a transaction for the
 * whole run: {@link #close()} unlocks, restores the connection's auto-commit mode and hands it
 * back. A connection whose unlock fails is aborted instead, so a pool never keeps a connection that
 * still holds the lock (the server releases a session's locks when the session ends). The lock and
 * unlock statements take the lock's name (e.g. a table) as their one parameter and return whether
 * they succeeded.
 */
public final class SessionLock implements ConnectionLogStore.RetentionLock {
  private final Connection connection;
  private final boolean autoCommit;
  private final String unlockSql;
  private final String name;
  private final AtomicBoolean released = new AtomicBoolean();

  private SessionLock(Connection connection, boolean autoCommit, String unlockSql, String name) {
    this.connection = connection;
    this.autoCommit = autoCommit;
    this.unlockSql = unlockSql;
    this.name = name;
  }

  /**
   * Tries to take a session-level lock on a connection of its own.
   *
   * @param dataSource where to connect
   * @param lockSql the statement that tries the lock, e.g. {@code SELECT GET_LOCK(?, 0)}
   * @param unlockSql the statement that releases it
   * @param name the lock's name, the statements' parameter
   * @return the held lock, or empty if another session holds it
   * @throws SQLException if the database cannot be asked (the connection is aborted)
   */
  public static Optional<ConnectionLogStore.RetentionLock> tryLock(
      javax.sql.DataSource dataSource, String lockSql, String unlockSql, String name)
      throws SQLException {
    Objects.requireNonNull(lockSql, "lockSql");
    Objects.requireNonNull(unlockSql, "unlockSql");
    Objects.requireNonNull(name, "name");
    Connection c = null;
    try {
      c = dataSource.getConnection();
      boolean autoCommit = c.getAutoCommit();
      if (!autoCommit) {
        c.setAutoCommit(true); // never idle in a transaction for the whole run; restored at release
      }
      if (call(c, lockSql, name)) {
        return Optional.of(new SessionLock(c, autoCommit, unlockSql, name));
      }
      c.setAutoCommit(autoCommit);
      c.close();
      return Optional.empty();
    } catch (SQLException | RuntimeException e) {
      if (c != null) {
        discard(c, e);
      }
      throw e;
    }
  }

  private static boolean call(Connection c, String sql, String name) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      ps.setString(1, name);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() && rs.getBoolean(1);
      }
    }
  }

  /** Aborts and closes a connection after {@code failure}; their failures are suppressed in it. */
  private static void discard(Connection c, Exception failure) {
    try {
      c.abort(Runnable::run);
    } catch (SQLException | RuntimeException e) {
      failure.addSuppressed(e);
    }
    try {
      c.close();
    } catch (SQLException | RuntimeException e) {
      failure.addSuppressed(e);
    }
  }

  /**
   * Unlocks and hands the connection back.
   *
   * @throws StoreException if the unlock failed or found the lock no longer held; the connection
   *     was aborted then, which ends the session and so frees the lock
   */
  @Override
  public void close() {
    if (!released.compareAndSet(false, true)) {
      return;
    }
    try {
      if (!call(connection, unlockSql, name)) {
        throw new SQLException("the retention lock was no longer held by its session", "55000");
      }
      connection.setAutoCommit(autoCommit);
      connection.close();
    } catch (SQLException | RuntimeException e) {
      discard(connection, e);
      if (e instanceof RuntimeException) {
        throw (RuntimeException) e;
      }
      throw SqlStates.storeException(
          "releasing the retention lock of table " + name + " (its connection was aborted)",
          (SQLException) e);
    }
  }

  @Override
  public String toString() {
    return "SessionLock{" + name + ", released=" + released.get() + '}';
  }
}
