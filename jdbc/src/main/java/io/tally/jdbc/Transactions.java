package io.tally.jdbc;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.Objects;
import javax.sql.DataSource;

/**
 * A transaction helper for store code: borrows a connection, runs the work in one transaction,
 * commits, and on any failure rolls back (a failed rollback is added as suppressed) and rethrows.
 * The connection's auto-commit mode is restored before it is given back.
 */
public final class Transactions {
  /**
   * Work done in one transaction.
   *
   * @param <T> its result type
   */
  @FunctionalInterface
  public interface Work<T> {
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
  public static <T> T inTransaction(DataSource dataSource, Work<T> work) throws SQLException {
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
  public static <T> T inTransaction(Connection c, Work<T> work) throws SQLException {
    Objects.requireNonNull(c, "c");
    Objects.requireNonNull(work, "work");
    boolean autoCommit = c.getAutoCommit();
    if (autoCommit) {
      c.setAutoCommit(false);
    }
    try {
      T result = work.run(c);
      c.commit();
      return result;
    } catch (SQLException | RuntimeException | Error e) {
      try {
        c.rollback();
      } catch (SQLException r) {
        e.addSuppressed(r);
      }
      throw e;
    } finally {
      if (autoCommit) {
        try {
          c.setAutoCommit(true);
        } catch (SQLException e) {
          // The pool resets it or evicts the connection; the outcome above stands.
        }
      }
    }
  }
}
