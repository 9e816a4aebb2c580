package io.tally.store.postgres;

import io.tally.core.StoreException;
import io.tally.core.connectionlog.ConnectionLogStore;
import io.tally.jdbc.SqlStates;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A held session-level advisory lock ({@code pg_try_advisory_lock(int, int)}) on a connection kept
 * for it: {@link #close()} unlocks and hands the connection back. A connection whose unlock fails
 * is aborted instead, so a pool never keeps a connection that still holds the lock (the server
 * releases a session's advisory locks when the session ends).
 */
final class PostgresRetentionLock implements ConnectionLogStore.RetentionLock {
  private final Connection connection;
  private final boolean autoCommit;
  private final int lockClass;
  private final String table;
  private final AtomicBoolean released = new AtomicBoolean();

  PostgresRetentionLock(Connection connection, boolean autoCommit, int lockClass, String table) {
    this.connection = connection;
    this.autoCommit = autoCommit;
    this.lockClass = lockClass;
    this.table = table;
  }

  /**
   * Calls a two-key advisory-lock function whose second key is the hash of the schema-qualified
   * table (the schema is the server's current one, where the unqualified table lives).
   *
   * @return what the function returned
   */
  static boolean call(Connection c, String function, int lockClass, String table)
      throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement(
            "SELECT " + function + "(" + lockClass + ", hashtext(current_schema() || '.' || ?))")) {
      ps.setString(1, table);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() && rs.getBoolean(1);
      }
    }
  }

  /** Aborts and closes a connection after {@code failure}; their failures are suppressed in it. */
  static void discard(Connection c, Exception failure) {
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
      if (!call(connection, "pg_advisory_unlock", lockClass, table)) {
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
          "releasing the retention lock of table " + table + " (its connection was aborted)",
          (SQLException) e);
    }
  }

  @Override
  public String toString() {
    return "PostgresRetentionLock{" + table + ", released=" + released.get() + '}';
  }
}
