package io.tally.jdbc;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.Objects;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;

/**
 * A transaction helper for store code: borrows a connection, runs the work in one transaction,
 * commits, and on any failure rolls back and rethrows (a failed rollback or auto-commit reset is
 * added to that failure as suppressed, never replacing it). The connection's auto-commit mode is
 * restored before it is given back.
 */
public final class Transactions {
  /**
   * Work done in one transaction.
   *
   * @param <T> its result type
   */
  @FunctionalInterface
  public interface Work<T extends @Nullable Object> {
    /**
     * Does the work on the transaction's connection; must not commit or close it.
     *
     * @param c the connection, in manual-commit mode
     * @return the result
     * @throws SQLException if a statement fails
     */
    T run(Connection c) throws SQLException;
  }

  private Transactions() {}

  /**
   * Runs {@code work} in one transaction on a connection of {@code dataSource}.
   *
   * @param dataSource where to connect
   * @param work what to do
   * @param <T> the result type
   * @return what {@code work} returned, after the commit
   * @throws SQLException if borrowing, the work or the commit fails (after the rollback)
   * @throws NullPointerException if an argument is null
   */
  public static <T extends @Nullable Object> T inTransaction(DataSource dataSource, Work<T> work)
      throws SQLException {
    Objects.requireNonNull(dataSource, "dataSource");
    Objects.requireNonNull(work, "work");
    try (Connection c = dataSource.getConnection()) {
      return inTransaction(c, work);
    }
  }

  /**
   * Runs {@code work} in one transaction on {@code c}, which stays open.
   *
   * @param c the connection
   * @param work what to do
   * @param <T> the result type
   * @return what {@code work} returned, after the commit
   * @throws SQLException if the work or the commit fails (after the rollback)
   * @throws NullPointerException if an argument is null
   */
  public static <T extends @Nullable Object> T inTransaction(Connection c, Work<T> work)
      throws SQLException {
    Objects.requireNonNull(c, "c");
    Objects.requireNonNull(work, "work");
    boolean autoCommit = c.getAutoCommit();
    if (autoCommit) {
      c.setAutoCommit(false);
    }
    T result;
    try {
      result = work.run(c);
      c.commit();
    } catch (SQLException | RuntimeException | Error e) {
      // neither a failing rollback nor a failing reset may replace the original failure
      try {
        c.rollback();
      } catch (SQLException | RuntimeException r) {
        e.addSuppressed(r);
      }
      if (autoCommit) {
        try {
          c.setAutoCommit(true);
        } catch (SQLException | RuntimeException r) {
          e.addSuppressed(r);
        }
      }
      throw e;
    }
    if (autoCommit) {
      c.setAutoCommit(true);
    }
    return result;
  }
}
